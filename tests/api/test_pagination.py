"""Every list of the API comes in pages: `page` and `page_size` in, `{"items", "count"}` out;
a page out of range is refused by field (422), never a server error."""

import pytest

from gti.portfolio import services as portfolio
from tests.api.test_proposals_api import Api
from tests.factories import draft, open_call, person

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_pages_cut_the_whole_list_and_count_it(client):
    everything = client.get("/api/v1/indicators?page_size=200").json()
    assert everything["count"] == len(everything["items"]) > 10
    second = client.get("/api/v1/indicators?page=2&page_size=4").json()
    assert second == {"items": everything["items"][4:8], "count": everything["count"]}
    beyond = client.get("/api/v1/indicators?page=99&page_size=200").json()
    assert beyond == {"items": [], "count": everything["count"]}
    default = client.get("/api/v1/indicators").json()
    assert default["items"] == everything["items"][:50] and everything["count"] > 50


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=201", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=2289543581565474560", "page"),  # no database takes such an offset
    ],
)
def test_a_page_out_of_range_is_refused_by_field(client, spec, query, field):
    response = client.get(f"/api/v1/areas?{query}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    api = Api("managing_authority", spec)
    assert list(api("get", f"/api/v1/proposals?{query}", status=422)["errors"]) == [field]


def test_filters_and_pages_work_together(spec):
    call = open_call()
    made = [draft(call, title=f"Project {n}") for n in range(3)]
    draft(call, applicant="applicant_gent_2", title="Someone else's")  # not the applicant's
    portfolio.withdraw_proposal(made[0], by=person("applicant_gent"), reason="Not now")
    api = Api("applicant_gent", spec)
    drafts = api("get", "/api/v1/proposals?state=draft&sort=reference&page_size=1")
    assert drafts["count"] == 2 and [p["reference"] for p in drafts["items"]] == [made[1].reference]
    rest = api("get", "/api/v1/proposals?state=draft&sort=reference&page=2&page_size=1")
    assert [p["reference"] for p in rest["items"]] == [made[2].reference]


def test_the_schema_declares_the_pages(spec):
    for path in (
        "/api/v1/calls",
        "/api/v1/proposals",
        "/api/v1/preregistrations",
        "/api/v1/calls/{reference}/scenarios",
        "/api/v1/calls/{reference}/envelopes",
        "/api/v1/portfolio/{city}/envelopes",
        "/api/v1/specific-objectives",
        "/api/v1/indicators",
        "/api/v1/areas",
    ):
        operation = spec["paths"][path]["get"]
        size = next(p for p in operation["parameters"] if p["name"] == "page_size")["schema"]
        assert (size["default"], size["minimum"], size["maximum"]) == (50, 1, 200), path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        paged = spec["components"]["schemas"][page.rsplit("/", 1)[1]]
        assert set(paged["required"]) == {"items", "count"}, path
        assert "422" in operation["responses"], path
