"""`gti demo`: made through the real services, every lifecycle state, an intact audit chain."""

import io

import pytest
from django.core.management import call_command

from gti.demo import CENT, TARGET
from gti.proposals.models import Call, Proposal
from gti.proposals.services import is_open


@pytest.fixture
def demo(demo_made, db):
    """What `gti demo` printed; the demo is made once for the module (tests/conftest.py)."""
    return demo_made


def test_demo_covers_every_state_and_prints_the_users(demo):
    states = set(Proposal.objects.values_list("state", flat=True))
    assert states == set(Proposal.State.values)
    assert 36 <= Proposal.objects.count() <= 44
    call = Call.objects.get()
    assert is_open(call) and call.city is None and call.rules.code == "efro-vlaanderen"
    assert {p.city.code for p in call.proposals.all()} == {"antwerpen", "gent"}
    assert "DEMO users" in demo and "demo-secretariaat-gent" in demo and "demo-auditor" in demo
    assessed = Proposal.objects.filter(state=Proposal.State.ASSESSED)
    assert all(p.consolidated_score is not None for p in assessed)


def test_demo_never_approves_below_the_minimum_scores(demo):
    decided = Proposal.objects.filter(
        state__in=[Proposal.State.APPROVED, Proposal.State.RESERVE, Proposal.State.VALIDATED]
    )
    assert decided.filter(state=Proposal.State.APPROVED).exists()
    for p in decided:
        assert p.meets_minimums is True
        assert p.consolidated_score >= 60 and float(p.block_scores["strategic"]) >= 30


def test_audit_chain_of_the_demo_verifies(demo):
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK: ")


def test_demo_runs_once(demo):
    count = Proposal.objects.count()
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.count() == count


def test_demo_grants_of_both_cities_show_two_versions(demo):
    from gti.monitoring.models import Grant

    grants = Grant.objects.select_related("proposal__city")
    assert {g.proposal.city.code for g in grants} == {"antwerpen", "gent"}
    assert set(grants.values_list("proposal__state", flat=True)) == {Proposal.State.APPROVED}
    assert Grant.objects.count() == Proposal.objects.filter(state="approved").count()
    for grant in grants:
        v1, v2 = grant.versions.order_by("number")
        assert (v1.state, v2.state) == ("approved", "approved")
        assert v1.prepared_by.username == v2.prepared_by.username == "demo-beheersautoriteit-1"
        assert v1.approved_by.username == v2.approved_by.username == "demo-beheersautoriteit-2"
        assert (v1.milestones, len(v2.milestones)) == ([], 1)
    assert Proposal.objects.filter(state="validated", city__code="gent").exists()  # still waiting


def test_demo_plans_claims_on_every_grant_and_a_project_adds_a_goal(demo):
    from gti.monitoring.models import Grant

    grants = Grant.objects.filter(state=Grant.State.OPEN)
    assert grants.exists()
    assert all(g.planned_claims.count() == 2 for g in grants)
    assert all(p.erdf > 0 for g in grants for p in g.planned_claims.all())
    assert Proposal.objects.exclude(sdgs=[]).filter(state=Proposal.State.APPROVED).exists()


def test_demo_fills_in_milestones_the_programme_file_leaves_empty(demo):
    """The shipped programme file states no milestones 2024 or targets 2029; the demo gives each
    output indicator its approved projects target figures of its own, said to be the demo's."""
    from gti.monitoring import dashboard
    from gti.strategy.models import Programme

    programme = Programme.objects.get(is_current=True)
    block = programme.source["performance"]
    assert block["source"]["en"] == "Demo figures, not the programme's" and block["indicators"]
    rows = {r["code"]: r for r in dashboard.indicators(Proposal.objects.all(), programme)}
    for line in block["indicators"]:
        row = rows[line["indicator"]]
        assert row["kind"] == "output" and row["milestone_2024"] < row["target_2029"]
        assert row["target_2029"] == (row["target"] * TARGET).quantize(CENT)


def test_demo_people_have_messages_and_some_chose_how_they_arrive(demo):
    from gti.notifications.models import Kind, Notification, Preference

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {Kind.RECEIPT, Kind.ASSIGNED, Kind.ADMISSIBILITY, Kind.DECISION} <= kinds
    assert Preference.objects.filter(user__username="demo-expert-1", kind="assigned").exists()
    digest = Notification.objects.filter(user__username="demo-expert-1", kind=Kind.ASSIGNED)
    assert digest.exists() and all(n.mail == "digest" for n in digest)


def test_demo_has_a_participatory_budget_per_city_one_counted(demo):
    from gti.budgeting import services
    from gti.budgeting.models import BudgetRound

    rounds = {r.city.code: r for r in BudgetRound.objects.select_related("city", "area")}
    assert (rounds["gent"].phase, rounds["antwerpen"].phase) == ("results", "voting")
    assert (rounds["gent"].area.code, rounds["antwerpen"].area.code) == ("dampoort", "borgerhout")
    results = services.results(rounds["gent"])
    assert results["voters"] == 60 and results["rules"]["mes"]["selected"]
    assert rounds["antwerpen"].ballots.count() == 40
