"""Expenditure claims through the services: declared by the beneficiary, checked against the
grant in force, verified line by line by the managing authority, paid once by a second person,
grouped into payment applications. Every refused case shows that nothing changed.

The worked example (the grant of tests/monitoring/test_grants.py): Ghent's Wijkpark, eligible
works 100,000.00 and staff 50,000.00, ERDF 60,000.00 at 40%: the grant holds 40,000.00 for works
and 20,000.00 for staff, eligible 2026-01-01 – 2027-12-31.

Claim 1:
  1 works  Stad Gent   F-2026-001  real        30,000.00  accepted           30,000.00
  2 works  Buurtwerk   B-17        real        12,000.00  reduced to          9,000.00
  3 staff  Stad Gent   TS-1        200 h × 50  10,000.00  accepted           10,000.00
  4 works  Stad Gent   LS-1        lump sum     5,000.00  accepted            5,000.00
  accepted: works 44,000.00 → ERDF 17,600.00; staff 10,000.00 → 4,000.00; payable 21,600.00.
Claim 2:
  1 works  Stad Gent   F-2026-002  real        70,000.00  accepted → 28,000.00 at 40%, but works
  has 40,000.00 − 17,600.00 = 22,400.00 left: payable 22,400.00, the works cap bit.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.monitoring import claims, money, services
from gti.monitoring.models import Claim, ClaimLine, Grant, Payment, PaymentApplication
from gti.proposals.models import Proposal
from gti.strategy.models import City
from tests.factories import person
from tests.monitoring.test_grants import LINES, approved, call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate()
DAY = "2026-06-15"
GENT, BUURTWERK = "Stad Gent, Groendienst", "Buurtwerk Ledeberg vzw"
CLAIM_1 = [
    {"category": "works", "partner": GENT, "invoice": "F-2026-001", "date": DAY,
     "amount": "30000.00", "description": "Ontharding fase 1"},
    {"category": "works", "partner": BUURTWERK, "invoice": "B-17", "date": DAY,
     "amount": "12000.00"},
    {"category": "staff", "partner": GENT, "invoice": "TS-1", "date": DAY,
     "cost_option": "unit_cost", "units": "200", "unit_rate": "50.00"},
    {"category": "works", "partner": GENT, "invoice": "LS-1", "date": DAY,
     "cost_option": "lump_sum", "amount": "5000.00", "delivered": True},
]  # fmt: skip
VERDICTS_1 = [
    {"line": 1, "outcome": "accept"},
    {"line": 2, "outcome": "reduce", "amount": "9000.00", "reason": "Meerwerk zonder offerte"},
    {"line": 3, "outcome": "accept"},
    {"line": 4, "outcome": "accept"},
]


@pytest.fixture
def grant(call):  # noqa: F811
    """The Wijkpark grant, version 1 in force since today."""
    proposal = approved(call, total=160_000, erdf=60_000, budget_lines=LINES)
    grant = services.open_grant(proposal, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=TODAY)  # fmt: skip
    return grant


def submitted(grant, lines=CLAIM_1):
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=lines)
    return claims.submit_claim(claim, by=beneficiary)


def verified(grant, lines=CLAIM_1, verdicts=VERDICTS_1):
    return claims.verify_claim(submitted(grant, lines), by=person("managing_authority"),
                               verdicts=verdicts)  # fmt: skip


def snapshot():
    events = AuditEvent.objects.filter(action__startswith="monitoring.").count()
    return (
        list(Claim.objects.order_by("pk").values()),
        list(ClaimLine.objects.order_by("pk").values()),
        Payment.objects.count(), PaymentApplication.objects.count(), events,
    )  # fmt: skip


def test_the_worked_example_from_declaration_to_payment(grant):
    claim = submitted(grant)
    assert claim.state == Claim.State.SUBMITTED and claim.submitted_on == TODAY
    assert claim.version.number == 1
    assert claim.declared == Decimal("57000.00")  # 30,000 + 12,000 + 200 × 50 + 5,000
    assert [line.declared for line in claim.lines.all()] == [
        Decimal("30000.00"),
        Decimal("12000.00"),
        Decimal("10000.00"),
        Decimal("5000.00"),
    ]

    claim = claims.verify_claim(claim, by=person("managing_authority"), verdicts=VERDICTS_1)
    assert claim.state == Claim.State.VERIFIED
    assert claim.accepted == Decimal("54000.00")
    assert claim.erdf_payable == Decimal("21600.00") and claim.capped == []
    assert claim.payable_per_category == {"staff": "4000.00", "works": "17600.00"}
    reduced = claim.lines.get(position=2)
    assert (reduced.outcome, reduced.kept, reduced.reason) == (
        "reduce",
        Decimal("9000.00"),
        "Meerwerk zonder offerte",
    )

    payment = claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    assert payment.amount == Decimal("21600.00")
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.PAID
    actions = list(AuditEvent.objects.filter(action__startswith="monitoring.claim")
                   .values_list("action", "actor__username"))  # fmt: skip
    assert actions == [
        ("monitoring.claim.started", "applicant_gent"),
        ("monitoring.claim.lines_saved", "applicant_gent"),
        ("monitoring.claim.submitted", "applicant_gent"),
        ("monitoring.claim.verified", "managing_authority"),
        ("monitoring.claim.paid", "managing_authority_2"),
    ]


def test_a_later_claim_is_capped_by_what_the_category_has_left(grant):
    claims.pay_claim(verified(grant), by=person("managing_authority_2"), paid_on=TODAY)
    line = {"category": "works", "partner": GENT, "invoice": "F-2026-002", "date": DAY,
            "amount": "70000.00"}  # fmt: skip
    second = verified(grant, [line], [{"line": 1, "outcome": "accept"}])
    assert second.erdf_payable == Decimal("22400.00") and second.capped == ["works"]
    claims.pay_claim(second, by=person("managing_authority_2"), paid_on=TODAY)
    # The works category is used up: a third works claim is verified at 0.00.
    third = verified(grant, [{**line, "invoice": "F-2026-003", "amount": "100.00"}],
                     [{"line": 1, "outcome": "accept"}])  # fmt: skip
    assert third.erdf_payable == Decimal("0.00")
    paid = sum(p.amount for p in Payment.objects.filter(grant=grant))
    assert paid == Decimal("44000.00") <= grant.versions.get().erdf


def test_an_invoice_is_claimed_once_per_grant(grant):
    submitted(grant)
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=[CLAIM_1[1], {**CLAIM_1[0], "invoice": "N-1"}])
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        claims.submit_claim(claim, by=beneficiary)
    assert refused.value.errors == {"lines[0].invoice": ["already paid"]}
    assert snapshot() == before
    # The same invoice number of another partner is another invoice.
    claims.save_lines(claim, by=beneficiary, lines=[{**CLAIM_1[1], "partner": GENT}])
    assert claims.submit_claim(claim, by=beneficiary).state == Claim.State.SUBMITTED


def test_twice_in_one_claim_and_outside_the_period_are_named(grant):
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=[
        CLAIM_1[0], {**CLAIM_1[0], "amount": "1.00"}, {**CLAIM_1[1], "date": "2025-12-31"},
        {**CLAIM_1[3], "delivered": False}, {**CLAIM_1[1], "invoice": "X", "category": "food"},
    ])  # fmt: skip
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        claims.submit_claim(claim, by=beneficiary)
    assert refused.value.errors == {
        "lines[1].invoice": ["claimed twice in this claim"],
        "lines[2].date": ["outside the eligible period 2026-01-01 – 2027-12-31"],
        "lines[3].delivered": ["a lump sum is claimed once its deliverable is delivered"],
        "lines[4].category": ["not a category of the grant"],
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    "line, place",
    [
        ({"amount": "-1.00"}, "lines[0].amount"),
        ({"amount": "1.001"}, "lines[0].amount"),
        ({"date": "15/06/2026"}, "lines[0].date"),
        ({"invoice": ""}, "lines[0]"),  # real cost needs its invoice
        ({"cost_option": "unit_cost"}, "lines[0]"),  # needs units and rate
        ({"colour": "red"}, "lines[0].colour"),
        ({"partner": ""}, "lines[0].partner"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_saved(grant, line, place):
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        claims.save_lines(claim, by=beneficiary, lines=[{**CLAIM_1[0], **line}])
    assert list(refused.value.errors) == [place]
    assert snapshot() == before


def test_verification_needs_a_verdict_with_its_reason_on_every_line(grant):
    claim = submitted(grant)
    before = snapshot()
    authority = person("managing_authority")
    with pytest.raises(Invalid) as refused:
        claims.verify_claim(claim, by=authority, verdicts=[
            {"line": 1, "outcome": "accept"}, {"line": 2, "outcome": "reject"},
            {"line": 3, "outcome": "reduce", "amount": "10000.00", "reason": "Uren"},
        ])  # fmt: skip
    assert refused.value.errors == {
        "lines[1].reason": ["a reduction or rejection needs a reason"],
        "lines[2].amount": ["a reduction keeps from 0.00 to less than the 10000.00 declared"],
        "lines[3]": ["no verdict"],
    }
    with pytest.raises(Invalid) as refused:
        claims.verify_claim(claim, by=authority, verdicts=[{"line": 9, "outcome": "accept"}])
    assert refused.value.errors == {"verdicts": ["no line 9 in this claim"]}
    with pytest.raises(Invalid) as refused:
        claims.verify_claim(claim, by=authority, verdicts=[{"line": 1, "outcome": "maybe"}])
    assert list(refused.value.errors) == ["verdicts[0].outcome"]
    assert snapshot() == before


def test_a_rejected_line_pays_nothing(grant):
    verdicts = [*VERDICTS_1[:3], {"line": 4, "outcome": "reject", "reason": "Geen infobord"}]
    claim = verified(grant, verdicts=verdicts)
    assert claim.erdf_payable == Decimal("19600.00")  # works 39,000 × 40% + staff 4,000


def test_four_eyes_on_verification_payment_and_payment_application(grant):
    claim = submitted(grant)
    authority, second = person("managing_authority"), person("managing_authority_2")
    claim = claims.verify_claim(claim, by=authority, verdicts=VERDICTS_1)
    before = snapshot()
    with pytest.raises(Refused, match="a second person records its payment"):
        claims.pay_claim(claim, by=authority, paid_on=TODAY)
    assert snapshot() == before
    claims.pay_claim(claim, by=second, paid_on=TODAY)
    before = snapshot()
    with pytest.raises(Refused, match="is paid"):
        claims.pay_claim(claim, by=second, paid_on=TODAY)
    assert snapshot() == before
    gent = City.objects.get(code="gent")
    priority = grant.proposal.specific_objective.priority
    application = claims.prepare_payment_application(
        by=authority, city=gent, priority=priority, accounting_year=money.accounting_year(TODAY)
    )
    with pytest.raises(Refused, match="a second person submits it"):
        claims.submit_payment_application(application, by=authority, submitted_on=TODAY)
    application = claims.submit_payment_application(application, by=second, submitted_on=TODAY)
    assert application.state == PaymentApplication.State.SUBMITTED


def test_who_may_do_what(grant):
    claim = submitted(grant)
    for name in ("applicant_gent_2", "secretariat_gent", "steering_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            claims.verify_claim(claim, by=person(name), verdicts=VERDICTS_1)
    for name in ("applicant_gent_2", "applicant_antwerpen", "managing_authority"):
        with pytest.raises(PermissionDenied):
            claims.start_claim(grant, by=person(name))
    assert set(Claim.objects.visible_to(person("applicant_gent"))) == {claim}
    assert not Claim.objects.visible_to(person("applicant_gent_2")).exists()
    assert not Claim.objects.visible_to(person("secretariat_antwerpen")).exists()
    assert set(Claim.objects.visible_to(person("secretariat_gent"))) == {claim}
    # The experts who assessed the proposal see it, not how the operation runs.
    assert grant.proposal in Proposal.objects.visible_to(person("expert"))
    assert not Grant.objects.visible_to(person("expert")).exists()
    assert not Claim.objects.visible_to(person("expert")).exists()
    draft = claims.start_claim(grant, by=person("applicant_gent"))
    assert draft not in Claim.objects.visible_to(person("managing_authority"))


def test_the_sample_is_drawn_again_from_its_method_and_seed(grant):
    claim = submitted(grant)
    drawn = claims.draw_sample(claim, by=person("managing_authority"), size=2, seed=20261126)
    claim.refresh_from_db()
    assert (claim.sample_method, claim.sample_seed) == ("monetary-unit", 20261126)
    assert sorted(claim.lines.filter(on_the_spot=True).values_list("position", flat=True)) == drawn
    amounts = {str(line.position): line.declared for line in claim.lines.all()}
    assert sorted(int(p) for p in money.sample(amounts, 2, 20261126)) == drawn
    event = AuditEvent.objects.get(action="monitoring.claim.sampled")
    assert event.after["seed"] == 20261126 and event.after["lines"] == drawn
    with pytest.raises(Invalid):
        claims.draw_sample(claim, by=person("managing_authority"), size=0)


def test_the_sample_favours_the_larger_amounts():
    """Monetary unit sampling: a line of 99% of the money is drawn first in nearly every
    seed; a line of 0.00 only when nothing else is left."""
    amounts = {"big": Decimal("9900.00"), "small": Decimal("100.00"), "none": Decimal("0.00")}
    firsts = [money.sample(amounts, 1, seed)[0] for seed in range(1000)]
    assert 970 <= firsts.count("big") <= 1000 and "none" not in firsts
    assert money.sample(amounts, 3, 7)[-1] == "none"
    assert money.sample(amounts, 5, 7) == money.sample(amounts, 5, 7)


@pytest.mark.parametrize(
    "day, year",
    [("2026-06-30", 2025), ("2026-07-01", 2026), ("2027-01-15", 2026), ("2021-01-01", 2020)],
)
def test_the_accounting_year_runs_from_july_to_june(day, year):
    assert money.accounting_year(datetime.date.fromisoformat(day)) == year


def test_a_payment_application_groups_the_verified_claims_of_its_year(grant):
    first = verified(grant)
    claims.pay_claim(first, by=person("managing_authority_2"), paid_on=TODAY)
    second = verified(grant, [{**CLAIM_1[0], "invoice": "F-9"}], [{"line": 1, "outcome": "accept"}])
    submitted(grant, [{**CLAIM_1[0], "invoice": "F-10"}])  # not verified: not in it
    gent, authority = City.objects.get(code="gent"), person("managing_authority")
    priority = grant.proposal.specific_objective.priority
    year = money.accounting_year(TODAY)
    application = claims.prepare_payment_application(
        by=authority, city=gent, priority=priority, accounting_year=year
    )
    assert set(application.claims.all()) == {first, second}
    assert application.eligible == Decimal("84000.00")  # 54,000 + 30,000
    assert application.erdf == Decimal("33600.00")  # 21,600 + 12,000
    before = snapshot()
    with pytest.raises(Refused, match="waits for a payment application"):
        claims.prepare_payment_application(by=authority, city=gent, priority=priority,
                                           accounting_year=year)  # fmt: skip
    with pytest.raises(Refused):  # another year holds nothing
        claims.prepare_payment_application(by=authority, city=gent, priority=priority,
                                           accounting_year=year - 1)  # fmt: skip
    assert snapshot() == before
