"""Planned claims: the rule of the ERDF each expects (pure), the forecast they add to the N+3
years (pure), the beneficiary's plan through the service and the claims page, and the dashboard's
forecast per city. Every refused case shows that nothing changed.

The worked example (the grant of tests/monitoring/test_claims.py): Ghent's Wijkpark, ERDF
60,000.00 at 40%, claim 1 paid 21,600.00, so 38,400.00 is left. The beneficiary plans

  expected     eligible   × 40%        capped by what is left
  in 200 days  30,000.00  12,000.00    12,000.00  (38,400.00 left)
  in 100 days  50,000.00  20,000.00    20,000.00  (the earlier one: taken first)
  in 300 days  40,000.00  16,000.00     6,400.00  (38,400.00 − 20,000.00 − 12,000.00)
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid
from gti.monitoring import claims, dashboard, money, services
from gti.monitoring.models import PlannedClaim
from gti.strategy.models import City, Programme
from tests.factories import person
from tests.monitoring.test_claims import (  # noqa: F401 (fixture)
    CLAIM_1,
    DAY,
    GENT,
    VERDICTS_1,
    grant,
    submitted,
)
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

TODAY = timezone.localdate()
D = datetime.date


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# --- the pure rules ----------------------------------------------------------------------------


def test_expected_erdf_is_amount_times_rate_capped_in_date_order():
    planned = [(D(2027, 9, 1), Decimal("30000.00")), (D(2027, 3, 1), Decimal("50000.00")),
               (D(2028, 3, 1), Decimal("40000.00"))]  # fmt: skip
    assert money.expected_erdf(planned, Decimal("0.40"), Decimal("38400.00")) == [
        Decimal("12000.00"), Decimal("20000.00"), Decimal("6400.00")]  # fmt: skip


def test_expected_erdf_rounds_to_the_cent_and_never_below_nothing():
    assert money.expected_erdf([(D(2027, 1, 1), Decimal("0.05"))], Decimal("0.35"),
                               Decimal("10.00")) == [Decimal("0.02")]  # 0.0175 half up  # fmt: skip
    assert money.expected_erdf([(D(2027, 1, 1), Decimal("100.00"))], Decimal("0.40"),
                               Decimal("-5.00")) == [Decimal("0.00")]  # fmt: skip


def test_the_forecast_adds_the_planned_claims_whose_application_comes_by_the_deadline():
    """Lag 90 days. A claim of 1 September 2026 reaches an application on 30 November 2026,
    before the 2026 deadline; one of 1 November 2026 on 30 January 2027, after it. The forecast
    shortfall of 2026 (40.00) is not counted again in 2027."""
    years = [
        {"year": 2023, "deadline": "2026-12-31", "target": "100.00", "covered": "40.00",
         "shortfall": "60.00", "status": "at_risk"},
        {"year": 2024, "deadline": "2027-12-31", "target": "200.00", "covered": "40.00",
         "shortfall": "100.00", "status": "at_risk"},
    ]  # fmt: skip
    planned = [(D(2026, 9, 1), Decimal("20.00")), (D(2026, 11, 1), Decimal("30.00"))]
    rows = money.with_planned(years, planned, 90)
    assert [(r["planned"], r["forecast"], r["shortfall_forecast"]) for r in rows] == [
        ("20.00", "60.00", "40.00"), ("50.00", "90.00", "70.00")]  # fmt: skip
    assert rows[0]["shortfall"] == "60.00"  # the years' own figures stay
    # Without a lag, both reach 2026.
    assert money.with_planned(years, planned, 0)[0]["forecast"] == "90.00"


# --- the beneficiary's plan --------------------------------------------------------------------


@pytest.fixture
def paid(grant):  # noqa: F811
    claim = claims.verify_claim(submitted(grant), by=person("managing_authority"),
                                verdicts=VERDICTS_1)  # fmt: skip
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    return grant


PLAN = [{"expected_on": days(200).isoformat(), "amount": "30000.00"},
        {"expected_on": days(100).isoformat(), "amount": "50000.00"},
        {"expected_on": days(300).isoformat(), "amount": "40000.00"}]  # fmt: skip


def state(of):
    return (
        list(PlannedClaim.objects.filter(grant=of).values_list("expected_on", "amount", "erdf")),
        AuditEvent.objects.filter(action="monitoring.claim.plan_saved").count(),
    )


@pytest.mark.usefixtures("loaded")
def test_the_worked_example_of_a_plan(paid):
    rows = claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    assert [(r.expected_on, r.erdf) for r in rows] == [
        (days(100), Decimal("20000.00")), (days(200), Decimal("12000.00")),
        (days(300), Decimal("6400.00"))]  # fmt: skip
    event = AuditEvent.objects.get(action="monitoring.claim.plan_saved")
    assert event.actor.username == "applicant_gent" and len(event.after["planned"]) == 3
    # The plan is replaced whole: removing one leaves the others.
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN[:1])
    assert state(paid)[0] == [(days(200), Decimal("30000.00"), Decimal("12000.00"))]


@pytest.mark.usefixtures("loaded")
def test_a_submitted_claim_counts_against_what_is_left(grant):  # noqa: F811
    submitted(grant)  # 57,000.00 declared × 40% = 22,800.00 asked, of 60,000.00
    rows = claims.save_plan(grant, by=person("applicant_gent"),
                            planned=[{"expected_on": days(30), "amount": "100000.00"}])  # fmt: skip
    assert rows[0].erdf == Decimal("37200.00")


def planned_erdf(of):
    return [(r.expected_on, r.erdf) for r in PlannedClaim.objects.filter(grant=of)]


@pytest.mark.usefixtures("loaded")
def test_a_declared_claim_leaves_the_plan_and_what_is_left_is_recomputed(paid):
    """Claim 2 declares 50,000.00 of works (20,000.00 asked): the plan's earliest claim (in 100
    days) leaves it, and the day-300 one stays capped at 6,400.00 (38,400.00 − 20,000.00 −
    12,000.00). Verified at 40,000.00 (16,000.00 given), 4,000.00 more is left: 10,400.00."""
    beneficiary = person("applicant_gent")
    claims.save_plan(paid, by=beneficiary, planned=PLAN)
    line = {"category": "works", "partner": GENT, "invoice": "F-2026-050", "date": DAY,
            "amount": "50000.00"}  # fmt: skip
    second = submitted(paid, lines=[line])
    assert planned_erdf(paid) == [(days(200), Decimal("12000.00")),
                                  (days(300), Decimal("6400.00"))]  # fmt: skip
    event = AuditEvent.objects.get(action="monitoring.claim.submitted", object_id=str(second.pk))
    assert event.after["plan_taken"] == days(100).isoformat()
    claims.verify_claim(second, by=person("managing_authority"), verdicts=[
        {"line": 1, "outcome": "reduce", "amount": "40000.00", "reason": "Meerwerk"}])  # fmt: skip
    assert planned_erdf(paid) == [(days(200), Decimal("12000.00")),
                                  (days(300), Decimal("10400.00"))]  # fmt: skip


@pytest.mark.usefixtures("loaded")
def test_an_approved_amendment_recomputes_the_plan(paid):
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN[:1])  # 30,000.00 × 40%
    version = services.amend(paid, by=person("managing_authority"), reason="Lager percentage",
                             rate="0.3500")  # fmt: skip
    assert planned_erdf(paid) == [(days(200), Decimal("12000.00"))]  # a draft changes nothing
    services.approve_version(version, by=person("managing_authority_2"), in_force_from=TODAY)
    assert planned_erdf(paid) == [(days(200), Decimal("10500.00"))]


def test_a_plan_from_later_conditions_on_expects_under_them():
    planned = [(D(2027, 3, 1), Decimal("50000.00")), (D(2027, 9, 1), Decimal("30000.00")),
               (D(2028, 3, 1), Decimal("40000.00"))]  # fmt: skip
    later = [(D(2027, 6, 1), Decimal("0.35"), Decimal("38400.00"))]
    assert money.expected_erdf(planned, Decimal("0.40"), Decimal("38400.00"), later) == [
        Decimal("20000.00"), Decimal("10500.00"), Decimal("7900.00")]  # fmt: skip


@pytest.mark.usefixtures("loaded")
def test_an_amendment_taking_force_later_counts_for_the_plans_from_that_day(paid):
    """Approved today to take force in 150 days at 35%: the day-100 claim still expects 40%,
    the later ones 35% of their amount, capped by what is left (38,400.00 − 20,000.00)."""
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    version = services.amend(paid, by=person("managing_authority"), reason="Lager percentage",
                             rate="0.3500")  # fmt: skip
    services.approve_version(version, by=person("managing_authority_2"), in_force_from=days(150))
    assert sorted(planned_erdf(paid)) == [
        (days(100), Decimal("20000.00")), (days(200), Decimal("10500.00")),
        (days(300), Decimal("7900.00"))]  # fmt: skip


@pytest.mark.usefixtures("loaded")
def test_a_plan_dated_before_the_forecast_day_counts_no_more(paid):
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    programme = Programme.objects.get(is_current=True)
    later = dashboard.n3_figures(programme, days(150))  # the day-100 claim is late or declared
    gent = [r for r in later["cities"] if r["city"] == "gent"]
    assert gent[-1]["planned"] == "18400.00"  # 12,000.00 + 6,400.00
    assert later["years"][-1]["planned"] == "18400.00"


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(("row", "place"), [
    ({"expected_on": days(10).isoformat(), "amount": "-1.00"}, "planned[0].amount"),
    ({"expected_on": days(10).isoformat(), "amount": "1.001"}, "planned[0].amount"),
    ({"expected_on": days(-1).isoformat(), "amount": "1.00"}, "planned[0].expected_on"),
    ({"expected_on": "2029-01-01", "amount": "1.00"}, "planned[0].expected_on"),
    ({"expected_on": "soon", "amount": "1.00"}, "planned[0].expected_on"),
    ({"expected_on": days(10).isoformat()}, "planned[0].amount"),
    ({"expected_on": days(10).isoformat(), "amount": "1.00", "note": "x"}, "planned[0].note"),
])  # fmt: skip
def test_refused_rows_are_named_and_change_nothing(paid, row, place):
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN[:1])
    before = state(paid)
    with pytest.raises(Invalid) as refused:
        claims.save_plan(paid, by=person("applicant_gent"), planned=[row])
    assert place in refused.value.errors
    assert state(paid) == before


@pytest.mark.usefixtures("loaded")
def test_the_last_day_is_a_year_after_the_eligible_period_and_a_passed_date_may_stay(paid):
    # The grant is eligible until 2027-12-31: a claim may come until 2028-12-31.
    claims.save_plan(paid, by=person("applicant_gent"),
                     planned=[{"expected_on": "2028-12-31", "amount": "1.00"}])  # fmt: skip
    PlannedClaim.objects.filter(grant=paid).update(expected_on=days(-5))  # time went by
    claims.save_plan(
        paid,
        by=person("applicant_gent"),
        planned=[
            {"expected_on": days(-5), "amount": "1.00"},
            {"expected_on": days(5), "amount": "2.00"},
        ],
    )
    assert PlannedClaim.objects.filter(grant=paid).count() == 2


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("name", ["applicant_gent_2", "secretariat_gent", "managing_authority"])
def test_only_the_beneficiary_plans(paid, name):
    before = state(paid)
    with pytest.raises(PermissionDenied):
        claims.save_plan(paid, by=person(name), planned=PLAN)
    assert state(paid) == before


# --- the claims page ---------------------------------------------------------------------------


@pytest.mark.usefixtures("loaded")
def test_the_claims_page_adds_and_removes_a_planned_claim(paid):
    client = Client()
    client.force_login(person("applicant_gent"))
    url = f"/en/monitoring/grants/{paid.proposal.reference}/claims/"
    page = client.post(url, {"action": "plan", "expected_on": days(100).isoformat(),
                             "amount": "50 000,00"}, follow=True)  # fmt: skip
    assert "EUR 20,000.00" in page.content.decode()
    refused = client.post(url, {"action": "plan", "expected_on": days(100).isoformat(),
                                "amount": "-5"}).content.decode()  # fmt: skip
    assert 'id="plan-amount-errors"' in refused and 'value="-5"' in refused
    assert PlannedClaim.objects.filter(grant=paid).count() == 1
    planned = PlannedClaim.objects.get(grant=paid)
    client.post(url, {"action": "plan", "remove": planned.pk})
    assert not PlannedClaim.objects.filter(grant=paid).exists()
    authority = Client()
    authority.force_login(person("managing_authority"))
    assert 'id="plan-amount"' not in authority.get(url).content.decode()


# --- the dashboard -----------------------------------------------------------------------------


@pytest.mark.usefixtures("loaded")
def test_the_dashboard_forecast_per_year_and_per_city(paid):
    """Claim 1's 21,600.00 in a payment application submitted today; the plan adds 20,000.00
    (in 100 days), 12,000.00 (200) and 6,400.00 (300), each 90 days later in an application."""
    application = claims.prepare_payment_application(
        by=person("managing_authority"), city=City.objects.get(code="gent"),
        priority=paid.proposal.specific_objective.priority,
        accounting_year=money.accounting_year(TODAY),
    )  # fmt: skip
    claims.submit_payment_application(application, by=person("managing_authority_2"),
                                      submitted_on=TODAY)  # fmt: skip
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    programme = Programme.objects.get(is_current=True)
    figures = dashboard.n3_figures(programme, TODAY)
    assert figures["lag_days"] == 90

    def expected(due: datetime.date) -> Decimal:
        return sum((e for n, e in ((100, 20000), (200, 12000), (300, 6400))
                    if days(n + 90) <= due), Decimal("0.00"))  # fmt: skip

    for row in figures["years"]:
        due = money.deadline(row["year"])
        covered = Decimal(row["covered"])
        assert Decimal(row["forecast"]) == covered + expected(due)
        assert Decimal(row["shortfall_forecast"]) <= Decimal(row["shortfall"])
    gent = [r for r in figures["cities"] if r["city"] == "gent"]
    antwerp = [r for r in figures["cities"] if r["city"] == "antwerpen"]
    assert len(gent) == len(antwerp) == 6
    last = gent[-1]  # 2027, due 2029-12-31: everything planned arrives by then
    assert (last["covered"], last["planned"], last["forecast"]) == (
        "21600.00", "38400.00", "60000.00")  # fmt: skip
    assert {r["forecast"] for r in antwerp} == {"0.00"}

    client = Client()
    client.force_login(person("managing_authority"))
    page = client.get("/en/monitoring/dashboard/").content.decode()
    assert 'id="t-n3-cities"' in page and "Shortfall forecast" in page
    assert "EUR 38,400.00" in page
    csv = client.get("/en/monitoring/dashboard/?csv=n3_cities").content.decode()
    assert csv.splitlines()[0] == "year,deadline,city,covered,planned,forecast"
    # A city's secretariat reads the rows of its own city only.
    for name, own, other in (("secretariat_antwerpen", "antwerpen", "gent"),
                             ("secretariat_gent", "gent", "antwerpen")):  # fmt: skip
        client.force_login(person(name))
        rows = client.get("/en/monitoring/dashboard/?csv=n3_cities").content.decode()
        cities = {line.split(",")[2] for line in rows.splitlines()[1:]}
        assert cities == {own}, (name, cities)
        assert f",{other}," not in rows


@pytest.mark.usefixtures("loaded")
def test_a_closed_grants_plan_does_not_count(paid):
    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    type(paid).objects.filter(pk=paid.pk).update(state="closed")
    figures = dashboard.n3_figures(Programme.objects.get(is_current=True), TODAY)
    assert {r["planned"] for r in figures["years"]} == {"0.00"}


@pytest.mark.usefixtures("loaded")
def test_a_late_plan_no_longer_takes_from_what_is_left(paid):
    """The day-100 claim did not come and is now late: as in the forecast, it expects nothing,
    so the day-300 one is no longer capped by it (16,000.00 of the 26,400.00 left)."""
    from django.db import transaction

    claims.save_plan(paid, by=person("applicant_gent"), planned=PLAN)
    PlannedClaim.objects.filter(grant=paid, expected_on=days(100)).update(expected_on=days(-5))
    with transaction.atomic():
        claims.replan(services.lock_open(paid.pk))
    assert planned_erdf(paid) == [(days(-5), Decimal("20000.00")),
                                  (days(200), Decimal("12000.00")),
                                  (days(300), Decimal("16000.00"))]  # fmt: skip
