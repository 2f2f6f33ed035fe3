"""The shape of a proposal as a person, a file or the API gives it: codes, amounts, dates.

Parsing problems come back per field (`budget_lines[2].amount: not a number`); the rules that need
the strategy live in `rules.py`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
)

from gti.proposals.models import BudgetLine, CoFinancing, Proposal

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern="^[A-Za-z]{2}$")
]


def _distinct(numbers: list[int]) -> list[int]:
    if len(set(numbers)) != len(numbers):
        raise ValueError("a goal is named twice")
    return numbers


# The Sustainable Development Goals a project serves beyond its theme's (`strategy.sdgs`).
Goals = Annotated[list[Annotated[int, Field(ge=1, le=17)]], AfterValidator(_distinct)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BudgetLineInput(Model):
    """A cost line. A unit-cost or flat-rate line may leave `amount` out: it is computed."""

    category: BudgetLine.Category
    description: Short = ""
    amount: Money | None = None
    eligible: bool = True
    cost_option: BudgetLine.CostOption = BudgetLine.CostOption.REAL
    units: Annotated[Decimal, Field(max_digits=14, decimal_places=2)] | None = None
    unit_rate: Money | None = None
    flat_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=4)] | None = None
    flat_rate_base: BudgetLine.FlatRateBase | None = None


class PartnerInput(Model):
    name: Short
    legal_form: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    country: Country = "BE"
    enterprise_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    legal_personality: bool = True
    share: Annotated[Decimal, Field(max_digits=5, decimal_places=4)]


class CoFinancingInput(Model):
    source: CoFinancing.Source
    amount: Money


class IndicatorTargetInput(Model):
    indicator: Short
    baseline: Annotated[
        Decimal,
        Field(
            max_digits=16, decimal_places=2, description="The reference value (referentiewaarde)."
        ),
    ] = Decimal("0")
    target: Annotated[Decimal, Field(max_digits=16, decimal_places=2)]


class ProposalInput(Model):
    promoter: Short = ""
    contact_name: Short = ""
    contact_email: EmailStr | None = None
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    city_role: Proposal.CityRole | None = None
    title: Short = ""
    summary: Text = ""
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50000)] = ""
    theme: Short | None = None
    specific_objective: Short | None = None
    sdgs: Goals = []
    areas: list[Short] = []
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    erdf_requested: Money = Decimal("0")
    erdf_rate: Annotated[Decimal, Field(max_digits=6, decimal_places=4)] = Decimal("0")
    research_infrastructure: bool = False
    state_aid: bool = False
    whole_city: bool = False
    urban_angle: Text = ""
    additionality: Text = ""
    partners: list[PartnerInput] = []
    budget_lines: list[BudgetLineInput] = []
    co_financing: list[CoFinancingInput] = []
    indicator_targets: list[IndicatorTargetInput] = []
    justifications: dict[Short, Text] = {}
    policy_references: list[Short] = []


def field_path(loc) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # a refused key of a mapping: the key itself names the place
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def messages(exc: ValidationError) -> dict[str, list[str]]:
    """A pydantic error as {field path: [messages]}, the shape every edge reports."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        errors.setdefault(field_path(err["loc"]) or "(form)", []).append(message)
    return errors


def parse(data: dict) -> tuple[ProposalInput | None, dict[str, list[str]]]:
    """(input, {}) when the shape is right, else (None, {field: [messages]})."""
    try:
        return ProposalInput.model_validate(data), {}
    except ValidationError as exc:
        return None, messages(exc)
