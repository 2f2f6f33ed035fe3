"""The programme's eligibility rules for a proposal, as pure functions on plain data.

One home for each rule: saving a draft, submitting, the automatic screening, the API and the Excel
import all run `check()`. Each rule has a name and its own message, naming the field it concerns.
`Stage.SAVE` rules hold for every saved draft (bad input is refused); `Stage.SUBMIT` rules add
completeness; `Stage.SCREEN` adds what only the secretariat's screening decides on.
"""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
# CPR art. 53(2): an operation of at most this total cost uses simplified cost options.
SIMPLIFIED_COSTS_CEILING = Decimal("200000")
REAL, FLAT_RATE, UNIT_COST, LUMP_SUM = "real", "flat_rate", "unit_cost", "lump_sum"


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
    whole_city_allowed: bool = False
    admitted_city_roles: frozenset[str] = frozenset()  # empty: the strategy restricts none
    strategy_level_indicators: frozenset[str] = frozenset()  # filled once per strategy


@dataclass
class Line:
    """A budget line; a unit-cost or flat-rate line's amount may be None (then computed)."""

    amount: Decimal | None = None
    eligible: bool = True
    cost_option: str = REAL
    category: str = "other"
    units: Decimal | None = None
    unit_rate: Decimal | None = None
    flat_rate: Decimal | None = None
    flat_rate_base: str | None = None


@dataclass
class PartnerLine:
    name: str = ""
    country: str = "BE"
    enterprise_number: str = ""
    legal_personality: bool = True
    share: Decimal = Decimal("0")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def computed_amounts(lines: list[Line]) -> list[Decimal | None]:
    """Each line's amount: units × rate for a unit cost, rate × base for a flat rate (CPR art.
    54: a percentage of the eligible direct costs, or of the eligible direct staff costs), else
    the amount given. None where a line lacks what its amount is made of."""
    out: list[Decimal | None] = []
    for line in lines:
        if line.cost_option == UNIT_COST:
            ok = line.units is not None and line.unit_rate is not None
            out.append(money(line.units * line.unit_rate) if ok else None)
        else:
            out.append(line.amount)
    for i, line in enumerate(lines):
        if line.cost_option == FLAT_RATE:
            if line.flat_rate is None or not line.flat_rate_base:
                out[i] = None
                continue
            base = sum(
                (
                    out[j] or Decimal("0")
                    for j, other in enumerate(lines)
                    if other.cost_option != FLAT_RATE
                    and other.eligible
                    and (line.flat_rate_base == "direct" or other.category == line.flat_rate_base)
                ),
                Decimal("0"),
            )
            out[i] = money(base * line.flat_rate)
    return out


def enterprise_number(text: str) -> str | None:
    """A Belgian enterprise (KBO/BCE) number as 0123.456.789, or None if it is not one: ten
    digits starting with 0 or 1, the last two being 97 minus the first eight modulo 97."""
    digits = re.sub(r"[\s.\-]", "", text.upper().removeprefix("BE"))
    if not re.fullmatch(r"[01]\d{9}", digits):
        return None
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return None
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


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
    state_aid: bool = False
    whole_city: bool = False
    urban_angle: str = ""
    additionality: str = ""
    partners: list[PartnerLine] = field(default_factory=list)
    budget_lines: list[Line] = field(default_factory=list)
    co_financing: list[Decimal] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    justifications: dict[str, str] = field(default_factory=dict)
    policy_references: list[str] = field(default_factory=list)

    @property
    def amounts(self) -> list[Decimal]:
        return [a or Decimal("0") for a in computed_amounts(self.budget_lines)]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal("0"))

    @property
    def eligible_total(self) -> Decimal:
        """The eligible cost: what the ERDF rate applies to."""
        pairs = zip(self.budget_lines, self.amounts, strict=True)
        return sum((a for line, a in pairs if line.eligible), Decimal("0"))

    @property
    def all_partners_have_legal_personality(self) -> bool:
        """For the admissibility step: every partner is a legal person."""
        return all(p.legal_personality for p in self.partners)


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
    computed = computed_amounts(d.budget_lines)
    for i, (line, amount) in enumerate(zip(d.budget_lines, computed, strict=True)):
        where = f"budget_lines[{i}]"
        for name in ("units", "unit_rate", "flat_rate"):
            if (getattr(line, name) or 0) < 0:
                fail("negative_amount", f"{where}.{name}", _("must not be negative"))
        if line.cost_option == UNIT_COST:
            for name in ("units", "unit_rate"):
                if getattr(line, name) is None:
                    fail(
                        "cost_option_incomplete",
                        f"{where}.{name}",
                        _("a unit cost needs the number of units and the rate per unit"),
                    )
        elif line.cost_option == FLAT_RATE:
            if line.flat_rate is None:
                fail(
                    "cost_option_incomplete",
                    f"{where}.flat_rate",
                    _("a flat rate needs its percentage"),
                )
            elif line.flat_rate > 1:
                fail("flat_rate_above_100", f"{where}.flat_rate", _("must be at most 100%"))
            if not line.flat_rate_base:
                fail(
                    "cost_option_incomplete",
                    f"{where}.flat_rate_base",
                    _("a flat rate needs the costs it is a percentage of"),
                )
        elif line.amount is None:
            fail("cost_option_incomplete", f"{where}.amount", _("give the amount"))
        if amount is not None and amount < 0:
            fail("negative_amount", f"{where}.amount", _("must not be negative"))
        if (
            line.cost_option in (UNIT_COST, FLAT_RATE)
            and amount is not None
            and line.amount is not None
            and line.amount != amount
        ):
            fail(
                "line_amount_not_computed",
                f"{where}.amount",
                _("%(given)s is not the computed amount %(computed)s")
                % {"given": line.amount, "computed": amount},
            )
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
        # The rate applies to the eligible cost only; ineligible costs are co-financed.
        expected = money(d.eligible_total * d.erdf_rate)
        if expected != d.erdf_requested:
            fail(
                "erdf_not_matching_rate",
                "erdf_requested",
                _(
                    "%(erdf)s does not match the rate: %(rate)s%% of the eligible cost "
                    "%(eligible)s is %(expected)s"
                )
                % {
                    "erdf": d.erdf_requested,
                    "rate": _pct(d.erdf_rate),
                    "eligible": d.eligible_total,
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
    known_indicators = frozenset().union(
        *ctx.objective_indicators.values(), ctx.strategy_level_indicators
    )
    for i, code in enumerate(d.indicators):
        if code not in known_indicators:
            fail(
                "unknown_indicator",
                f"indicator_targets[{i}].indicator",
                _("%(code)s is not an indicator of the programme") % {"code": code},
            )
        elif d.specific_objective and code not in allowed_indicators:
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

    for i, code in enumerate(d.indicators):
        if code in ctx.strategy_level_indicators:
            fail(
                "strategy_level_indicator",
                f"indicator_targets[{i}].indicator",
                _("%(code)s is filled once for the whole strategy, not per project")
                % {"code": code},
            )
    if d.whole_city and not ctx.whole_city_allowed:
        fail(
            "whole_city_not_allowed",
            "whole_city",
            _("this city's strategy does not admit projects on the whole city: choose areas"),
        )
    elif d.whole_city and d.areas:
        fail(
            "whole_city_with_areas", "areas", _("a project on the whole city does not choose areas")
        )
    if d.city_role and ctx.admitted_city_roles and d.city_role not in ctx.admitted_city_roles:
        fail(
            "city_role_not_admitted",
            "city_role",
            _("this city's strategy admits only these roles of the city: %(list)s")
            % {"list": ", ".join(sorted(ctx.admitted_city_roles))},
        )

    # --- partners --------------------------------------------------------------------------------
    for i, p in enumerate(d.partners):
        if p.share < 0 or p.share > 1:
            fail(
                "partner_share_out_of_range",
                f"partners[{i}].share",
                _("a share lies between 0% and 100%"),
            )
        if p.enterprise_number and p.country == "BE" and not enterprise_number(p.enterprise_number):
            fail(
                "enterprise_number_invalid",
                f"partners[{i}].enterprise_number",
                _("%(number)s is not a valid enterprise number (0123.456.789, mod-97 check)")
                % {"number": p.enterprise_number},
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
        "areas": d.areas or d.whole_city,
        "urban_angle": d.urban_angle.strip(),
        "additionality": d.additionality.strip(),
        "partners": d.partners,
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
    if d.partners:
        shares = sum((p.share for p in d.partners), Decimal("0"))
        if shares != 1:
            fail(
                "partner_shares_not_100",
                "partners",
                _("the partners' shares add up to %(pct)s%%, not 100%%") % {"pct": _pct(shares)},
            )
        if d.partners[0].name.strip().casefold() != d.promoter.strip().casefold():
            fail(
                "lead_partner_not_promoter",
                "partners[0].name",
                _("the first partner is the lead partner: the promoter %(promoter)s")
                % {"promoter": d.promoter},
            )
    for i, p in enumerate(d.partners):
        if p.country == "BE" and not p.enterprise_number:
            fail("missing", f"partners[{i}].enterprise_number", _("required for a Belgian partner"))
    if (
        d.budget_lines
        and 0 < d.total <= SIMPLIFIED_COSTS_CEILING
        and not d.state_aid
        and all(line.cost_option == REAL for line in d.budget_lines)
    ):
        # CPR art. 53(2): up to EUR 200,000 the support takes the form of unit costs, lump sums
        # or flat rates, unless it is state aid.
        fail(
            "simplified_costs_required",
            "budget_lines",
            _(
                "a project of at most EUR 200,000 (this one: %(total)s) uses simplified cost "
                "options (flat rate, unit cost or lump sum), unless it is state aid"
            )
            % {"total": d.total},
        )
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
