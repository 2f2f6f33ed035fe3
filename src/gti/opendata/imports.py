"""Importing other regions' lists of operations (CPR art. 49(3)) for comparison: the one home of
the import's rules.

A list is a UTF-8 CSV file with the columns of the list the platform publishes
(`operations.COLUMNS`), in any order, no column missing and none unknown. Each row is typed by
`OperationRow`:

- `operation_id`, `operation_name` and `total_cost_eur` are required; every other value may be
  empty, except `country` (a two-letter ISO 3166 code, e.g. BE);
- dates are ISO (YYYY-MM-DD); an expected end date is not before the start date;
- amounts are non-negative decimal numbers with a point and at most two decimals, and
  eu_contribution_eur <= eligible_cost_eur <= total_cost_eur where given;
- union_cofinancing_rate is a share between 0 and 1 with at most four decimals (0.4 for 40%);
- an operation id appears once in a file.

The file is read as a stream and stored in batches. A file with a bad row imports nothing,
unless bad rows are to be skipped: then every good row is imported. Either way each bad row is
named by its line, column and problem. A list keeps the name of its source (the file's name by
default); importing the same source again replaces its rows. One audit event records an import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from gti.accounts import audit
from gti.opendata.models import ExternalOperation
from gti.opendata.operations import COLUMNS

BATCH = 5_000  # rows stored at a time
SHOWN = 50  # problems kept to be listed; the bad rows are counted beyond that
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _blank(value):
    """An empty value (or only spaces) is no value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _iso_day(value):
    value = _blank(value)
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_iso", "not a date (YYYY-MM-DD)")
    return value


# The rules between the values of a row: (lower, upper), the value of `lower` is not more than
# the value of `upper` when both are given. The row's later column of the two is the one named.
IN_ORDER = (
    ("start_date", "expected_end_date"),
    ("eligible_cost_eur", "total_cost_eur"),
    ("eu_contribution_eur", "eligible_cost_eur"),
    ("eu_contribution_eur", "total_cost_eur"),
)


def _checked(rule: tuple[str, str]) -> str:
    return max(rule, key=COLUMNS.index)


def _out_of_order(rule: tuple[str, str]) -> str:
    lower, upper = rule
    return f"before {lower}" if _checked(rule) == upper else f"more than {upper}"


Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Day = Annotated[date | None, BeforeValidator(_iso_day)]
Amount = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)
]  # fmt: skip
MaybeAmount = Annotated[Amount | None, BeforeValidator(_blank)]
Share = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4, allow_inf_nan=False)]
Rate = Annotated[Share | None, BeforeValidator(_blank)]


class OperationRow(BaseModel):
    """One row of a list of operations, as typed values (the columns of `operations.Operation`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operation_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    operation_name: Annotated[str, StringConstraints(min_length=1)]
    beneficiary: Text
    purpose_and_achievements: Text
    start_date: Day
    expected_end_date: Day
    total_cost_eur: Annotated[Amount, BeforeValidator(str.strip)]
    eligible_cost_eur: MaybeAmount
    eu_contribution_eur: MaybeAmount
    union_cofinancing_rate: Rate
    fund: Annotated[str, StringConstraints(max_length=50)]
    priority: Text
    specific_objective: Annotated[str, StringConstraints(max_length=300)]
    category_of_intervention: Text
    city: Annotated[str, StringConstraints(max_length=200)]
    theme: Text
    location: Text
    location_postcode: Annotated[str, StringConstraints(max_length=200)]
    country: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]
    last_updated: Day

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        # No database keeps a NUL character in text (PostgreSQL's COPY refuses the whole file).
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul", "holds a NUL character")
        return value

    @field_validator(*{_checked(rule) for rule in IN_ORDER})
    @classmethod
    def _in_order(cls, value, info: ValidationInfo):
        for lower, upper in IN_ORDER:
            if _checked((lower, upper)) != info.field_name:
                continue
            low, high = (info.data.get(lower), value) if lower != info.field_name else (
                value, info.data.get(upper))  # fmt: skip
            if low is not None and high is not None and low > high:
                raise PydanticCustomError("order", _out_of_order((lower, upper)))
        return value


def _message(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return _("missing")
    if kind == "decimal_parsing":
        return _("not a number (use a point for decimals, e.g. 1250.50)")
    if kind == "decimal_max_places":
        return _("more than %(places)s decimals") % {"places": err["ctx"]["decimal_places"]}
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return _("too large")
    if kind == "greater_than_equal":
        return _("negative")
    if kind == "less_than_equal":
        return _("more than 1 (a share: 0.4 for 40%)")
    if kind == "string_too_short":
        return _("empty")
    if kind == "string_too_long":
        return _("longer than %(max)s characters") % {"max": err["ctx"]["max_length"]}
    if kind == "string_pattern_mismatch":
        return _("not a two-letter country code (ISO 3166, e.g. BE)")
    if kind == "date_iso":
        return _("not a date (YYYY-MM-DD)")
    if kind.startswith("date_"):
        return _("not a date (YYYY-MM-DD)")
    if kind == "nul":
        return _("holds a NUL character, which no field accepts")
    if kind == "order":
        return {
            "before start_date": _("before start_date"),
            "more than total_cost_eur": _("more than total_cost_eur"),
            "more than eligible_cost_eur": _("more than eligible_cost_eur"),
        }[err["msg"]]
    return err["msg"]


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self):
        if not self.line:  # of the file or an option, not of a line
            return f"{self.column}: {self.message}"
        return _("line %(line)s: %(column)s: %(message)s") % {
            "line": self.line, "column": self.column, "message": self.message,
        }  # fmt: skip


class ImportRefused(Exception):
    """Nothing was imported: a fatal problem (the file, its header) or bad rows. `problems`
    lists the first `SHOWN` problems, `bad_rows` counts the bad rows."""

    def __init__(self, problems: list[Problem], bad_rows: int = 0):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems, self.bad_rows = problems, bad_rows


@dataclass
class Imported:
    source: str
    rows: int = 0  # stored
    replaced: int = 0  # rows of the same source there before, now gone
    bad_rows: int = 0  # skipped
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN


@dataclass(frozen=True)
class ImportedList:
    """What the import's audit event is about: the source (it has no row of its own)."""

    source: str

    def __str__(self):
        return self.source


def _header(reader) -> list[str]:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        header = []
    if not header:
        raise ImportRefused([Problem(1, _("(file)"), _("empty file: no header"))])
    problems = [Problem(1, c, _("missing column")) for c in COLUMNS if c not in header]
    problems += [Problem(1, c or _("(empty)"), _("unknown column"))
                 for c in header if c not in COLUMNS]  # fmt: skip
    problems += [Problem(1, c, _("column given twice"))
                 for i, c in enumerate(header) if c in header[:i] and c in COLUMNS]  # fmt: skip
    if problems:
        raise ImportRefused(problems)
    return header


def _rows(reader, header: list[str], done: Imported) -> Iterator[OperationRow]:
    """Each good row, typed; each bad row counted in `done` with its problems."""
    validate, width = OperationRow.model_validate, len(header)
    seen: dict[str, int] = {}

    def bad(problems: list[Problem]):
        done.bad_rows += 1
        done.problems.extend(problems[: max(0, SHOWN - len(done.problems))])

    for values in reader:
        line = reader.line_num
        if len(values) != width:
            if any(v.strip() for v in values):  # a blank line is no row
                message = _("expected %(n)s values, found %(found)s")
                bad([Problem(line, _("(row)"), message % {"n": width, "found": len(values)})])
            continue
        try:
            row = validate(dict(zip(header, values, strict=True)))
        except ValidationError as exc:
            bad([Problem(line, str(e["loc"][0]) if e["loc"] else _("(row)"), _message(e))
                 for e in exc.errors()])  # fmt: skip
            continue
        first = seen.setdefault(row.operation_id, line)
        if first != line:
            message = _("the same operation_id as line %(line)s") % {"line": first}
            bad([Problem(line, "operation_id", message)])
            continue
        yield row


STORED = ("source", "imported_at", *COLUMNS)  # the order of the values `_store` writes


def _store(rows: list[tuple]) -> None:
    """Write a batch of typed rows (values in the order of STORED) to the table: one COPY on
    PostgreSQL, one prepared INSERT run over the batch on SQLite. Not `bulk_create`: it
    prepares each value of each row field by field again (some 25 µs a row, most of an
    import's time), where the schema has typed them already."""
    if not rows:
        return
    quote, meta = connection.ops.quote_name, ExternalOperation._meta
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in STORED)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(STORED))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def import_file(
    path: Path,
    *,
    source: str | None = None,
    skip_bad: bool = False,
    batch_size: int = BATCH,
    by=None,
    progress: Callable[[int, int, int], None] | None = None,
) -> Imported:
    """Import the list of operations in `path` under `source` (default: the file's name),
    replacing that source's rows. Streamed, stored `batch_size` rows at a time, in one
    transaction: with a bad row and not `skip_bad`, ImportRefused and nothing changed.
    `progress(bytes read, file size, rows read)` is told after each batch."""
    path = Path(path)
    source = (source or path.name).strip()
    if not source or len(source) > 200:
        raise ImportRefused([Problem(0, "--source", _("empty or longer than 200 characters"))])
    if batch_size < 1:
        raise ImportRefused([Problem(0, "--batch-size", _("not a positive number"))])
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise ImportRefused([Problem(0, _("(file)"), _("file not found"))]) from None
    except IsADirectoryError:
        raise ImportRefused([Problem(0, _("(file)"), _("a folder, not a file"))]) from None
    size = path.stat().st_size
    done = Imported(source)
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            header = _header(reader)
            with transaction.atomic():
                done.replaced, _by_model = ExternalOperation.objects.filter(source=source).delete()
                now = connection.ops.adapt_datetimefield_value(timezone.now())
                batch: list[tuple] = []
                for n, row in enumerate(_rows(reader, header, done), start=1):
                    if done.bad_rows and not skip_bad:
                        continue  # nothing will be stored: only look for more problems
                    batch.append((source, now, *row.__dict__.values()))  # the fields' order
                    if len(batch) >= batch_size:
                        _store(batch)
                        done.rows, batch = done.rows + len(batch), []
                    if progress and n % batch_size == 0:
                        progress(raw.tell(), size, n + done.bad_rows)
                if done.bad_rows and not skip_bad:
                    raise ImportRefused(done.problems, done.bad_rows)
                _store(batch)
                done.rows += len(batch)
                if progress:
                    progress(size, size, done.rows + done.bad_rows)
                audit.record(
                    "opendata.list.imported",
                    ImportedList(source),
                    by=by,
                    after={"source": source, "file": path.name, "rows": done.rows,
                           "replaced": done.replaced, "skipped": done.bad_rows},
                    reason="gti opendata import",
                )  # fmt: skip
        except UnicodeDecodeError:
            line = reader.line_num + 1
            raise ImportRefused([Problem(line, _("(file)"), _("not UTF-8 text"))]) from None
        except csv.Error as exc:
            raise ImportRefused([Problem(reader.line_num, _("(file)"), str(exc))]) from None
    return done
