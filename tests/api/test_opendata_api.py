"""The list of operations over the API, public and without a key: every approved project of the
demo, in pages, filtered and sorted as the portal filters; a bad filter answered 422 by field;
one operation by its reference, 404 for a proposal that is not approved; and nothing unpublished
in any answer. Every answer is checked against the OpenAPI document."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from gti.proposals.models import Proposal
from tests.api.test_proposals_api import Api
from tests.opendata.test_export import unpublished
from tests.opendata.test_portal import demo  # noqa: F401 (fixture)


class Anonymous(Api):
    def __init__(self, spec):  # no key: the public reads
        self.client, self.headers, self.spec = Client(), {"HTTP_ACCEPT_LANGUAGE": "en"}, spec


@pytest.fixture
def api(client):
    return Anonymous(client.get("/api/v1/openapi.json").json())


def test_every_approved_operation_in_pages_and_sorted(api, demo):  # noqa: F811
    whole = api("get", "/api/v1/operations?page_size=200")
    assert whole["count"] == len(demo)
    assert [o["operation_id"] for o in whole["items"]] == sorted(demo)
    first = api("get", "/api/v1/operations?page=1&page_size=2")
    second = api("get", "/api/v1/operations?page=2&page_size=2")
    assert [o["operation_id"] for o in first["items"] + second["items"]] == sorted(demo)[:4]
    by_cost = api("get", "/api/v1/operations?sort=-total_cost_eur&page_size=200")["items"]
    costs = [Decimal(o["total_cost_eur"]) for o in by_cost]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) > 1
    by_name = api("get", "/api/v1/operations?sort=operation_name&page_size=200")["items"]
    assert [o["operation_name"] for o in by_name] == sorted(o["operation_name"] for o in by_name)


def test_filters_select_as_the_portal_does(api, demo):  # noqa: F811
    gent = sorted(ref for ref, p in demo.items() if p.city.code == "gent")
    found = api("get", "/api/v1/operations?city=gent&page_size=200")
    assert [o["operation_id"] for o in found["items"]] == gent and found["count"] == len(gent)
    first = demo[gent[0]]
    word = first.title.split()[0]
    words = api("get", f"/api/v1/operations?q={word}&page_size=200")["items"]
    assert first.reference in {o["operation_id"] for o in words}
    running = api("get", "/api/v1/operations?status=running&page_size=200")["items"]
    assert {o["status"] for o in running} <= {"running"}


@pytest.mark.parametrize(
    ("query", "field"),
    [("city=atlantis", "city"), ("status=lost", "status"), ("sdg=18", "sdg"),
     ("sdg=one", "sdg"), ("sort=budget", "sort"), ("page=0", "page")],
)  # fmt: skip
def test_a_bad_filter_is_named(api, demo, query, field):  # noqa: F811
    refused = api("get", f"/api/v1/operations?{query}", status=422)
    assert any(field in name for name in refused["errors"]), refused


def test_one_operation_and_404_for_what_is_not_published(api, demo):  # noqa: F811
    reference = sorted(demo)[0]
    one = api("get", f"/api/v1/operations/{reference}")
    assert one["operation_id"] == reference and one["country"] == "BE"
    hidden = Proposal.objects.exclude(state="approved").first()
    api("get", f"/api/v1/operations/{hidden.reference}", status=404)


def test_no_unpublished_value_in_any_answer(api, demo):  # noqa: F811
    approved_names = set(Proposal.objects.filter(state="approved").values_list("title", flat=True))
    secret = unpublished(approved_names)
    answers = [api("get", "/api/v1/operations?page_size=200")]
    answers += [api("get", f"/api/v1/operations/{ref}") for ref in demo]
    text = json.dumps(answers, ensure_ascii=False)
    assert not [value for value in secret if value in text]
