"""The shape of the strategy files and the rules between their parts.

`validate_files()` returns every problem as `Problem(file, path, message)`; it never raises on bad
content, so the CLI can list them all at once. The structure is checked by pydantic, the rules that
span parts of a file (duplicate codes, shares, links to the programme, boundaries) by `_check_*`.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gti.proposals.procedure import ProcedureFile
from gti.strategy.sdgs import GOALS

DATA_DIR = Path(__file__).resolve().parent / "data"

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Fraction = Annotated[Decimal, Field(ge=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(Strict):
    nl: NonEmpty
    en: NonEmpty


# --- programme file ---------------------------------------------------------------------------


class Period(Strict):
    start: int
    end: int


class Eligibility(Strict):
    start: datetime.date
    end: datetime.date


class IndicatorFile(Strict):
    code: NonEmpty
    kind: Literal["output", "result"]
    unit: Text
    name: Text
    territorial: bool = False


class SpecificObjectiveFile(Strict):
    code: NonEmpty
    title: Text
    indicators: list[NonEmpty] = []
    source: Text | None = None  # where the list of indicators comes from


class PriorityFile(Strict):
    code: NonEmpty
    reference: NonEmpty
    title: Text
    short_title: Text | None = None  # how pages name it beside its code: "P1 Slimmer Vlaanderen"
    share: Fraction
    specific_objectives: list[SpecificObjectiveFile] = Field(min_length=1)


Euro = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Received(Strict):
    date: datetime.date
    amount: Euro


class N3File(Strict):
    """What the N+3 rule (CPR art. 105) is applied to: the yearly ERDF commitments 2021-2027
    and the pre-financing received."""

    commitments: dict[Annotated[int, Field(ge=2021, le=2027)], Euro]
    prefinancing: list[Received] = []
    # the days a payment application is assumed to follow a claim's submission: what the
    # forecast from planned claims counts on (0 to a year)
    application_lag_days: int = Field(default=90, ge=0, le=366)


class MilestoneFile(Strict):
    indicator: NonEmpty
    milestone_2024: Annotated[Decimal, Field(ge=0)]
    target_2029: Annotated[Decimal, Field(ge=0)]


class PerformanceFile(Strict):
    """The performance framework (CPR art. 16): per output indicator, the programme's milestone
    for the end of 2024 and its target for 2029 (CPR Annex V, table 2 of each specific objective).
    The dashboard shows them beside what the projects target and achieve."""

    source: Text | None = None
    indicators: list[MilestoneFile] = []


class ProgrammeFile(Strict):
    code: NonEmpty
    name: Text
    fund: NonEmpty
    period: Period
    eligibility: Eligibility
    max_eu_cofinancing_rate: Fraction
    urban_minimum_share: Fraction
    gti_share: Fraction
    gti_cities: list[NonEmpty] = []
    rules_text: list[Text] = []
    priorities: list[PriorityFile] = Field(min_length=1)
    indicators: list[IndicatorFile] = []
    source: Text | None = None
    # Where and how an applicant may complain about a decision (CPR art. 69(7)), stated in every
    # decision and letter; without it the documents use a neutral default text.
    complaints: Text | None = None
    default_procedure: str | None = None
    procedures: list[ProcedureFile] = []
    n3: N3File | None = None
    performance: PerformanceFile | None = None


# --- city strategy file -----------------------------------------------------------------------


class AreaFile(Strict):
    code: NonEmpty
    name: NonEmpty
    # an area of the city the strategy does not (yet) cover, e.g. Borsbeek, part of Antwerp since
    # 2025: shown as such, never offered to a proposal; `decision` says what was decided and by whom
    admitted: bool = True
    decision: Text | None = None


class SteeringCommittee(Strict):
    # at least two, so no single login approves a new version of the strategy
    quorum: int = Field(default=2, ge=2)


class Boundaries(Strict):
    file: NonEmpty
    attribution: Text


class PrincipleFile(Strict):
    code: NonEmpty
    text: Text
    mandatory: bool
    note: Text | None = None


class ExampleActionFile(Strict):
    nl: NonEmpty
    en: NonEmpty
    group: Text | None = None


class ThemeFile(Strict):
    code: NonEmpty
    name: Text
    specific_objectives: list[NonEmpty]
    sdgs: list[int] = []  # numbers of the UN Sustainable Development Goals it serves (sdgs.py)
    example_actions: list[ExampleActionFile] = []


class PolicyReferenceFile(Strict):
    code: NonEmpty
    kind: Literal[
        "coalition-agreement-action",
        "coalition-agreement",
        "policy-note",
        "multi-year-plan",
        "plan",
    ]
    title: Text
    url: str | None = None


class StrategyIndicatorFile(Strict):
    """A territorial indicator filled once for the strategy (e.g. RCO74, RCO75)."""

    value: Decimal | None = None
    note: Text | None = None


CityRole = Literal["initiator", "regierol", "partner"]


class StrategyFile(Strict):
    city: NonEmpty
    name: Text
    programme: NonEmpty
    title: Text
    territory: Text
    policy_cycle: list[Text] = []
    area_kind: NonEmpty
    boundaries: Boundaries
    areas: list[AreaFile] = Field(min_length=1)
    principles: list[PrincipleFile] = Field(min_length=1)
    themes: list[ThemeFile] = Field(min_length=1)
    policy_references: list[PolicyReferenceFile] = []
    steering_committee: SteeringCommittee = SteeringCommittee()
    whole_city_allowed: bool = False
    admitted_city_roles: list[CityRole] = []
    strategy_indicators: dict[NonEmpty, StrategyIndicatorFile] = {}


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.path}: {self.message}"


@dataclass
class Parsed:
    """A file that passed validation: its path, raw text, and the typed content."""

    path: Path
    text: str
    content: ProgrammeFile | StrategyFile


def _path(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _read(path: Path, problems: list[Problem]) -> tuple[str, dict] | None:
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        problems.append(Problem(str(path), "(file)", "file not found"))
        return None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        problems.append(Problem(str(path), where, f"not valid YAML: {exc}".splitlines()[0]))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "(file)", "expected a mapping at the top level"))
        return None
    return text, data


def _typed(path: Path, data: dict, problems: list[Problem]):
    model = ProgrammeFile if "priorities" in data else StrategyFile
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            message = "missing" if err["type"] == "missing" else err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(Problem(str(path), _path(err["loc"]), message))
        return None


def _duplicates(items, where: str, file: str, problems: list[Problem], key=lambda i: i.code):
    seen: set = set()
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            problems.append(Problem(file, f"{where}[{index}].code", f"duplicate code {value!r}"))
        seen.add(value)


def _check_programme(file: str, prog: ProgrammeFile, problems: list[Problem]) -> None:
    if prog.period.end < prog.period.start:
        problems.append(Problem(file, "period.end", "ends before it starts"))
    if prog.eligibility.end < prog.eligibility.start:
        problems.append(Problem(file, "eligibility.end", "ends before it starts"))
    total = sum((p.share for p in prog.priorities), Decimal(0))
    if total != 1:
        problems.append(
            Problem(file, "priorities", f"shares add up to {float(total * 100):g}%, not 100%")
        )
    _duplicates(prog.priorities, "priorities", file, problems)
    _duplicates(prog.indicators, "indicators", file, problems)
    objectives = [so for p in prog.priorities for so in p.specific_objectives]
    _duplicates(objectives, "specific objectives", file, problems)
    _duplicates(prog.procedures, "procedures", file, problems)
    if prog.default_procedure and prog.default_procedure not in {p.code for p in prog.procedures}:
        problems.append(
            Problem(file, "default_procedure", f"unknown procedure {prog.default_procedure!r}")
        )
    known = {i.code for i in prog.indicators}
    for pi, priority in enumerate(prog.priorities):
        for si, so in enumerate(priority.specific_objectives):
            for ii, code in enumerate(so.indicators):
                if code not in known:
                    problems.append(
                        Problem(
                            file,
                            f"priorities[{pi}].specific_objectives[{si}].indicators[{ii}]",
                            f"unknown indicator {code!r}",
                        )
                    )
    _check_performance(file, prog, problems)


def _check_performance(file: str, prog: ProgrammeFile, problems: list[Problem]) -> None:
    kinds = {i.code: i.kind for i in prog.indicators}
    seen: set[str] = set()
    for n, row in enumerate(prog.performance.indicators if prog.performance else []):
        where = f"performance.indicators[{n}]"
        if row.indicator not in kinds:
            problems.append(Problem(file, f"{where}.indicator",
                                    f"unknown indicator {row.indicator!r}"))  # fmt: skip
        elif kinds[row.indicator] != "output":
            # CPR art. 16: the milestones are set for output indicators.
            problems.append(Problem(file, f"{where}.indicator",
                                    f"{row.indicator!r} is not an output indicator"))  # fmt: skip
        elif row.indicator in seen:
            problems.append(Problem(file, f"{where}.indicator",
                                    f"duplicate indicator {row.indicator!r}"))  # fmt: skip
        seen.add(row.indicator)
        if row.milestone_2024 > row.target_2029:
            # Output indicators count cumulatively: what is reached by 2024 still counts in 2029.
            problems.append(Problem(file, f"{where}.milestone_2024", "above the target for 2029"))


def boundary_features(strategy: StrategyFile, base: Path) -> dict[str, dict]:
    """The boundary geometry of each area, by area name, from the strategy's GeoJSON file."""
    collection = json.loads((base / strategy.boundaries.file).read_text(encoding="utf-8"))
    return {f["properties"]["name"]: f["geometry"] for f in collection["features"]}


def _check_strategy(
    file: str, strat: StrategyFile, base: Path, programmes: dict, problems: list[Problem]
) -> None:
    _duplicates(strat.areas, "areas", file, problems)
    _duplicates(strat.principles, "principles", file, problems)
    _duplicates(strat.themes, "themes", file, problems)
    _duplicates(strat.policy_references, "policy_references", file, problems)
    programme = programmes.get(strat.programme)
    if programme is None:
        problems.append(Problem(file, "programme", f"unknown programme {strat.programme!r}"))
        objectives: set[str] | None = None
    else:
        objectives = {so.code for p in programme.priorities for so in p.specific_objectives}
        territorial = {i.code for i in programme.indicators if i.territorial}
        for code in strat.strategy_indicators:
            if code not in territorial:
                problems.append(
                    Problem(
                        file,
                        f"strategy_indicators.{code}",
                        f"not a territorial indicator of programme {strat.programme}",
                    )
                )
    for ti, theme in enumerate(strat.themes):
        if not theme.specific_objectives:
            problems.append(
                Problem(
                    file, f"themes[{ti}].specific_objectives", "theme has no specific objective"
                )
            )
        seen_goals: set[int] = set()
        for gi, number in enumerate(theme.sdgs):
            where = f"themes[{ti}].sdgs[{gi}]"
            if number not in GOALS:
                problems.append(
                    Problem(file, where, f"unknown Sustainable Development Goal {number} (1 to 17)")
                )
            elif number in seen_goals:
                problems.append(Problem(file, where, f"SDG {number} given twice"))
            seen_goals.add(number)
        for si, code in enumerate(theme.specific_objectives):
            if objectives is not None and code not in objectives:
                problems.append(
                    Problem(
                        file,
                        f"themes[{ti}].specific_objectives[{si}]",
                        f"unknown specific objective {code!r} (not in programme {strat.programme})",
                    )
                )
    try:
        features = boundary_features(strat, base)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(Problem(file, "boundaries.file", f"cannot read boundaries: {exc}"))
        return
    for ai, area in enumerate(strat.areas):
        if not area.admitted and area.decision is None:
            problems.append(
                Problem(file, f"areas[{ai}].decision", "an area not admitted needs its decision")
            )
        if area.admitted and area.name not in features:
            problems.append(
                Problem(file, f"areas[{ai}].name", f"no boundary named {area.name!r} in the file")
            )


def validate_files(paths: list[Path]) -> tuple[list[Parsed], list[Problem]]:
    """Check the given files; a strategy's programme is looked up among them, else in data/."""
    problems: list[Problem] = []
    parsed: list[Parsed] = []
    for path in paths:
        read = _read(path, problems)
        if read is None:
            continue
        content = _typed(path, read[1], problems)
        if content is not None:
            parsed.append(Parsed(path, read[0], content))
    programmes = {p.content.code: p.content for p in parsed if isinstance(p.content, ProgrammeFile)}
    if any(isinstance(p.content, StrategyFile) for p in parsed):
        for default in sorted(DATA_DIR.glob("*.yaml")):
            read = _read(default, [])
            if read and "priorities" in read[1] and read[1].get("code") not in programmes:
                content = _typed(default, read[1], [])
                if content is not None:
                    programmes[content.code] = content
    for p in parsed:
        if isinstance(p.content, ProgrammeFile):
            _check_programme(str(p.path), p.content, problems)
        else:
            _check_strategy(str(p.path), p.content, p.path.parent, programmes, problems)
    good = {str(p.path) for p in parsed} - {problem.file for problem in problems}
    return [p for p in parsed if str(p.path) in good], problems


def default_files() -> list[Path]:
    """The shipped programme first, then the city strategies."""
    files = sorted(DATA_DIR.glob("*.yaml"))
    return sorted(files, key=lambda f: "priorities:" not in f.read_text(encoding="utf-8"))
