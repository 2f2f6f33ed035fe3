"""The programme's eligibility rules for a proposal, as pure functions on plain data.

One home for each rule: saving a draft, submitting, the automatic screening, the API and the Excel
import all run `check()`. Each rule has a name and its own message, naming the field it concerns.
`Stage.SAVE` rules hold for every saved draft (bad input is refused); `Stage.SUBMIT` rules add
completeness; `Stage.SCREEN` adds what only the secretariat's screening decides on.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class Stage(enum.IntEnum):
    SAVE = 1
    SUBMIT = 2
    SCREEN = 3


@dataclass(frozen=True)
class Context:
    """What the rules need to know of the programme, the city's strategy and the call."""

    max_rate: Decimal
    eligible_from: datetime.date
    eligible_until: datetime.date
    admitted_themes: frozenset[str]
    theme_objectives: dict[str, frozenset[str]]
    objective_indicators: dict[str, frozenset[str]]
    areas: frozenset[str]
    principles: dict[str, bool]  # code -> mandatory
    policy_references: frozenset[str]


@dataclass
class Draft:
    """A proposal's content as codes and numbers: what the rules look at."""

    promoter: str = ""
    city_role: str = ""
    title: str = ""
    theme: str | None = None
    specific_objective: str | None = None
    areas: list[str] = field(default_factory=list)
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    erdf_requested: Decimal = Decimal("0")
    erdf_rate: Decimal = Decimal("0")
    research_infrastructure: bool = False
    budget_lines: list[Decimal] = field(default_factory=list)
    co_financing: list[Decimal] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    justifications: dict[str, str] = field(default_factory=dict)
    policy_references: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.budget_lines, Decimal("0"))


@dataclass(frozen=True)
class Violation:
    rule: str
    field: str
    message: str

    def __str__(self):
        return f"{self.field}: {self.message}"


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.01')).normalize():f}"


def check(d: Draft, ctx: Context, stage: Stage) -> list[Violation]:
    """Every rule that applies at `stage`; an empty list means the proposal passes."""
    out: list[Violation] = []

    def fail(rule, fld, message):
        out.append(Violation(rule, fld, str(message)))

    # --- amounts -------------------------------------------------------------------------------
    if d.erdf_requested < 0:
        fail("negative_amount", "erdf_requested", _("must not be negative"))
    for i, amount in enumerate(d.budget_lines):
        if amount < 0:
            fail("negative_amount", f"budget_lines[{i}].amount", _("must not be negative"))
    for i, amount in enumerate(d.co_financing):
        if amount < 0:
            fail("negative_amount", f"co_financing[{i}].amount", _("must not be negative"))
    if d.erdf_rate < 0:
        fail("negative_amount", "erdf_rate", _("must not be negative"))
    elif d.erdf_rate > ctx.max_rate:
        # CPR art. 112(3): at most 40% EU co-financing in a more developed region.
        fail(
            "rate_above_maximum",
            "erdf_rate",
            _("%(rate)s%% is above the programme maximum of %(max)s%%")
            % {"rate": _pct(d.erdf_rate), "max": _pct(ctx.max_rate)},
        )
    if d.budget_lines and d.erdf_rate >= 0:
        expected = (d.total * d.erdf_rate).quantize(CENT)
        if abs(expected - d.erdf_requested) > CENT:
            fail(
                "erdf_not_matching_rate",
                "erdf_requested",
                _(
                    "%(erdf)s does not match the rate: %(rate)s%% of the total cost %(total)s "
                    "is %(expected)s"
                )
                % {
                    "erdf": d.erdf_requested,
                    "rate": _pct(d.erdf_rate),
                    "total": d.total,
                    "expected": expected,
                },
            )
    if d.co_financing or stage >= Stage.SUBMIT:
        funded = d.erdf_requested + sum(d.co_financing, Decimal("0"))
        if funded != d.total:
            fail(
                "co_financing_mismatch",
                "co_financing",
                _(
                    "ERDF %(erdf)s plus co-financing %(co)s makes %(funded)s, "
                    "not the total cost %(total)s"
                )
                % {
                    "erdf": d.erdf_requested,
                    "co": sum(d.co_financing, Decimal("0")),
                    "funded": funded,
                    "total": d.total,
                },
            )

    # --- strategy links --------------------------------------------------------------------------
    if d.theme is not None:
        if d.theme not in ctx.theme_objectives:
            fail("unknown_theme", "theme", _("unknown theme %(code)s") % {"code": d.theme})
        elif d.theme not in ctx.admitted_themes:
            fail("theme_not_admitted", "theme", _("this call does not admit the theme"))
    if d.specific_objective is not None:
        if d.specific_objective not in ctx.objective_indicators:
            fail(
                "unknown_objective",
                "specific_objective",
                _("unknown specific objective %(code)s") % {"code": d.specific_objective},
            )
        elif d.theme in ctx.theme_objectives and (
            d.specific_objective not in ctx.theme_objectives[d.theme]
        ):
            fail(
                "objective_outside_theme",
                "specific_objective",
                _("%(code)s is not a specific objective of the chosen theme (these are: %(list)s)")
                % {
                    "code": d.specific_objective,
                    "list": ", ".join(sorted(ctx.theme_objectives[d.theme])),
                },
            )
    for i, area in enumerate(d.areas):
        if area not in ctx.areas:
            fail(
                "area_outside_city",
                f"areas[{i}]",
                _("%(code)s is not an area of this city's GTI territory") % {"code": area},
            )
    allowed_indicators = ctx.objective_indicators.get(d.specific_objective or "", frozenset())
    for i, code in enumerate(d.indicators):
        if d.specific_objective and code not in allowed_indicators:
            fail(
                "indicator_of_other_objective",
                f"indicator_targets[{i}].indicator",
                _("%(code)s is not an indicator of %(objective)s")
                % {"code": code, "objective": d.specific_objective},
            )
    if len(set(d.indicators)) != len(d.indicators):
        fail("duplicate_indicator", "indicator_targets", _("an indicator is listed twice"))
    for code in d.justifications:
        if code not in ctx.principles:
            fail(
                "unknown_principle",
                f"justifications.{code}",
                _("%(code)s is not a principle of this city's strategy") % {"code": code},
            )
    for i, code in enumerate(d.policy_references):
        if code not in ctx.policy_references:
            fail(
                "unknown_policy_reference",
                f"policy_references[{i}]",
                _("%(code)s is not a policy reference of this city's strategy") % {"code": code},
            )

    # --- dates ---------------------------------------------------------------------------------
    if d.start_date and d.end_date and d.end_date < d.start_date:
        fail("end_before_start", "end_date", _("the end comes before the start"))
    for name, value in (("start_date", d.start_date), ("end_date", d.end_date)):
        if value and not ctx.eligible_from <= value <= ctx.eligible_until:
            # CPR art. 63(2): expenditure is eligible from 1 January 2021 to 31 December 2029.
            fail(
                "outside_eligibility_period",
                name,
                _("%(date)s is outside the eligibility period %(start)s – %(end)s")
                % {"date": value, "start": ctx.eligible_from, "end": ctx.eligible_until},
            )

    if stage < Stage.SUBMIT:
        return out

    # --- completeness, from submission on -------------------------------------------------------
    required = {
        "promoter": d.promoter,
        "city_role": d.city_role,
        "title": d.title,
        "theme": d.theme,
        "specific_objective": d.specific_objective,
        "areas": d.areas,
        "start_date": d.start_date,
        "end_date": d.end_date,
        "budget_lines": d.budget_lines,
        "indicator_targets": d.indicators,
    }
    for name, value in required.items():
        if not value:
            fail("missing", name, _("required before submission"))
    if d.budget_lines and d.total <= 0:
        fail("missing", "budget_lines", _("the total cost must be above zero"))
    for code, mandatory in ctx.principles.items():
        if mandatory and not d.justifications.get(code, "").strip():
            fail(
                "missing_justification",
                f"justifications.{code}",
                _("principle %(code)s is mandatory: say how the project meets it") % {"code": code},
            )

    if stage < Stage.SCREEN:
        return out

    if d.research_infrastructure:
        fail(
            "research_infrastructure",
            "research_infrastructure",
            _("pure research infrastructure is outside the GTI (strategy, section 4.1)"),
        )
    return out
