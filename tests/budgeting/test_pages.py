"""The budgeting pages: a resident votes and changes the ballot, the secretariat runs the round,
refused input is named and changes nothing."""

import pytest
from django.core import mail
from django.test import Client

from gti.budgeting import services
from gti.budgeting.models import Ballot, BudgetRound, Idea
from tests.budgeting.test_services import COSTS, gent, ids, second_official, voting_round
from tests.factories import person

pytestmark = pytest.mark.usefixtures("loaded")


def test_the_secretariat_creates_a_round_and_residents_send_ideas():
    client = Client()
    client.force_login(person("secretariat_gent"))
    response = client.post("/en/budgeting/new/", {
        "city": "gent", "area": "", "name": "Wijkbudget Ledeberg", "budget": "150000",
        "ballot_kind": "approval", "min_projects": "1", "max_projects": "3",
        "completion": "add1u", "minimum_age": "16"})  # fmt: skip
    round_ = BudgetRound.objects.get()
    assert response.status_code == 302 and round_.city == gent()
    public = Client()
    response = public.post(f"/en/budgeting/{round_.pk}/ideas/", {
        "title": "Speeltuin", "description": "Een speeltuin", "estimated_cost": "abc"})  # fmt: skip
    assert response.status_code == 200 and b"Enter a number" in response.content
    assert not Idea.objects.exists()
    public.post(
        f"/en/budgeting/{round_.pk}/ideas/",
        {"title": "Speeltuin", "description": "Een speeltuin", "estimated_cost": "25000"},
    )
    assert Idea.objects.get().estimated_cost == 25000
    assert b"Speeltuin" in public.get(f"/en/budgeting/{round_.pk}/").content


def test_a_resident_votes_with_a_code_changes_the_ballot_and_sees_the_results():
    round_ = voting_round()
    (code,) = services.generate_codes(round_, 1, by=person("secretariat_gent"))
    client = Client()
    response = client.post(f"/en/budgeting/{round_.pk}/vote/",
                           {"how": "code", "code": "WRONG-CODE", "birth_year": "1990"})  # fmt: skip
    assert b"not one of this round" in response.content
    client.post(f"/en/budgeting/{round_.pk}/vote/",
                {"how": "code", "code": code, "birth_year": "1990"})  # fmt: skip
    page = client.get(f"/en/budgeting/{round_.pk}/ballot/")
    assert b"Money left: EUR 100,000.00" in page.content
    too_many = list(ids(round_, *(t for t, _ in COSTS)))
    response = client.post(f"/en/budgeting/{round_.pk}/ballot/", {"choice": too_many})
    assert response.status_code == 422 and b"choose at most 3 projects" in response.content
    assert not Ballot.objects.exists()
    client.post(f"/en/budgeting/{round_.pk}/ballot/", {"choice": list(ids(round_, "Bomen"))})
    client.post(f"/en/budgeting/{round_.pk}/ballot/", {"choice": list(ids(round_, "Bankjes"))})
    assert Ballot.objects.get().choices == ids(round_, "Bankjes")
    assert b"Money left: EUR 90,000.00" in client.get(f"/en/budgeting/{round_.pk}/ballot/").content
    assert b"/results/" not in client.get(f"/en/budgeting/{round_.pk}/").content
    services.advance(round_, by=person("secretariat_gent"))
    results = client.get(f"/en/budgeting/{round_.pk}/results/")
    assert b"Equal shares (the result)" in results.content and b"Greedy" in results.content
    mine = client.get(f"/en/budgeting/{round_.pk}/results/mine/")
    assert b"my-spending" in mine.content and b"Bankjes" in mine.content
    pb = client.get(f"/en/budgeting/{round_.pk}/round.pb")
    assert pb.content.startswith(b"META")


def test_an_email_link_lets_a_resident_vote():
    round_ = voting_round()
    client = Client()
    client.post(f"/en/budgeting/{round_.pk}/vote/",
                {"how": "email", "email": "bewoner@example.org", "birth_year": "1985"})  # fmt: skip
    (message,) = mail.outbox
    link = next(w for w in message.body.split() if "/verify/" in w)
    assert client.get(link).status_code == 302
    assert b"Cast my ballot" in client.get(f"/en/budgeting/{round_.pk}/ballot/").content


def test_the_paper_booth_refuses_the_same_official_twice():
    round_ = voting_round()
    (code,) = services.generate_codes(round_, 1, by=person("secretariat_gent"))
    first = Client()
    first.force_login(person("secretariat_gent"))
    choice = list(ids(round_, "Bomen"))
    first.post(
        f"/en/budgeting/{round_.pk}/paper/",
        {"action": "enter", "code": code, "birth_year": "1960", "choice": choice},
    )
    ballot = Ballot.objects.get()
    response = first.post(f"/en/budgeting/{round_.pk}/paper/",
                          {"action": "confirm", "ballot": str(ballot.pk), "choice": choice},
                          follow=True)  # fmt: skip
    assert b"not the one who entered it" in response.content
    ballot.refresh_from_db()
    assert not ballot.confirmed
    second = Client()
    second.force_login(second_official())
    second.post(f"/en/budgeting/{round_.pk}/paper/",
                {"action": "confirm", "ballot": str(ballot.pk), "choice": choice})  # fmt: skip
    ballot.refresh_from_db()
    assert ballot.confirmed and ballot.confirmed_by.username == "secretariat_gent_2"


def test_a_cumulative_ballot_counts_points_and_names_the_project_over_its_maximum():
    round_ = voting_round("cumulative")
    (code,) = services.generate_codes(round_, 1, by=person("secretariat_gent"))
    client = Client()
    client.post(f"/en/budgeting/{round_.pk}/vote/",
                {"how": "code", "code": code, "birth_year": "2000"})  # fmt: skip
    assert b"Points left: 10" in client.get(f"/en/budgeting/{round_.pk}/ballot/").content
    bomen = next(iter(ids(round_, "Bomen")))
    response = client.post(f"/en/budgeting/{round_.pk}/ballot/", {f"points_{bomen}": "6"})
    assert response.status_code == 422
    assert b"Bomen: 6 points, more than the 5 a project may get" in response.content
    assert b'value="6"' in response.content and not Ballot.objects.exists()
    client.post(f"/en/budgeting/{round_.pk}/ballot/", {f"points_{bomen}": "4"})
    assert Ballot.objects.get().choices == {bomen: 4}


def test_the_manage_page_shows_the_review_and_the_voters():
    round_ = voting_round()
    services.generate_codes(round_, 5, by=person("secretariat_gent"))
    client = Client()
    client.force_login(person("secretariat_gent"))
    page = client.get(f"/en/budgeting/{round_.pk}/manage/")
    assert b"5 voters known, 0 voted" in page.content and b"Zwembad" in page.content
    response = client.post(f"/en/budgeting/{round_.pk}/manage/", {"action": "codes", "count": "2"})
    assert response["Content-Type"] == "text/csv" and len(response.content.splitlines()) == 3
