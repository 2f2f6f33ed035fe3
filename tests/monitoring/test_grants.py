"""Grants and their versions through the services: opened from the decision, amended with a
reason, approved by a second person, read as in force on a date. Every refused case shows that
nothing changed.

The worked example: Ghent's Wijkpark, works 100,000.00 and staff 1,000 hours × 50.00 eligible
(150,000.00), 10,000.00 of works not eligible; ERDF 60,000.00 at 40%; partners 80% / 20%."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.monitoring import money, services
from gti.monitoring.models import Grant, GrantVersion
from gti.portfolio import services as portfolio
from gti.proposals.models import Proposal
from gti.strategy.models import City, Programme
from tests.factories import GHENT_PROPOSAL, efro_call, efro_validated, person

pytestmark = pytest.mark.usefixtures("loaded")
DAY = datetime.date(2026, 12, 1)
LINES = [
    *GHENT_PROPOSAL["budget_lines"],
    {"category": "works", "description": "Kunstwerk", "amount": "10000.00", "eligible": False},
]


def envelopes(city):
    portfolio.set_envelopes(
        by=person("managing_authority"), programme=Programme.objects.get(is_current=True),
        city=City.objects.get(code=city),
        lines=[{"priority": "P1", "amount": "1000000"}, {"priority": "P2", "amount": "1000000"}],
    )  # fmt: skip


def approved(call, city="gent", title="Wijkpark", amount=None, plan=None, **kwargs):
    """Validated, then approved by the managing authority with two signatures."""
    proposal = efro_validated(call, city, title=title, **kwargs)
    authority = person("managing_authority")
    meeting = portfolio.open_decision_round(call, by=authority, date=DAY)
    portfolio.set_decision(meeting, by=authority, proposal=proposal, outcome="approved",
                           amount=amount or proposal.erdf_requested, co_financing=plan)  # fmt: skip
    for member in ("managing_authority", "managing_authority_2"):
        votes = {d.proposal.reference: ("for", "") for d in meeting.decisions.all()}
        portfolio.sign_meeting(meeting, by=person(member), votes=votes)
    portfolio.confirm_meeting(meeting, by=authority)
    return Proposal.objects.get(pk=proposal.pk)


@pytest.fixture
def call():
    envelopes("gent")
    envelopes("antwerpen")
    return efro_call()


@pytest.fixture
def wijkpark(call):
    return approved(call, total=160_000, erdf=60_000, budget_lines=LINES)


@pytest.fixture
def grant(wijkpark):
    """Opened by one person of the managing authority, version 1 approved by the other."""
    grant = services.open_grant(wijkpark, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=DAY)  # fmt: skip
    return grant


def snapshot():
    events = AuditEvent.objects.filter(action__startswith="monitoring.").count()
    return list(GrantVersion.objects.order_by("pk").values()), events


def test_a_grant_is_opened_from_the_decision_with_the_worked_figures(wijkpark):
    assert (wijkpark.eligible_cost, wijkpark.total_cost) == (Decimal("150000.00"),
                                                             Decimal("160000.00"))  # fmt: skip
    grant = services.open_grant(wijkpark, by=person("managing_authority"))
    v1 = grant.versions.get()
    assert (v1.number, v1.state, v1.reason) == (1, "draft", "grant decision")
    assert (v1.erdf, v1.rate) == (Decimal("60000.00"), Decimal("0.4000"))
    assert (v1.eligible_from, v1.eligible_until) == (datetime.date(2026, 1, 1),
                                                     datetime.date(2027, 12, 31))  # fmt: skip
    assert v1.budget == {"staff": "50000.00", "works": "100000.00"}  # the eligible lines only
    assert v1.partner_budget == {"Stad Gent, Groendienst": "120000.00",
                                 "Buurtwerk Ledeberg vzw": "30000.00"}  # fmt: skip
    assert v1.indicators == [{"code": "RCO26", "reference_value": "0.00", "target": "1.50"}]
    assert (v1.milestones, v1.in_force_from) == ([], None)  # not in force until approved
    assert services.in_force(grant, datetime.date(2030, 1, 1)) is None
    event = AuditEvent.objects.get(action="monitoring.grant.opened")
    assert (event.actor.username, event.city, event.reason) == (
        "managing_authority", "gent", "grant decision")  # fmt: skip
    assert event.after["erdf"] == "60000.00"


def test_a_lowered_amount_lowers_the_rate_on_the_same_eligible_cost(call):
    plan = [{"source": "city", "amount": "105000"}, {"source": "partners", "amount": "5000"}]
    p = approved(call, total=160_000, erdf=60_000, budget_lines=LINES, amount="50000", plan=plan)
    v1 = services.open_grant(p, by=person("managing_authority")).versions.get()
    # 50,000 / 150,000 = 0.33333…, rounded down so the budget never asks more than was granted
    assert (v1.erdf, v1.rate) == (Decimal("50000.00"), Decimal("0.3333"))
    assert v1.budget == {"staff": "50000.00", "works": "100000.00"}
    assert money.money(Decimal("150000") * v1.rate) == Decimal("49995.00")


def test_a_grant_only_for_an_approved_proposal_and_only_once(call, wijkpark):
    validated = efro_validated(call, "antwerpen", title="Nog niet beslist")
    before = snapshot()
    with pytest.raises(Refused, match="approved proposal"):
        services.open_grant(validated, by=person("managing_authority"))
    services.open_grant(wijkpark, by=person("managing_authority"))
    before = snapshot()
    with pytest.raises(Refused, match="already has its grant"):
        services.open_grant(wijkpark, by=person("managing_authority_2"))
    assert (snapshot(), Grant.objects.count()) == (before, 1)
    for who in ("secretariat_gent", "steering_gent", "applicant_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            services.open_grant(validated, by=person(who))


def test_approval_by_a_second_person_only(wijkpark):
    grant = services.open_grant(wijkpark, by=person("managing_authority"))
    v1 = grant.versions.get()
    before = snapshot()
    with pytest.raises(Refused, match="a second person approves it"):
        services.approve_version(v1, by=person("managing_authority"))
    for who in ("secretariat_gent", "steering_gent", "auditor"):
        with pytest.raises(PermissionDenied):
            services.approve_version(v1, by=person(who))
    assert snapshot() == before
    services.approve_version(v1, by=person("managing_authority_2"), in_force_from=DAY)
    v1.refresh_from_db()
    assert (v1.state, v1.approved_by.username, v1.in_force_from) == (
        "approved", "managing_authority_2", DAY)  # fmt: skip
    with pytest.raises(Refused, match="already approved"):
        services.approve_version(v1, by=person("managing_authority"))
    event = AuditEvent.objects.get(action="monitoring.grant.version_approved")
    assert (event.actor.username, event.after["in_force_from"]) == (
        "managing_authority_2", "2026-12-01")  # fmt: skip


def test_an_amendment_needs_a_reason_and_refuses_bad_values_by_field(grant):
    authority = person("managing_authority")
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        services.amend(grant, by=authority, reason=" ", erdf="70000")
    assert set(refused.value.errors) == {"reason"}
    for changes, place in (
        ({"erdf": "-1.00"}, "erdf"),
        ({"erdf": "100.001"}, "erdf"),
        ({"erdf": None}, "erdf"),
        ({"erdf": "1e30"}, "erdf"),  # more than the column holds
        ({"budget": {"works": "1E+40"}}, "budget.works"),
        ({"rate": "0"}, "rate"),
        ({"rate": "1.2"}, "rate"),
        ({"rate": "0.45"}, "rate"),  # above the programme's 40%
        ({"eligible_until": "2025-12-31"}, "eligible_until"),  # before eligible_from
        ({"eligible_until": "31/12/2027"}, "eligible_until"),
        ({"budget": {"works": "100000.00", "travel": "10.00"}}, "budget.travel"),
        ({"budget": {"works": "-5.00"}}, "budget.works"),
        ({"budget": {"works": "160000.00", "staff": "50000.00"}}, "budget"),  # asks 84,000
        ({"partner_budget": {"Stad Gent, Groendienst": "140000.00"}}, "partner_budget"),
        ({"indicators": [{"code": "RCO26", "reference_value": "0", "target": "x"}]},
         "indicators[0].target"),
        ({"milestones": [{"title": "Oplevering", "due": "eind 2027"}]}, "milestones[0].due"),
        ({"colour": "red"}, "colour"),
    ):  # fmt: skip
        with pytest.raises(Invalid) as refused:
            services.amend(grant, by=authority, reason="Meerwerken", **changes)
        assert place in refused.value.errors, (changes, refused.value.errors)
    with pytest.raises(Invalid, match="at least one condition"):
        services.amend(grant, by=authority, reason="Niets")
    assert snapshot() == before


def test_amendments_are_versions_with_their_reasons_and_history(grant):
    authority, second = person("managing_authority"), person("managing_authority_2")
    v2 = services.amend(
        grant, by=authority, reason="Meerwerken aan de wadi's",
        erdf="64000.00", budget={"works": "110000.00", "staff": "50000.00"},
        partner_budget={"Stad Gent, Groendienst": "128000.00",
                        "Buurtwerk Ledeberg vzw": "32000.00"},
        milestones=[{"title": "Oplevering park", "due": "2027-10-01"}],
    )  # fmt: skip
    assert (v2.number, v2.state, v2.rate) == (2, "draft", Decimal("0.4000"))  # rate kept
    assert v2.milestones == [{"title": "Oplevering park", "due": "2027-10-01"}]
    with pytest.raises(Refused, match="waiting for approval"):
        services.amend(grant, by=second, reason="Nog iets", special_conditions="…")
    with pytest.raises(Invalid, match="must not be before 2026-12-01"):
        services.approve_version(v2, by=second, in_force_from=datetime.date(2026, 11, 30))
    assert GrantVersion.objects.get(pk=v2.pk).state == "draft"
    services.approve_version(v2, by=second, in_force_from=datetime.date(2027, 3, 1))
    history = [(v.number, v.reason, v.erdf, v.budget["works"]) for v in grant.versions.all()]
    assert history == [
        (1, "grant decision", Decimal("60000.00"), "100000.00"),
        (2, "Meerwerken aan de wadi's", Decimal("64000.00"), "110000.00"),
    ]
    event = AuditEvent.objects.get(action="monitoring.grant.amendment_prepared")
    assert (event.actor.username, event.reason) == ("managing_authority", v2.reason)
    assert (event.before["erdf"], event.after["erdf"]) == ("60000.00", "64000.00")
    approvals = AuditEvent.objects.filter(action="monitoring.grant.version_approved")
    assert [e.actor.username for e in approvals] == ["managing_authority_2"] * 2


def test_the_version_in_force_on_a_date(grant):
    v1 = grant.versions.get()
    v2 = services.amend(grant, by=person("managing_authority"), reason="Langere looptijd",
                        eligible_until="2028-06-30")  # fmt: skip
    assert services.in_force(grant, datetime.date(2027, 6, 1)) == v1  # a draft is not in force
    services.approve_version(v2, by=person("managing_authority_2"),
                             in_force_from=datetime.date(2027, 3, 1))  # fmt: skip
    assert services.in_force(grant, datetime.date(2026, 11, 30)) is None  # before the decision
    assert services.in_force(grant, DAY) == v1
    assert services.in_force(grant, datetime.date(2027, 2, 28)) == v1
    assert services.in_force(grant, datetime.date(2027, 3, 1)) == v2
    assert services.in_force(grant, datetime.date(2029, 1, 1)) == v2


def test_the_money_rules_read_the_version_in_force_on_the_claims_date(grant):
    """A claim of works 30,000.00 and staff 200 hours × 50.00 (10,000.00): 40% is 16,000.00
    payable. After the amendment lowering the rate to 35% from 1 March 2027, the same claim dated
    after it pays 10,500.00 + 3,500.00 = 14,000.00; a line after the eligible period is refused."""
    lines = [
        money.Line("1", "works", "Stad Gent, Groendienst", "F-1", datetime.date(2027, 2, 1),
                   Decimal("30000.00")),
        money.Line("2", "staff", "Buurtwerk Ledeberg vzw", "T-1", datetime.date(2027, 2, 1),
                   cost_option=money.UNIT_COST, units=Decimal("200"), unit_rate=Decimal("50.00")),
    ]  # fmt: skip
    before = services.conditions(services.in_force(grant, datetime.date(2027, 2, 15)))
    assert before == money.Grant(
        rate=Decimal("0.4000"), erdf=Decimal("60000.00"),
        budget={"staff": Decimal("50000.00"), "works": Decimal("100000.00")},
        eligible_from=datetime.date(2026, 1, 1), eligible_until=datetime.date(2027, 12, 31),
    )  # fmt: skip
    money.check_claim(before, lines, set())
    kept = money.declared(lines)
    assert money.payable(before, lines, kept, {}).total == Decimal("16000.00")

    v2 = services.amend(grant, by=person("managing_authority"), reason="Lagere steun",
                        rate="0.35", erdf="52500.00")  # fmt: skip
    services.approve_version(v2, by=person("managing_authority_2"),
                             in_force_from=datetime.date(2027, 3, 1))  # fmt: skip
    after = services.conditions(services.in_force(grant, datetime.date(2027, 3, 15)))
    paid = money.payable(after, lines, kept, {})
    assert paid.per_category == {"staff": Decimal("3500.00"), "works": Decimal("10500.00")}
    assert paid.total == Decimal("14000.00")
    late = [money.Line("3", "works", "Stad Gent, Groendienst", "F-9",
                       datetime.date(2028, 1, 5), Decimal("10.00"))]  # fmt: skip
    with pytest.raises(money.Refused) as refused:
        money.check_claim(after, late, set())
    assert "lines[0].date" in refused.value.errors


def test_grants_are_seen_by_their_proposal_s_people_only(call, grant):
    other = approved(call, "antwerpen", title="Klimaatplein")
    theirs = services.open_grant(other, by=person("managing_authority"))
    seen = {
        who: set(Grant.objects.visible_to(person(who)))
        for who in ("applicant_gent", "applicant_gent_2", "applicant_antwerpen",
                    "secretariat_gent", "secretariat_antwerpen", "steering_gent",
                    "managing_authority", "auditor", "assessor_gent")
    }  # fmt: skip
    assert seen == {
        "applicant_gent": {grant}, "applicant_gent_2": set(), "applicant_antwerpen": {theirs},
        "secretariat_gent": {grant}, "secretariat_antwerpen": {theirs},
        "steering_gent": {grant}, "managing_authority": {grant, theirs},
        "auditor": {grant, theirs}, "assessor_gent": set(),
    }  # fmt: skip
    from gti.accounts import permissions

    assert permissions.can(person("applicant_gent"), "grant.view", grant)
    assert not permissions.can(person("applicant_gent_2"), "grant.view", grant)
    assert not permissions.can(person("secretariat_antwerpen"), "grant.view", grant)
    assert permissions.can(person("secretariat_gent"), "grant.view", grant)
    before = snapshot()
    for who in ("applicant_gent", "secretariat_gent", "secretariat_antwerpen", "steering_gent"):
        with pytest.raises(PermissionDenied):
            services.amend(grant, by=person(who), reason="Mag niet", erdf="1.00")
    assert snapshot() == before
