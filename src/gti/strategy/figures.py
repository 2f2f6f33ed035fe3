"""Figures per area: importing them from a CSV file and reading them back for an area.

The file has the columns `city,area,figure,year,value,source`, one figure of one year a row; an
empty `area` is a figure of the city as a whole. A file is imported whole or not at all: every
bad row is reported with its line and column. An area is named by its code, and figures are read
back by that code, so they outlive the strategy version the area was imported under.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gti.accounts import audit
from gti.strategy.models import FIGURES, Area, AreaStatistic, City, Strategy

COLUMNS = ("city", "area", "figure", "year", "value", "source")
SAMPLE = Path(__file__).resolve().parent / "data" / "area-figures.csv"  # loaded by `gti demo`
PROGRESS_EVERY = 500  # rows between two progress lines

Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class FigureRow(BaseModel):
    """One row of a figures file, as typed values."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    area: Code = ""  # empty: the city as a whole
    figure: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    year: Annotated[int, Field(ge=1900, le=2100)]
    # a count or a percentage with at most two decimals, never a float
    value: Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=300)]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class FiguresRefused(Exception):
    """A file with bad rows: nothing was imported; `problems` lists each one."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int

    @property
    def count(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class _Row:
    line: int
    data: FigureRow
    city: City
    area: Area | None


def _message(err: dict) -> str:
    if err["type"] == "missing":
        return "missing"
    if err["type"] == "decimal_parsing":
        return "not a number (use a point for decimals, e.g. 12.5)"
    if err["type"] == "int_parsing":
        return "not a whole number"
    if err["type"] == "string_too_short":
        return "empty"
    if err["type"] == "decimal_max_places":
        return "more than two decimals"
    return err["msg"]


def _places(strategies: dict[str, Strategy]) -> dict[str, dict[str, Area]]:
    """The areas of each city's strategy in force, by code (those the strategy does not admit
    too: their figures explain the decision)."""
    out: dict[str, dict[str, Area]] = {code: {} for code in strategies}
    for area in Area.all_areas.filter(strategy__in=strategies.values()).select_related(
        "strategy__city"
    ):
        out[area.strategy.city.code][area.code] = area
    return out


def read(text: str, name: str) -> tuple[list[_Row], list[Problem]]:
    """Every row typed and checked against the strategies in force, with every problem."""
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        return [], [
            Problem(name, 1, "(file)", "empty file: expected the columns " + ",".join(COLUMNS))
        ]
    reader.fieldnames = header
    for column in COLUMNS:
        if column not in header:
            problems.append(Problem(name, 1, column, "missing column"))
    for column in header:
        if column not in COLUMNS:
            problems.append(Problem(name, 1, column or "(empty)", "unknown column"))
    if problems:
        return [], problems
    strategies = {s.city.code: s for s in Strategy.objects.current().select_related("city")}
    areas = _places(strategies)
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record or any(record.get(c) is None for c in COLUMNS):
            problems.append(Problem(name, line, "(row)", f"expected {len(COLUMNS)} values"))
            continue
        try:
            data = FigureRow.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else "(row)"
                problems.append(Problem(name, line, column, _message(err)))
            continue
        strategy = strategies.get(data.city)
        if strategy is None:
            problems.append(Problem(name, line, "city", f"no strategy loaded for {data.city!r}"))
            continue
        area = None
        if data.area:
            area = areas[data.city].get(data.area)
            if area is None:
                problems.append(
                    Problem(name, line, "area", f"{data.city} has no area {data.area!r}")
                )
                continue
        if data.figure not in FIGURES:
            problems.append(
                Problem(
                    name,
                    line,
                    "figure",
                    f"unknown figure {data.figure!r} (one of: {', '.join(FIGURES)})",
                )
            )
            continue
        key = (data.city, data.area, data.figure, data.year)
        if key in seen:
            problems.append(
                Problem(name, line, "year", f"the same figure and year as line {seen[key]}")
            )
            continue
        seen[key] = line
        rows.append(_Row(line, data, strategy.city, area))
    return rows, problems


def import_file(
    path: Path,
    *,
    by=None,
    progress: Callable[[int, int], None] | None = None,
) -> Imported:
    """Import a figures file whole or not at all (FiguresRefused lists every bad row). A figure
    already there for the same area (or city), figure and year takes the file's value and
    source. One audit event records the file and the count."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FiguresRefused([Problem(str(path), 0, "(file)", "file not found")]) from None
    except UnicodeDecodeError:
        raise FiguresRefused([Problem(str(path), 0, "(file)", "not UTF-8 text")]) from None
    rows, problems = read(text, Path(path).name)
    if problems:
        raise FiguresRefused(problems)
    created = updated = 0
    with transaction.atomic():
        existing = {
            (s.city_id, s.area.code if s.area else "", s.figure, s.year): s
            for s in AreaStatistic.objects.filter(
                city__in={r.city.pk for r in rows}
            ).select_related("area")
        }
        new, changed, now = [], [], timezone.now()
        for n, row in enumerate(rows, start=1):
            d = row.data
            found = existing.get((row.city.pk, d.area, d.figure, d.year))
            if found is None:
                new.append(
                    AreaStatistic(
                        city=row.city, area=row.area, figure=d.figure, year=d.year,
                        value=d.value, source=d.source,
                    )
                )  # fmt: skip
            else:
                # the figure now belongs to the area of the strategy in force
                found.area, found.value, found.source = row.area, d.value, d.source
                found.imported_at = now  # bulk_update leaves auto_now alone
                changed.append(found)
            if progress and (n % PROGRESS_EVERY == 0 or n == len(rows)):
                progress(n, len(rows))
        AreaStatistic.objects.bulk_create(new, batch_size=PROGRESS_EVERY)
        AreaStatistic.objects.bulk_update(
            changed, ["area", "value", "source", "imported_at"], batch_size=PROGRESS_EVERY
        )
        created, updated = len(new), len(changed)
        cities = sorted({r.city.code for r in rows})
        audit.record(
            "strategy.figures.imported",
            FiguresFile(Path(path).name),
            by=by,
            after={"file": Path(path).name, "rows": created + updated, "created": created,
                   "updated": updated, "cities": cities},
            reason="gti areas import-stats",
            city=cities[0] if len(cities) == 1 else "",
        )  # fmt: skip
    return Imported(created, updated)


@dataclass(frozen=True)
class FiguresFile:
    """What the import's audit event is about: the file (it has no row of its own)."""

    name: str

    def __str__(self):
        return self.name


# --- reading ----------------------------------------------------------------------------------


@dataclass
class FigureSeries:
    """One kind of figure of an area: its latest value and the years before, with the city's
    figure of the same kind beside it."""

    figure: object  # models.Figure
    history: list[AreaStatistic]  # newest first
    city_history: list[AreaStatistic]

    @property
    def latest(self) -> AreaStatistic | None:
        return self.history[0] if self.history else None

    @property
    def city_latest(self) -> AreaStatistic | None:
        return self.city_history[0] if self.city_history else None


def area_figures(city: City, area_code: str) -> list[FigureSeries]:
    """The figures of an area (by code, whichever strategy version it was imported under) and of
    its whole city, per kind of figure in the order of FIGURES."""
    found = AreaStatistic.objects.filter(
        Q(area__code=area_code) | Q(area__isnull=True), city=city
    ).select_related("area").order_by("figure", "-year")  # fmt: skip
    own: dict[str, list] = {}
    whole: dict[str, list] = {}
    for s in found:
        (whole if s.area_id is None else own).setdefault(s.figure, []).append(s)
    return [
        FigureSeries(figure, own.get(code, []), whole.get(code, []))
        for code, figure in FIGURES.items()
        if code in own or code in whole
    ]


def statistic_dict(s: AreaStatistic) -> dict:
    return {"year": s.year, "value": str(s.value), "source": s.source}


def figures_dict(series: list[FigureSeries]) -> list[dict]:
    """The figures as the API gives them."""
    return [
        {
            "figure": f.figure.code,
            "label": {"nl": f.figure.label_nl, "en": f.figure.label_en},
            "unit": {"nl": f.figure.unit_nl, "en": f.figure.unit_en},
            "values": [statistic_dict(s) for s in f.history],
            "city_values": [statistic_dict(s) for s in f.city_history],
        }
        for f in series
    ]
