"""The money rules of implementation: what a claim may declare, what verification accepts, and
what ERDF is payable. Pure Python on exact decimals (never float); no Django.

- A claim line declares real cost (the invoice amount), a unit cost (units × the rate per unit),
  a lump sum (its amount, only once its deliverable is delivered) or a flat rate (its percentage
  of the accepted lines it is based on, CPR art. 54).
- A line's date lies inside the grant's eligible period; an invoice is paid once: a line whose
  (partner, invoice) was paid before, or appears twice in one claim, is refused.
- Verification (CPR art. 74) accepts a line whole, reduces it with a reason, or rejects it with a
  reason; a flat-rate line follows what was accepted of its base.
- ERDF payable = accepted eligible cost × the grant's rate per cost category, rounded to the cent
  (half up), capped by what is left of the grant in that category (its budget × rate, less what
  was paid) and then by what is left of the grant in total. Nothing is ever paid above the grant.
- The N+3 forecast (CPR art. 105), below.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REAL, FLAT_RATE, UNIT_COST, LUMP_SUM = "real", "flat_rate", "unit_cost", "lump_sum"
ACCEPT, REDUCE, REJECT = "accept", "reduce", "reject"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Refused(ValueError):
    """A rule broken; `errors` maps each place (e.g. `lines[2].date`) to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Grant:
    """The grant conditions in force on the claim's date."""

    rate: Decimal  # ERDF share of the eligible cost, e.g. Decimal("0.40")
    erdf: Decimal  # the ERDF granted in total
    budget: dict[str, Decimal]  # eligible cost per cost category
    eligible_from: datetime.date
    eligible_until: datetime.date

    def cap(self, category: str) -> Decimal:
        """The ERDF the grant holds for a category: its budget × rate, never above the total."""
        return min(money(self.budget.get(category, ZERO) * self.rate), self.erdf)


@dataclass(frozen=True)
class Line:
    id: str
    category: str
    partner: str
    invoice: str
    date: datetime.date
    amount: Decimal = ZERO  # real cost, or a lump sum's amount
    cost_option: str = REAL
    units: Decimal | None = None
    unit_rate: Decimal | None = None
    delivered: bool = False  # a lump sum's deliverable
    flat_rate: Decimal | None = None
    flat_rate_base: str | None = None  # "direct" (all other lines) or a category, e.g. "staff"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # accept | reduce | reject
    amount: Decimal | None = None  # what a reduction keeps
    reason: str = ""


@dataclass
class Payable:
    per_category: dict[str, Decimal]  # ERDF per category after the category caps
    total: Decimal  # after the cap of the grant in total
    capped: list[str] = field(default_factory=list)  # the caps that bit: categories, "(total)"


def _base_of(line: Line, lines: list[Line], amounts: dict[str, Decimal]) -> Decimal:
    return sum(
        (amounts[o.id] for o in lines if o.cost_option != FLAT_RATE and o.id in amounts
         and (line.flat_rate_base == "direct" or o.category == line.flat_rate_base)),
        ZERO,
    )  # fmt: skip


def declared(lines: list[Line]) -> dict[str, Decimal]:
    """What each line declares: units × rate, a delivered lump sum, a flat rate of its base."""
    out: dict[str, Decimal] = {}
    for line in lines:
        if line.cost_option == UNIT_COST:
            out[line.id] = money((line.units or ZERO) * (line.unit_rate or ZERO))
        elif line.cost_option == LUMP_SUM:
            out[line.id] = line.amount if line.delivered else ZERO
        elif line.cost_option != FLAT_RATE:
            out[line.id] = line.amount
    for line in lines:
        if line.cost_option == FLAT_RATE:
            out[line.id] = money(_base_of(line, lines, out) * (line.flat_rate or ZERO))
    return out


def check_claim(grant: Grant, lines: list[Line], paid_invoices: set[tuple[str, str]]) -> None:
    """Refuse a claim with a line outside the eligible period, an invoice paid before or
    claimed twice, a negative amount, or a lump sum whose deliverable is not delivered."""
    errors: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for n, line in enumerate(lines):
        where = f"lines[{n}]"
        if not grant.eligible_from <= line.date <= grant.eligible_until:
            errors.setdefault(f"{where}.date", []).append(
                f"outside the eligible period {grant.eligible_from} – {grant.eligible_until}"
            )
        if line.category not in grant.budget:
            errors.setdefault(f"{where}.category", []).append("not a category of the grant")
        if line.amount < 0 or (line.units or ZERO) < 0 or (line.unit_rate or ZERO) < 0:
            errors.setdefault(f"{where}.amount", []).append("must not be negative")
        if line.cost_option == LUMP_SUM and not line.delivered:
            errors.setdefault(f"{where}.delivered", []).append(
                "a lump sum is claimed once its deliverable is delivered"
            )
        if line.cost_option != FLAT_RATE:  # a flat rate has no invoice of its own
            key = (line.partner, line.invoice.strip())
            if key in paid_invoices:
                errors.setdefault(f"{where}.invoice", []).append("already paid")
            elif key in seen:
                errors.setdefault(f"{where}.invoice", []).append("claimed twice in this claim")
            seen.add(key)
    if errors:
        raise Refused(errors)


def accepted(lines: list[Line], verdicts: dict[str, Verdict]) -> dict[str, Decimal]:
    """What verification keeps of each line. A reduction or rejection needs its reason and a
    reduction keeps between nothing and less than was declared; a flat-rate line follows what
    was accepted of its base (a verdict on it may only reject it)."""
    asked = declared(lines)
    errors: dict[str, list[str]] = {}
    out: dict[str, Decimal] = {}
    for n, line in enumerate(lines):
        where = f"lines[{n}]"
        verdict = verdicts.get(line.id)
        if verdict is None:
            errors.setdefault(where, []).append("no verdict")
            continue
        if verdict.outcome in {REDUCE, REJECT} and not verdict.reason.strip():
            errors.setdefault(f"{where}.reason", []).append(
                "a reduction or rejection needs a reason"
            )
        if verdict.outcome == REDUCE:
            if line.cost_option == FLAT_RATE:
                errors.setdefault(f"{where}.outcome", []).append(
                    "a flat rate follows its base: reduce the base lines"
                )
            elif verdict.amount is None or not ZERO <= verdict.amount < asked[line.id]:
                errors.setdefault(f"{where}.amount", []).append(
                    f"a reduction keeps from 0.00 to less than the {asked[line.id]} declared"
                )
            else:
                out[line.id] = money(verdict.amount)
        elif verdict.outcome == REJECT:
            out[line.id] = ZERO
        elif verdict.outcome == ACCEPT:
            out[line.id] = asked[line.id]
        else:
            errors.setdefault(f"{where}.outcome", []).append("accept, reduce or reject")
    if errors:
        raise Refused(errors)
    for line in lines:
        if line.cost_option == FLAT_RATE and verdicts[line.id].outcome != REJECT:
            out[line.id] = money(_base_of(line, lines, out) * (line.flat_rate or ZERO))
    return out


def payable(
    grant: Grant, lines: list[Line], kept: dict[str, Decimal], paid: dict[str, Decimal]
) -> Payable:
    """The ERDF payable for the accepted amounts `kept`, given the ERDF `paid` before per
    category: rate × accepted per category, rounded to the cent, capped per category, then in
    total."""
    per_category: dict[str, Decimal] = {}
    capped: list[str] = []
    for category in sorted({line.category for line in lines}):
        cost = sum((kept[ln.id] for ln in lines if ln.category == category), ZERO)
        erdf = money(cost * grant.rate)
        left = max(ZERO, grant.cap(category) - paid.get(category, ZERO))
        if erdf > left:
            erdf, capped = left, [*capped, category]
        per_category[category] = erdf
    total = sum(per_category.values(), ZERO)
    left = max(ZERO, grant.erdf - sum(paid.values(), ZERO))
    if total > left:
        total, capped = left, [*capped, "(total)"]
    return Payable(per_category, total, capped)


# --- the sample for on-the-spot checks -------------------------------------------------------

SAMPLING = "monetary-unit"


def sample(amounts: dict[str, Decimal], size: int, seed: int) -> list[str]:
    """Draw `size` lines for on-the-spot checks, each draw by chance in proportion to the line's
    declared amount (monetary unit sampling: the more money, the more risk), without drawing a
    line twice. The same amounts, size and seed always draw the same lines, so the draw can be
    repeated by anyone from what the claim records. Lines of 0.00 are drawn only when no other
    is left; ids are drawn in their order of `amounts`."""
    rng = random.Random(seed)
    left = list(amounts.items())
    drawn: list[str] = []
    while left and len(drawn) < size:
        cents = [int(a * 100) for _, a in left]
        total = sum(cents)
        if total == 0:
            drawn.append(left.pop(0)[0])
            continue
        point = rng.randrange(total)
        for n, weight in enumerate(cents):
            if point < weight:
                drawn.append(left.pop(n)[0])
                break
            point -= weight
    return drawn


def accounting_year(day: datetime.date) -> int:
    """The accounting year a day falls in, named by the year it starts (1 July – 30 June)."""
    return day.year if day.month >= 7 else day.year - 1


# --- the N+3 forecast --------------------------------------------------------------------------

# The N+3 rule (CPR art. 105): what must be covered by pre-financing and payment applications
# by each deadline, and what is decommitted or at risk when it is not.
#
# The instance (the schema `N3Instance` below reads it):
#
#     {"commitments": {"2021": amount, …, "2027": amount},
#      "prefinancing": [{"date": "YYYY-MM-DD", "amount": amount}, …],
#      "applications": [{"date": "YYYY-MM-DD", "amount": amount}, …],
#      "as_of": "YYYY-MM-DD"}
#
# - The 2021 commitment is spread over 2022-2027: one sixth, rounded down to the cent, is added to
#   each year, and what the rounding leaves goes to 2027.
# - The deadline of year y is 31 December of y+3 (2022-2026); for 2027 it is 31 December 2029.
# - target(y) = the adjusted commitments of 2022…y; covered(y) = pre-financing and payment
#   applications dated on or before the deadline of y.
# - shortfall(y) = max(0, target(y) − covered(y) − the shortfalls of the earlier years): money
#   lost once is not counted again.
# - status: "decommitted" once the deadline is before `as_of`, else "at_risk" (the state of the
#   year's shortfall, which may be 0.00).


YEARS = range(2021, 2028)
LIMIT = Decimal(10**12)  # what an amount column holds (14 digits, 2 of them decimals)


def _two_decimals(amount: Decimal) -> Decimal:
    if amount >= LIMIT:
        raise ValueError(f"must be less than {LIMIT:,}")
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


class N3Instance(BaseModel):
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


def forecast(instance: N3Instance) -> dict:
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


# --- planned claims and the N+3 forecast with them ---------------------------------------------

# A beneficiary plans its coming claims (expected date of submission, eligible amount). Each is
# expected to bring amount × the grant's rate in ERDF, rounded to the cent, never more than the
# grant has left after the claims before it (in date order). A payment application is assumed
# to follow a claim's submission within a fixed lag (the programme file's
# `n3.application_lag_days`), so a planned claim covers a year when its date + the lag falls on
# or before the year's deadline.


def expected_erdf(
    planned: list[tuple[datetime.date, Decimal]],
    rate: Decimal,
    left: Decimal,
    later: list[tuple[datetime.date, Decimal, Decimal]] = (),
) -> list[Decimal]:
    """The ERDF expected of each planned claim `(date, eligible amount)`, in the order given:
    amount × rate to the cent, capped by what the grant has `left` after the earlier ones.
    `later` are conditions `(in force from, rate, left)` approved to take force after today: a
    plan dated from then on expects under them."""
    terms = [(datetime.date.min, rate, left), *sorted(later)]
    out = [ZERO] * len(planned)
    used = ZERO
    for n in sorted(range(len(planned)), key=lambda n: planned[n][0]):
        day, amount = planned[n]
        _from, rate_then, left_then = [t for t in terms if t[0] <= day][-1]
        out[n] = max(ZERO, min(money(amount * rate_then), left_then - used))
        used += out[n]
    return out


def with_planned(
    years: list[dict], planned: list[tuple[datetime.date, Decimal]], lag_days: int
) -> list[dict]:
    """The years of `forecast` with what planned claims `(expected date, ERDF)` add: forecast =
    covered + the planned ERDF whose payment application (date + lag) comes by the deadline;
    the forecast shortfall counts, as the shortfall does, money lost once only once."""
    lag = datetime.timedelta(days=lag_days)
    lost = ZERO
    out = []
    for row in years:
        due = datetime.date.fromisoformat(row["deadline"])
        coming = sum((erdf for day, erdf in planned if day + lag <= due), ZERO)
        forecast = Decimal(row["covered"]) + coming
        shortfall = max(ZERO, Decimal(row["target"]) - forecast - lost)
        lost += shortfall
        out.append({**row, "planned": f"{coming:.2f}", "forecast": f"{forecast:.2f}",
                    "shortfall_forecast": f"{shortfall:.2f}"})  # fmt: skip
    return out
