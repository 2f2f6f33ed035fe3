"""The N+3 rule (CPR art. 105): what must be covered by pre-financing and payment applications
by each deadline, and what is decommitted or at risk when it is not.

Pure Python on exact decimals; no Django. The instance:

    {"commitments": {"2021": amount, …, "2027": amount},
     "prefinancing": [{"date": "YYYY-MM-DD", "amount": amount}, …],
     "applications": [{"date": "YYYY-MM-DD", "amount": amount}, …],
     "as_of": "YYYY-MM-DD"}

- The 2021 commitment is spread over 2022-2027: one sixth, rounded down to the cent, is added to
  each year, and what the rounding leaves goes to 2027.
- The deadline of year y is 31 December of y+3 (2022-2026); for 2027 it is 31 December 2029.
- target(y) = the adjusted commitments of 2022…y; covered(y) = pre-financing and payment
  applications dated on or before the deadline of y.
- shortfall(y) = max(0, target(y) − covered(y) − the shortfalls of the earlier years): money
  lost once is not counted again.
- status: "decommitted" once the deadline is before `as_of`, else "at_risk" (the state of the
  year's shortfall, which may be 0.00).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

YEARS = range(2021, 2028)
CENT = Decimal("0.01")


def _two_decimals(amount: Decimal) -> Decimal:
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise ValueError("more than two decimals")
    return amount.quantize(CENT)


def _iso_date(value):
    """A date written YYYY-MM-DD, nothing else (no time, no number of seconds)."""
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("not a date (YYYY-MM-DD)")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date (YYYY-MM-DD)") from None


def _year(value: int) -> int:
    if value not in YEARS:
        raise ValueError("year outside 2021-2027")
    return value


Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False), AfterValidator(_two_decimals)]
Day = Annotated[datetime.date, BeforeValidator(_iso_date)]
Year = Annotated[int, BeforeValidator(lambda v: int(v) if str(v).isdigit() else v),
                 AfterValidator(_year)]  # fmt: skip


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: Day
    amount: Amount


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commitments: dict[Year, Amount]
    prefinancing: list[Payment] = []
    applications: list[Payment] = []
    as_of: Day


def deadline(year: int) -> datetime.date:
    return datetime.date(2029 if year == 2027 else year + 3, 12, 31)


def spread(commitments: dict[int, Decimal]) -> dict[int, Decimal]:
    """2022-2027 with the 2021 commitment spread over them in sixths (rest to 2027)."""
    first = commitments.get(2021, Decimal("0.00"))
    sixth = (first / 6).quantize(CENT, rounding=ROUND_DOWN)
    adjusted = {y: commitments.get(y, Decimal("0.00")) + sixth for y in range(2022, 2028)}
    adjusted[2027] += first - 6 * sixth
    return adjusted


def forecast(instance: Instance) -> dict:
    """Per year 2022-2027: deadline, target, covered, shortfall and status (amounts as text)."""
    adjusted = spread(instance.commitments)
    paid = [*instance.prefinancing, *instance.applications]
    target = Decimal("0.00")
    lost = Decimal("0.00")  # the shortfalls of the earlier years
    years = []
    for year in range(2022, 2028):
        due = deadline(year)
        target += adjusted[year]
        covered = sum((p.amount for p in paid if p.date <= due), Decimal("0.00"))
        shortfall = max(Decimal("0.00"), target - covered - lost)
        lost += shortfall
        years.append({
            "year": year,
            "deadline": due.isoformat(),
            "target": f"{target:.2f}",
            "covered": f"{covered:.2f}",
            "shortfall": f"{shortfall:.2f}",
            "status": "decommitted" if due < instance.as_of else "at_risk",
        })  # fmt: skip
    return {"years": years}
