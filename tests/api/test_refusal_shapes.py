"""Refusals found by the schemathesis run (tests/api/test_fuzz.py), each kept as a plain test:
refused input is a 422 `{"errors": {field: [messages]}}` that changes nothing, and every refusal
a route can give is declared in the OpenAPI document."""

import pytest

from gti.accounts.models import AuditEvent
from gti.accounts.services import create_token
from gti.proposals.models import Call
from tests.factories import open_call, person

pytestmark = pytest.mark.usefixtures("loaded")


def _authority():
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(person('managing_authority'))}"}


def test_a_wrong_indicator_kind_answers_422_by_field(client):
    response = client.get("/api/v1/indicators?kind=impact")
    assert response.status_code == 422
    assert list(response.json()) == ["errors"]
    assert list(response.json()["errors"]) == ["kind"]


def test_a_body_that_is_no_json_answers_422_and_changes_nothing(client):
    headers = _authority()
    calls = Call.objects.count()
    response = client.post("/api/v1/calls", "{not json", content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json() == {"errors": {"(body)": ["geen geldige JSON"]}}  # Dutch by default
    assert Call.objects.count() == calls


@pytest.mark.parametrize("body", ['"AAA"', "7", "[]", '{"reason": "x", "unknown": 1}'])
def test_a_body_that_is_not_the_declared_object_is_refused_and_changes_nothing(client, body):
    """A body of optional fields only (a reason) still has to be that object: a bare string
    closed the call."""
    call = open_call()
    headers = _authority()
    events = AuditEvent.objects.count()
    response = client.post(
        f"/api/v1/calls/{call.reference}/close", body, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert list(response.json()) == ["errors"]
    call.refresh_from_db()
    assert call.state == Call.State.PUBLISHED
    assert AuditEvent.objects.count() == events


def test_every_route_declares_the_refusals_it_can_give(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            declared = set(operation["responses"])
            needed = {"404", "422", "429"} | (
                {"401", "403"} if operation.get("security") else set()
            )
            if method != "get":
                needed.add("409")
            assert needed <= declared, (method, path, needed - declared)
            for status in ("422", "429"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/FieldErrors"}, (method, path)


def test_a_nul_character_is_refused_before_any_view(client):
    """PostgreSQL refuses NUL in text: a query, a JSON body or a form holding one is refused
    with the API's error shape (422) or 400 on a page, and nothing is written."""
    headers = _authority()
    response = client.get("/api/v1/proposals?state=G%00k", **headers)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["(request)"]
    calls = Call.objects.count()
    body = '{"title": "Oproep\\u0000", "opens_at": "2026-01-05T09:00:00+01:00"}'
    response = client.post("/api/v1/calls", body, content_type="application/json", **headers)
    assert response.status_code == 422 and Call.objects.count() == calls
    client.force_login(person("secretariat_gent"))
    assert client.get("/en/proposals/?q=a%00b").status_code == 400
    events = AuditEvent.objects.count()
    assert client.post("/en/calls/new/", {"title": "Oproep\x00"}).status_code == 400
    assert AuditEvent.objects.count() == events and Call.objects.count() == calls
