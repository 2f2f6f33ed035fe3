"""Participatory budgeting: phases, limits, one ballot per voter, four eyes, results."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts.models import AuditEvent, Role
from gti.accounts.services import create_user
from gti.budgeting import services
from gti.budgeting.models import Ballot, BudgetRound, Idea, Voter
from gti.errors import Invalid, Refused
from gti.participation import pabulib, rules
from gti.strategy.models import City
from tests.factories import person

pytestmark = pytest.mark.usefixtures("loaded")


def gent():
    return City.objects.get(code="gent")


def wijk(code=None):
    areas = gent().strategies.current().get().areas.all()
    return areas.get(code=code) if code else areas.first()


def make_round(kind="approval", **extra):
    args = {"min_projects": 1, "max_projects": 3} if kind == "approval" else {}
    if kind == "cumulative":
        args = {"points_per_voter": 10, "max_points_per_project": 5}
    return services.create_round(
        by=person("secretariat_gent"), city=gent(), area=wijk(), name="Wijkbudget",
        budget="100000", ballot_kind=kind, **(args | extra),
    )  # fmt: skip


COSTS = [("Speelplein", "40000"), ("Bomen", "30000"), ("Fietsenstalling", "50000"),
         ("Bankjes", "10000")]  # fmt: skip


def voting_round(kind="approval", **extra):
    round_ = make_round(kind, **extra)
    for title, cost in COSTS:
        services.propose_idea(round_, title=title, description="…", estimated_cost=cost)
    services.propose_idea(round_, title="Zwembad", description="…", estimated_cost="900000")
    services.advance(round_, by=person("secretariat_gent"))
    for idea in round_.ideas.all():
        if idea.title == "Zwembad":
            services.review_idea(idea, by=person("secretariat_gent"), feasible=False,
                                 reason="Te duur")  # fmt: skip
        else:
            services.review_idea(idea, by=person("secretariat_gent"), feasible=True,
                                 final_cost=idea.estimated_cost)  # fmt: skip
    return services.advance(round_, by=person("secretariat_gent"))


def ids(round_, *titles):
    return {str(Idea.objects.get(round=round_, title=t).pk): 1 for t in titles}


def code_voter(round_, birth_year=1990):
    (code,) = services.generate_codes(round_, 1, by=person("secretariat_gent"))
    return code, services.identify(round_, kind="code", identity=code, birth_year=birth_year)


def test_phases_move_in_order_and_voting_waits_for_every_review():
    round_ = make_round()
    services.propose_idea(round_, title="Speelplein", description="…", estimated_cost="40000")
    services.advance(round_, by=person("secretariat_gent"))
    with pytest.raises(Refused, match="feasibility review"):
        services.advance(round_, by=person("secretariat_gent"))
    round_.refresh_from_db()
    assert round_.phase == "review"
    with pytest.raises(Refused, match="no longer takes ideas"):
        services.propose_idea(round_, title="Laat", description="…", estimated_cost="1")
    assert AuditEvent.objects.filter(action="budgeting.round.phase").count() == 1


def test_only_the_citys_secretariat_moves_a_round():
    round_ = make_round()
    for name in ("secretariat_antwerpen", "applicant_gent", "managing_authority"):
        with pytest.raises(PermissionDenied):
            services.advance(round_, by=person(name))
    round_.refresh_from_db()
    assert round_.phase == "ideas"


def test_review_needs_a_cost_or_a_reason_and_only_feasible_ideas_are_on_the_ballot():
    round_ = make_round()
    idea = services.propose_idea(round_, title="X", description="…", estimated_cost="10")
    services.advance(round_, by=person("secretariat_gent"))
    with pytest.raises(Invalid) as exc:
        services.review_idea(idea, by=person("secretariat_gent"), feasible=False)
    assert "reason" in exc.value.errors
    with pytest.raises(Invalid) as exc:
        services.review_idea(idea, by=person("secretariat_gent"), feasible=True, final_cost="x")
    assert "final_cost" in exc.value.errors
    idea.refresh_from_db()
    assert idea.feasible is None
    round_ = voting_round()
    assert [i.title for i in services.on_ballot(round_)] == [t for t, _ in COSTS]


def test_approval_limits_are_checked_with_the_problem_named():
    round_ = voting_round(max_projects=2)
    _, voter = code_voter(round_)
    with pytest.raises(Invalid, match="at most 2 projects"):
        services.cast_ballot(round_, voter, ids(round_, "Speelplein", "Bomen", "Bankjes"))
    with pytest.raises(Invalid, match="at least one project"):
        services.cast_ballot(round_, voter, {})
    unfeasible = str(Idea.objects.get(title="Zwembad").pk)
    with pytest.raises(Invalid, match="not a project on this ballot"):
        services.cast_ballot(round_, voter, {unfeasible: 1})
    assert not Ballot.objects.exists() and not Voter.objects.get(pk=voter.pk).has_voted


def test_approval_within_the_budget_and_cumulative_points():
    round_ = voting_round("approval_budget")
    _, voter = code_voter(round_)
    with pytest.raises(Invalid, match="more than the budget"):
        services.cast_ballot(round_, voter, ids(round_, "Speelplein", "Bomen", "Fietsenstalling"))
    services.cast_ballot(round_, voter, ids(round_, "Speelplein", "Fietsenstalling", "Bankjes"))
    round_ = voting_round("cumulative")
    _, voter = code_voter(round_)
    a, b = (str(Idea.objects.get(round=round_, title=t).pk) for t in ("Speelplein", "Bomen"))
    with pytest.raises(Invalid, match="more than the 5 a project may get"):
        services.cast_ballot(round_, voter, {a: 6})
    with pytest.raises(Invalid, match="11 points given, more than your 10"):
        services.cast_ballot(round_, voter, {a: 5, b: 5, **{k: 1 for k in ids(round_, "Bankjes")}})
    assert not round_.ballots.exists()
    ballot, _ = services.cast_ballot(round_, voter, {a: 5, b: 3})
    assert ballot.choices == {a: 5, b: 3}


def test_one_ballot_per_voter_changeable_with_its_token_until_the_vote_closes():
    round_ = voting_round()
    _, voter = code_voter(round_)
    ballot, token = services.cast_ballot(round_, voter, ids(round_, "Speelplein"))
    with pytest.raises(Refused, match="voted already"):
        services.cast_ballot(round_, voter, ids(round_, "Bomen"))
    with pytest.raises(Refused, match="voted already"):
        services.cast_ballot(round_, voter, ids(round_, "Bomen"), token="wrong")
    changed, same = services.cast_ballot(round_, voter, ids(round_, "Bomen"), token=token)
    assert (changed.pk, same) == (ballot.pk, token) and Ballot.objects.count() == 1
    assert changed.choices == ids(round_, "Bomen")
    services.advance(round_, by=person("secretariat_gent"))
    with pytest.raises(Refused, match="not open"):
        services.cast_ballot(round_, voter, ids(round_, "Bankjes"), token=token)
    ballot.refresh_from_db()
    assert ballot.choices == ids(round_, "Bomen")


def test_a_ballot_is_not_linked_to_its_voter():
    round_ = voting_round()
    _, voter = code_voter(round_)
    ballot, token = services.cast_ballot(round_, voter, ids(round_, "Speelplein"))
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert not {"voter", "voter_id", "identity_hash", "created_at"} & fields
    assert not {f.name for f in Voter._meta.get_fields()} & {"ballot", "voted_at"}
    assert token not in str(ballot.__dict__) and ballot.token_hash == services.token_hash(token)
    event = AuditEvent.objects.get(action="budgeting.ballot.cast")
    # the event names the round only: neither the voter nor the ballot
    assert (event.object_type, event.object_id) == ("budgeting.budgetround", str(round_.pk))
    assert event.after == {} and event.actor is None


def test_codes_are_stored_as_hashes_and_unknown_codes_refused():
    round_ = voting_round()
    codes = services.generate_codes(round_, 3, by=person("secretariat_gent"))
    stored = set(Voter.objects.values_list("identity_hash", flat=True))
    assert not set(codes) & stored and len(stored) == 3
    with pytest.raises(Invalid, match="not one of this round's letters"):
        services.identify(round_, kind="code", identity="AAAA-BBBB-CCCC", birth_year=1990)
    assert services.identify(round_, kind="code", identity=codes[0].lower(), birth_year=1990)


def test_age_and_the_voter_list():
    round_ = voting_round(uses_voter_list=True, minimum_age=16)
    services.import_voter_list(
        round_, f"identifier,area,birth_year\nan@example.org,{wijk().code},1980\n",
        by=person("secretariat_gent"),
    )  # fmt: skip
    assert not Voter.objects.filter(identity_hash__contains="@").exists()
    listed = services.identity_hash("email", "An@Example.org ")
    with pytest.raises(Invalid, match="does not match the voter list"):
        services.identify(round_, kind="email", identity=listed, birth_year=1981)
    voter = services.identify(round_, kind="email", identity=listed, birth_year=1980)
    assert voter.listed and voter.area == wijk()
    other = services.identity_hash("email", "someone@example.org")
    with pytest.raises(Refused, match="not on the voter list"):
        services.identify(round_, kind="email", identity=other, birth_year=1980)
    from django.utils import timezone

    with pytest.raises(Refused, match="from the age of 16"):
        services.identify(round_, kind="email", identity=listed,
                          birth_year=timezone.localdate().year - 10)  # fmt: skip
    assert Voter.objects.count() == 1


def test_a_bad_voter_list_names_every_row_and_writes_nothing():
    round_ = make_round()
    with pytest.raises(Invalid) as exc:
        services.import_voter_list(round_, "identifier,area,birth_year\n,nowhere,19x\nok@x.be,,\n",
                                   by=person("secretariat_gent"))  # fmt: skip
    assert list(exc.value.errors) == ["line 2"] and len(exc.value.errors["line 2"]) == 3
    assert not Voter.objects.exists()


def test_the_email_link_carries_the_hash_not_the_address():
    round_ = voting_round()
    token = services.email_link_token(round_, "bewoner@example.org", 1990)
    assert "bewoner" not in token
    hashed, year = services.read_email_token(round_, token)
    assert hashed == services.identity_hash("email", "bewoner@example.org") and year == 1990
    with pytest.raises(Refused):
        services.read_email_token(round_, token + "x")


def second_official():
    return create_user("secretariat_gent_2", password="a-long-demo-pass-2026",
                       role=Role.SECRETARIAT, city=gent(), email="s2@example.org")  # fmt: skip


def test_paper_ballots_need_a_second_official_whose_entry_matches():
    round_ = voting_round()
    (code,) = services.generate_codes(round_, 1, by=person("secretariat_gent"))
    first, second = person("secretariat_gent"), second_official()
    ballot = services.enter_paper_ballot(round_, by=first, code=code, birth_year=1970,
                                         choices=ids(round_, "Bomen"))  # fmt: skip
    assert not ballot.confirmed and not services.counted(round_).exists()
    with pytest.raises(Refused, match="second official"):
        services.confirm_paper_ballot(ballot, by=first, choices=ids(round_, "Bomen"))
    with pytest.raises(Invalid, match="differs from the first"):
        services.confirm_paper_ballot(ballot, by=second, choices=ids(round_, "Bankjes"))
    ballot.refresh_from_db()
    assert not ballot.confirmed
    with pytest.raises(Refused, match="voted already"):
        services.enter_paper_ballot(round_, by=second, code=code, birth_year=1970,
                                    choices=ids(round_, "Bomen"))  # fmt: skip
    services.confirm_paper_ballot(ballot, by=second, choices=ids(round_, "Bomen"))
    assert list(services.counted(round_)) == [ballot]
    assert AuditEvent.objects.filter(action__startswith="budgeting.paper").count() == 2


def test_no_paper_ballot_is_entered_or_confirmed_once_the_vote_is_closed():
    round_ = voting_round()
    codes = services.generate_codes(round_, 2, by=person("secretariat_gent"))
    first, second = person("secretariat_gent"), second_official()
    ballot = services.enter_paper_ballot(round_, by=first, code=codes[0], birth_year=1970,
                                         choices=ids(round_, "Bomen"))  # fmt: skip
    services.advance(round_, by=first, reason="stemming afgesloten")
    with pytest.raises(Refused, match="Voting is not open"):
        services.enter_paper_ballot(round_, by=first, code=codes[1], birth_year=1970,
                                    choices=ids(round_, "Bomen"))  # fmt: skip
    with pytest.raises(Refused, match="Voting is not open"):
        services.confirm_paper_ballot(ballot, by=second, choices=ids(round_, "Bomen"))
    ballot.refresh_from_db()
    assert not ballot.confirmed and round_.ballots.count() == 1
    assert (
        not Voter.objects.filter(round=round_, has_voted=True)
        .exclude(identity_hash=services.identity_hash("code", codes[0]))
        .exists()
    )


def test_results_wait_for_the_results_phase_and_equal_rules_compute_on_the_exported_pb():
    round_ = voting_round()
    votes = [("Speelplein",), ("Speelplein", "Bomen"), ("Bomen", "Bankjes"),
             ("Fietsenstalling",), ("Fietsenstalling", "Bankjes"), ("Speelplein",)]  # fmt: skip
    tokens = []
    for chosen in votes:
        _, voter = code_voter(round_)
        tokens.append(services.cast_ballot(round_, voter, ids(round_, *chosen))[1])
    with pytest.raises(Refused):
        services.results(round_)
    services.advance(round_, by=person("secretariat_gent"))
    round_.refresh_from_db()
    data = services.results(round_)
    text = services.export_pb(round_)
    again = pabulib.read(text)
    assert len(again.ballots) == 6 and again.budget == 100000
    mes = rules.compute(again, "mes", completion="add1u", increment=services.increment(again))
    greedy = rules.compute(again, "greedy")
    assert [i.pk for i in data["rules"]["mes"]["selected"]] == [int(p) for p in mes.selected]
    assert [i.pk for i in data["rules"]["greedy"]["selected"]] == [int(p) for p in greedy.selected]
    assert data["rules"]["mes"]["spent"] <= Decimal("100000")
    mine = services.my_spending(round_, tokens[0])
    assert mine["chosen"][0]["idea"].title == "Speelplein" and mine["total"] > 0
    assert services.my_spending(round_, "nope") is None
    paid = next(p for p in data["projects"] if p["phase"] == "mes")
    assert sum(g["voters"] for g in paid["payers"]) == paid["support"]


def test_refused_round_input_names_the_fields_and_writes_nothing():
    with pytest.raises(Invalid) as exc:
        services.create_round(by=person("secretariat_gent"), city=gent(), name="", budget="-1",
                              ballot_kind="cumulative")  # fmt: skip
    assert {"name", "budget", "points_per_voter"} <= set(exc.value.errors)
    assert not BudgetRound.objects.exists()


def test_an_exported_round_imports_into_a_new_round_with_the_same_results():
    round_ = voting_round()
    for chosen in [("Speelplein",), ("Speelplein", "Bomen"), ("Bankjes", "Fietsenstalling")]:
        _, voter = code_voter(round_)
        services.cast_ballot(round_, voter, ids(round_, *chosen))
    round_ = services.advance(round_, by=person("secretariat_gent"))
    text = services.export_pb(round_)
    copy = make_round()
    with pytest.raises(Invalid, match="line"):
        services.import_pb(copy, "META\nkey;value\n", by=person("secretariat_gent"))
    with pytest.raises(PermissionDenied):
        services.import_pb(copy, text, by=person("secretariat_antwerpen"))
    assert not copy.ideas.exists()
    services.import_pb(copy, text, by=person("secretariat_gent"))
    copy.refresh_from_db()
    titles = lambda r: [i.title for i in services.results(r)["rules"]["mes"]["selected"]]  # noqa: E731
    assert copy.phase == "results" and titles(copy) == titles(round_) and titles(copy)
    with pytest.raises(Refused, match="new round"):
        services.import_pb(copy, text, by=person("secretariat_gent"))
