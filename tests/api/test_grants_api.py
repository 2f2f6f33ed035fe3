"""Grants over the API: opened, amended and approved by two people of the managing authority;
a wrong shape 422 by field, a refused role 403, another city's grant 404, a state 409. Every
answer is checked against the OpenAPI, every refusal leaves the versions as they were."""

import pytest

from gti.monitoring.models import Grant, GrantVersion
from tests.api.test_proposals_api import Api
from tests.monitoring.test_grants import LINES, approved, call, wijkpark  # noqa: F401

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def versions():
    return list(GrantVersion.objects.order_by("pk").values()), Grant.objects.count()


def test_a_grant_over_the_api(spec, call, wijkpark):  # noqa: F811
    ref = wijkpark.reference
    first, second = Api("managing_authority", spec), Api("managing_authority_2", spec)
    secretariat = Api("secretariat_gent", spec)
    secretariat("post", "/api/v1/grants", {"proposal": ref}, 403)
    Api("secretariat_antwerpen", spec)("post", "/api/v1/grants", {"proposal": ref}, 403)
    first("post", "/api/v1/grants", {"proposal": "GTI-0000-X"}, 404)
    errors = first("post", "/api/v1/grants", {"proposal": ref, "colour": "red"}, 422)["errors"]
    assert list(errors) == ["colour"]
    assert versions() == ([], 0)

    grant = first("post", "/api/v1/grants", {"proposal": ref}, 201)
    assert (grant["proposal"], grant["city"], grant["in_force"]) == (ref, "gent", None)
    v1 = grant["versions"][0]
    assert (v1["number"], v1["state"], v1["erdf"], v1["rate"]) == (1, "draft", "60000.00",
                                                                   "0.4000")  # fmt: skip
    assert v1["budget"] == {"staff": "50000.00", "works": "100000.00"}
    assert v1["indicators"] == [{"code": "RCO26", "reference_value": "0.00", "target": "1.50"}]
    first("post", "/api/v1/grants", {"proposal": ref}, 409)

    before = versions()
    approve = f"/api/v1/grants/{ref}/versions/1/approve"
    first("post", approve, {}, 409)  # the preparer never approves
    secretariat("post", approve, {}, 403)
    errors = second("post", approve, {"in_force_from": "1/12/2026"}, 422)["errors"]
    assert list(errors) == ["in_force_from"]
    second("post", f"/api/v1/grants/{ref}/versions/7/approve", {}, 404)
    assert versions() == before
    done = second("post", approve, {"in_force_from": "2026-01-01"})
    assert (done["state"], done["approved_by"], done["in_force_from"]) == (
        "approved", "managing_authority_2", "2026-01-01")  # fmt: skip

    amend = f"/api/v1/grants/{ref}/amendments"
    before = versions()
    for body, place in (
        ({"reason": "", "changes": {"erdf": "61000"}}, "reason"),
        ({"reason": "X", "changes": {"erdf": "-1"}}, "changes.erdf"),
        ({"reason": "X", "changes": {"rate": "0.45"}}, "rate"),
        ({"reason": "X", "changes": {"milestones": [{"title": "A", "due": "eind"}]}},
         "changes.milestones[0].due"),
        ({"reason": "X", "changes": {"colour": "red"}}, "changes.colour"),
        ({"reason": "X", "changes": {}}, "changes"),
        ({"reason": "X"}, "changes"),
    ):  # fmt: skip
        errors = first("post", amend, body, 422)["errors"]
        assert place in errors, (body, errors)
    secretariat("post", amend, {"reason": "X", "changes": {"erdf": "1.00"}}, 403)
    Api("applicant_gent_2", spec)("post", amend, {"reason": "X", "changes": {"erdf": "1"}}, 404)
    assert versions() == before

    milestone = {"title": "Oplevering park", "due": "2027-10-01"}
    v2 = first("post", amend, {"reason": "Oplevering vastgelegd",
                               "changes": {"milestones": [milestone]}}, 201)  # fmt: skip
    assert (v2["number"], v2["state"], v2["milestones"]) == (2, "draft", [milestone])
    assert v2["changes"] == [{"field": "milestones", "before": "—",
                              "after": "Oplevering park 2027-10-01"}]  # fmt: skip
    first("post", amend, {"reason": "Nog", "changes": {"special_conditions": "x"}}, 409)
    second("post", f"/api/v1/grants/{ref}/versions/2/approve", {"in_force_from": "2026-01-02"})

    seen = Api("applicant_gent", spec)("get", f"/api/v1/grants/{ref}")
    assert [v["number"] for v in seen["versions"]] == [1, 2]
    assert (seen["in_force"], seen["erdf"]) == (2, "60000.00")
    assert seen["conditions"]["milestones"] == [milestone]
    listed = Api("auditor", spec)("get", "/api/v1/grants?city=gent")
    assert (listed["count"], listed["items"][0]["latest_state"]) == (1, "approved")
    assert Api("applicant_gent_2", spec)("get", "/api/v1/grants")["count"] == 0
    assert Api("secretariat_antwerpen", spec)("get", "/api/v1/grants")["count"] == 0
    Api("secretariat_antwerpen", spec)("get", f"/api/v1/grants/{ref}", status=404)
    Api("assessor_gent", spec)("get", "/api/v1/grants", status=403)
