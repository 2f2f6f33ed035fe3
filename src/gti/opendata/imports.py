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

The file is read as a stream, typed and stored in batches: a batch is typed column by column
(`_fast`), and only the rows with a value that is not plain or that break a rule between values
are typed by `OperationRow`, the definition of a good row, which names their problems. A file
with a bad row imports nothing, unless bad rows are to be skipped: then every good row is
imported. Either way each bad row is named by its line, column and problem. A list keeps the
name of its source (the file's name by default); importing the same source again replaces its
rows. One audit event records an import.
"""

from __future__ import annotations

import csv
import functools
import io
import operator
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
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


# The values the batch typing (`_fast`) vouches for without asking `OperationRow`, each a subset of
# what the schema accepts, with the same typed value (tests/opendata/test_import.py checks it):
# ISO days, plain amounts and shares, text without spaces at either end. Any other value, and any
# row that breaks a rule of IN_ORDER, is left to the schema, which types it or names its problems.
PLAIN_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?")  # Amount: 14 digits, 2 after
PLAIN_SHARE = re.compile(r"0(?:\.[0-9]{1,4})?|1(?:\.0{1,4})?")  # Share: 0 to 1, 4 decimals
UNSURE = object()  # a value `_fast` leaves to the schema


@functools.lru_cache(maxsize=10_000)  # the same days come back batch after batch
def _plain_day(value: str):
    if not value:
        return None
    if not PLAIN_DAY.fullmatch(value):
        return UNSURE
    try:
        date.fromisoformat(value)  # a day of the calendar (2024-02-30 is not)
    except ValueError:
        return UNSURE
    return value  # stored as the text it is: both databases read ISO days


@functools.lru_cache(maxsize=1_000)
def _plain_share(value: str):
    return None if not value else value if PLAIN_SHARE.fullmatch(value) else UNSURE


@functools.lru_cache(maxsize=1_000)
def _plain_country(value: str):
    return value.upper() if len(value) == 2 and value.isascii() and value.isalpha() else UNSURE


def _by_distinct(values: tuple[str, ...], plain) -> tuple[tuple | list, set[int]]:
    """A column of few distinct values (days, shares, codes): each distinct value typed once."""
    typed = {v: plain(v) for v in set(values)}
    if all(t is v for v, t in typed.items()):
        return values, set()  # stored as they are
    unsure = {v for v, t in typed.items() if t is UNSURE}
    typed |= dict.fromkeys(unsure)  # None: the schema types these rows
    stored = list(map(typed.__getitem__, values))
    return stored, {i for i, v in enumerate(values) if v in unsure} if unsure else set()


def _amounts(values: tuple[str, ...], required: bool) -> tuple[list, list, set[int]]:
    """A column of amounts: (the values stored, as their text; their Decimal for the rules; the
    rows left to the schema)."""
    if (required or "" not in values) and all(map(PLAIN_AMOUNT.fullmatch, values)):
        return values, list(map(Decimal, values)), set()
    unsure = {i for i, v in enumerate(values)
              if not PLAIN_AMOUNT.fullmatch(v) and (required or v)}  # fmt: skip
    stored = [None if i in unsure or not v else v for i, v in enumerate(values)]
    return stored, [v if v is None else Decimal(v) for v in stored], unsure


# a space next to a NUL: of the values joined by NULs, one with a space at either end
EDGE_SPACE = re.compile(r"\x00(?:\s|(?<=\s\x00))")  # starts with the NUL: a quick search


def _text(values: tuple[str, ...], shortest: int, longest: float) -> set[int]:
    """The rows whose text is not stored as it is: a NUL character, spaces at either end (the
    schema strips them, by its own idea of a space), a length out of bounds."""
    joined = "\x00".join(values)  # one search of the column's text
    if (
        joined.count("\x00") == len(values) - 1
        and not (joined[:1].isspace() or joined[-1:].isspace() or EDGE_SPACE.search(joined))
        and (shortest != 1 or "" not in values)
        and (shortest <= 1 or min(map(len, values)) >= shortest)
        and (longest == float("inf") or max(map(len, values)) <= longest)
    ):
        return set()
    return {i for i, v in enumerate(values)
            if "\x00" in v or v.strip() != v or not shortest <= len(v) <= longest}  # fmt: skip


def _bounds(column: str) -> tuple[int, float]:
    """The schema's bounds of the length of a text column."""
    limits = [m for m in OperationRow.model_fields[column].metadata
              if isinstance(m, StringConstraints)]  # fmt: skip
    shortest = max([m.min_length or 0 for m in limits], default=0)
    return shortest, min([m.max_length or float("inf") for m in limits], default=float("inf"))


DAYS = ("start_date", "expected_end_date", "last_updated")
AMOUNTS = {"total_cost_eur": True, "eligible_cost_eur": False, "eu_contribution_eur": False}
BY_DISTINCT = {"union_cofinancing_rate": _plain_share, "country": _plain_country}
BY_DISTINCT |= dict.fromkeys(DAYS, _plain_day)
TEXTS = {c: _bounds(c) for c in COLUMNS if c not in AMOUNTS and c not in BY_DISTINCT}


def _fast(columns: list[tuple[str, ...]], rows: list | None = None) -> tuple[list, set[int]]:
    """Type a batch of rows, given as its columns (in the order of COLUMNS), column by column,
    some 20 times faster than the schema row by row: (the rows' values as stored; the rows it
    does not vouch for, whose values are to be typed by the schema). `rows`: the same rows, if
    read in the order of COLUMNS, returned as they are when every value is stored as it is."""
    unsure: set[int] = set()
    stored, numbers, gaps = {}, {}, set()  # gaps: the columns with a None among `numbers`
    for column, values in zip(COLUMNS, columns, strict=True):
        if column in AMOUNTS:
            stored[column], numbers[column], refused = _amounts(values, AMOUNTS[column])
        elif column in BY_DISTINCT:
            stored[column], refused = _by_distinct(values, BY_DISTINCT[column])
            numbers[column] = stored[column]  # ISO days compare as text
        else:
            stored[column], refused = values, _text(values, *TEXTS[column])
        if stored[column] is not values:
            gaps.add(column)
        unsure |= refused
    for lower, upper in IN_ORDER:
        low, high = numbers[lower], numbers[upper]
        if not gaps & {lower, upper} and not any(map(operator.gt, low, high)):
            continue
        # (`is not None`: comparing a Decimal with None is slow)
        unsure |= {i for i, (a, b) in enumerate(zip(low, high, strict=True))
                   if a is not None and b is not None and a > b}  # fmt: skip
    if rows is not None and not gaps:
        return rows, unsure
    return list(zip(*stored.values(), strict=True)), unsure


class _Typist:
    """Types the rows of a file batch by batch; counts each bad row in `done` with its
    problems, in the order of the lines."""

    def __init__(self, header: list[str], done: Imported):
        self.header, self.done = header, done
        self.positions = [header.index(c) for c in COLUMNS]
        self.as_read = header == list(COLUMNS)  # a row as read has the values in order
        self.seen: dict[str, int] = {}  # operation id: its line

    def bad(self, problems: list[Problem]):
        self.done.bad_rows += 1
        self.done.problems.extend(problems[: max(0, SHOWN - len(self.done.problems))])

    def good(self, rows: list[list[str]], lines: list[int], refused: list) -> list[tuple]:
        """The good rows among `rows` (read at `lines`) as values in the order of COLUMNS;
        `refused`: (line, problems) of the batch's lines that were no rows."""
        by_header = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
        columns = [by_header[i] for i in self.positions]
        typed, unsure = _fast(columns, rows if self.as_read else None)
        ids = columns[0]  # as stored, where the batch typing vouches for them
        unique = len(set(ids)) == len(ids) and self.seen.keys().isdisjoint(ids)
        if unique and not unsure and not refused:  # the usual batch
            self.seen.update(zip(ids, lines, strict=True))
            return typed
        good, problems = [], dict(refused)
        for i, (values, line) in enumerate(zip(typed, lines, strict=True)):
            if i in unsure:
                try:
                    row = OperationRow.model_validate(dict(zip(self.header, rows[i], strict=True)))
                except ValidationError as exc:
                    problems[line] = [_problem(line, e) for e in exc.errors()]
                    continue
                values = tuple(row.__dict__.values())  # the fields' order
            first = self.seen.setdefault(values[0], line)
            if first != line:
                message = _("the same operation_id as line %(line)s") % {"line": first}
                problems[line] = [Problem(line, "operation_id", message)]
                continue
            good.append(values)
        for line in sorted(problems):
            self.bad(problems[line])
        return good


def _problem(line: int, error: dict) -> Problem:
    return Problem(line, str(error["loc"][0]) if error["loc"] else _("(row)"), _message(error))


STORED = ("source", "imported_at", *COLUMNS)  # the order of the values `_writer` writes


@contextmanager
def _writer(first: tuple):
    """A function that writes a batch of typed rows (values in the order of COLUMNS, after the
    `first` values of STORED) to the table: on PostgreSQL into one COPY for the whole file, which
    the server stores while the next batch is read and typed (a COPY per batch would wait for
    each); on SQLite one prepared INSERT run over the batch. Not `bulk_create`: it prepares each
    value of each row field by field again (some 25 µs a row), where the batch is typed already.
    Nothing else may use the connection until the block ends."""
    quote, meta = connection.ops.quote_name, ExternalOperation._meta
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in STORED)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:

                def store(rows: list) -> None:
                    if (text := _copy_text(first, rows)) is not None:
                        copy.write(text)
                        return
                    for row in rows:
                        copy.write_row((*first, *row))

                yield store
            return
        marks = ", ".join(["%s"] * len(STORED))
        insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        yield lambda rows: cursor.executemany(insert, map(first.__add__, map(tuple, rows)))


def _copy_text(first: tuple, rows: list) -> str | None:
    """The rows in COPY's text format, made at once when every value is a text COPY takes as it
    is (no tab, new line or backslash in it); else None."""
    try:
        text = "\n".join(map("\t".join, rows))
    except TypeError:  # a None, a day, an amount: typed by the schema
        return None
    tabs = len(rows) * (len(rows[0]) - 1)  # every row has the same columns
    if (
        "\\" in text
        or "\r" in text
        or text.count("\n") != len(rows) - 1
        or text.count("\t") != tabs
    ):
        return None
    escape = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
    start = "".join(str(value).translate(escape) + "\t" for value in first)
    return start + text.replace("\n", "\n" + start) + "\n"


def _batches(reader, width: int, size: int):
    """The file's rows `size` records at a time: (the rows of `width` values, their lines, the
    problems of the other records)."""
    start = reader.line_num
    while chunk := list(islice(reader, size)):
        if reader.line_num - start == len(chunk):  # a line a record
            lines = list(range(start + 1, reader.line_num + 1))
        else:  # a value holds a line break: a record of more lines
            lines, line = [], start
            for values in chunk:
                text = "".join(values)
                line += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
                lines.append(line)
        start = reader.line_num
        if set(map(len, chunk)) == {width}:
            yield chunk, lines, []
            continue
        rows, at, refused = [], [], []
        for values, line in zip(chunk, lines, strict=True):
            if len(values) == width:
                rows.append(values)
                at.append(line)
            elif any(v.strip() for v in values):  # a blank line is no row
                message = _("expected %(n)s values, found %(found)s")
                message %= {"n": width, "found": len(values)}
                refused.append((line, [Problem(line, _("(row)"), message)]))
        yield rows, at, refused


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
                typist, read = _Typist(header, done), 0
                with _writer((source, now)) as store:
                    for rows, lines, refused in _batches(reader, len(header), batch_size):
                        good = typist.good(rows, lines, refused)
                        read += len(rows) + len(refused)
                        if good and (skip_bad or not done.bad_rows):  # else look for problems
                            store(good)
                            done.rows += len(good)
                        if progress:
                            progress(raw.tell(), size, read)
                if done.bad_rows and not skip_bad:
                    raise ImportRefused(done.problems, done.bad_rows)
                if progress:
                    progress(size, size, read)
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
