"""The money rules of implementation, written out as worked examples (exact decimals)."""

import datetime
from decimal import Decimal as D

import pytest
from pydantic import TypeAdapter, ValidationError

from gti.monitoring import money as m

DAY = datetime.date(2025, 3, 1)
# ERDF 40% of the eligible cost; the budget per category gives the ERDF per category:
# staff 100,000 → 40,000; works 150,000 → 60,000; other 10,000 → 4,000; in total 100,000.
GRANT = m.Grant(
    rate=D("0.40"), erdf=D("100000.00"),
    budget={"staff": D("100000.00"), "works": D("150000.00"), "other": D("10000.00")},
    eligible_from=datetime.date(2024, 1, 1), eligible_until=datetime.date(2027, 12, 31),
)  # fmt: skip


def line(id, category="staff", amount="0", invoice=None, **kw):
    return m.Line(id=id, category=category, partner="Stad Gent", invoice=invoice or f"F-{id}",
                  date=kw.pop("date", DAY), amount=D(amount), **kw)  # fmt: skip


CLAIM = [
    line("1", "staff", "10000.00"),  # real cost
    line("2", "works", "20000.00"),  # real cost, reduced to 15,000 below
    line("3", "staff", cost_option=m.UNIT_COST, units=D("120"), unit_rate=D("45.50")),
    line("4", "other", cost_option=m.FLAT_RATE, flat_rate=D("0.15"), flat_rate_base="staff"),
    line("5", "works", "7500.00", cost_option=m.LUMP_SUM, delivered=True),
]
VERDICTS = {
    "1": m.Verdict(m.ACCEPT),
    "2": m.Verdict(m.REDUCE, D("15000.00"), "Meerwerk zonder offerte"),
    "3": m.Verdict(m.ACCEPT),
    "4": m.Verdict(m.ACCEPT),
    "5": m.Verdict(m.ACCEPT),
}


def test_worked_example():
    # Declared: 120 h × 45.50 = 5,460.00; the flat rate is 15% of the staff lines
    # (10,000 + 5,460 = 15,460) = 2,319.00; the lump sum is delivered.
    assert m.declared(CLAIM) == {"1": D("10000.00"), "2": D("20000.00"), "3": D("5460.00"),
                                 "4": D("2319.00"), "5": D("7500.00")}  # fmt: skip
    m.check_claim(GRANT, CLAIM, paid_invoices=set())
    kept = m.accepted(CLAIM, VERDICTS)
    assert kept["2"] == D("15000.00")
    # Accepted per category: staff 15,460; works 15,000 + 7,500 = 22,500; other 2,319.
    # ERDF at 40%: staff 6,184.00; works 9,000.00; other 927.60; in total 16,111.60.
    payable = m.payable(GRANT, CLAIM, kept, paid={})
    assert payable.per_category == {"other": D("927.60"), "staff": D("6184.00"),
                                    "works": D("9000.00")}  # fmt: skip
    assert payable.total == D("16111.60") and payable.capped == []


def test_a_flat_rate_follows_what_was_accepted_of_its_base():
    verdicts = {**VERDICTS, "1": m.Verdict(m.REDUCE, D("6000.00"), "Uren niet gestaafd")}
    kept = m.accepted(CLAIM, verdicts)
    # 15% of (6,000 + 5,460) = 1,719.00
    assert kept["4"] == D("1719.00")
    with pytest.raises(m.Refused) as refused:
        m.accepted(CLAIM, {**VERDICTS, "4": m.Verdict(m.REDUCE, D("100.00"), "te hoog")})
    assert "lines[3].outcome" in refused.value.errors


def test_the_rate_applies_to_the_eligible_cost_rounded_half_up_to_the_cent():
    claim = [line("1", "staff", "1234.57")]  # × 0.40 = 493.828
    payable = m.payable(GRANT, claim, m.accepted(claim, {"1": m.Verdict(m.ACCEPT)}), paid={})
    assert payable.total == D("493.83")
    claim = [line("1", "staff", "0.05"), line("2", "works", "1.26")]  # 0.02 and 0.504
    kept = m.accepted(claim, {"1": m.Verdict(m.ACCEPT), "2": m.Verdict(m.ACCEPT)})
    assert m.payable(GRANT, claim, kept, paid={}).per_category == {
        "staff": D("0.02"), "works": D("0.50"),
    }  # fmt: skip


def test_never_above_the_grant_per_category_or_in_total():
    kept = m.accepted(CLAIM, VERDICTS)
    # Staff had 38,000 of its 40,000 paid before: 2,000 is left of the 6,184.00.
    payable = m.payable(GRANT, CLAIM, kept, paid={"staff": D("38000.00")})
    assert payable.per_category["staff"] == D("2000.00")
    assert payable.total == D("11927.60") and payable.capped == ["staff"]
    # 95,000 paid in all: 5,000 is left of the grant, whatever the categories hold.
    paid = {"staff": D("30000.00"), "works": D("45000.00"), "other": D("20000.00")}
    payable = m.payable(GRANT, CLAIM, kept, paid=paid)
    assert payable.per_category["other"] == D("0.00")  # its 4,000 is spent (over, even)
    assert payable.total == D("5000.00") and payable.capped == ["other", "(total)"]
    # All paid: nothing more.
    assert m.payable(GRANT, CLAIM, kept, paid={"works": D("100000.00")}).total == D("0.00")


def test_no_invoice_is_paid_twice():
    with pytest.raises(m.Refused) as refused:
        m.check_claim(GRANT, CLAIM, paid_invoices={("Stad Gent", "F-1")})
    assert refused.value.errors == {"lines[0].invoice": ["already paid"]}
    twice = [line("1", "staff", "10.00", invoice="F-9"), line("2", "works", "5.00", invoice="F-9 ")]
    with pytest.raises(m.Refused) as refused:
        m.check_claim(GRANT, twice, paid_invoices=set())
    assert refused.value.errors == {"lines[1].invoice": ["claimed twice in this claim"]}
    # The same invoice number of another partner is another invoice.
    other = [twice[0], m.Line(**{**twice[1].__dict__, "partner": "Vzw Buurtwerk"})]
    m.check_claim(GRANT, other, paid_invoices=set())


@pytest.mark.parametrize(
    ("bad", "place", "message"),
    [
        (line("1", date=datetime.date(2023, 12, 31), amount="10"), "lines[0].date",
         "outside the eligible period 2024-01-01 – 2027-12-31"),
        (line("1", category="equipment", amount="10"), "lines[0].category",
         "not a category of the grant"),
        (line("1", amount="-10"), "lines[0].amount", "must not be negative"),
        (line("1", amount="10", cost_option=m.LUMP_SUM), "lines[0].delivered",
         "a lump sum is claimed once its deliverable is delivered"),
    ],
)  # fmt: skip
def test_a_claim_line_is_refused_naming_the_place(bad, place, message):
    with pytest.raises(m.Refused) as refused:
        m.check_claim(GRANT, [bad], paid_invoices=set())
    assert refused.value.errors == {place: [message]}


@pytest.mark.parametrize(
    ("verdict", "place"),
    [
        (m.Verdict(m.REDUCE, D("5.00"), ""), "lines[0].reason"),
        (m.Verdict(m.REJECT), "lines[0].reason"),
        (m.Verdict(m.REDUCE, D("10.00"), "niet minder"), "lines[0].amount"),
        (m.Verdict(m.REDUCE, D("-1.00"), "negatief"), "lines[0].amount"),
        (m.Verdict(m.REDUCE, None, "geen bedrag"), "lines[0].amount"),
        (m.Verdict("approve"), "lines[0].outcome"),
    ],
)
def test_a_reduction_or_rejection_is_reasoned_and_within_the_declared(verdict, place):
    claim = [line("1", amount="10.00")]
    with pytest.raises(m.Refused) as refused:
        m.accepted(claim, {"1": verdict})
    assert place in refused.value.errors
    assert m.accepted(claim, {"1": m.Verdict(m.REJECT, reason="Geen bewijs")}) == {"1": D("0.00")}


@pytest.mark.parametrize("amount", ["1E+30", "1000000000000", "999999999999.999"])
def test_an_amount_too_large_for_its_column_is_refused_by_name(amount):
    with pytest.raises(ValidationError, match="less than 1,000,000,000,000|more than two"):
        TypeAdapter(m.Amount).validate_python(amount)
    assert TypeAdapter(m.Amount).validate_python("999999999999.99") == D("999999999999.99")
