"""The API against its own OpenAPI schema: every route listed, every answer valid."""

import pytest
from jsonschema import Draft202012Validator

SPEC_URL = "/api/v1/openapi.json"
EXAMPLES = {"city": "gent", "code": "SD 2.4"}


@pytest.fixture
def spec(client):
    response = client.get(SPEC_URL)
    assert response.status_code == 200
    return response.json()


def validate(spec, path, method, status, body):
    schema = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    Draft202012Validator({**schema["schema"], "components": spec["components"]}).validate(body)


def concrete(path: str) -> str:
    for name, value in EXAMPLES.items():
        path = path.replace("{" + name + "}", value)
    return path


PUBLIC = {
    "/api/v1/programme",
    "/api/v1/specific-objectives",
    "/api/v1/specific-objectives/{code}",
    "/api/v1/indicators",
    "/api/v1/strategies",
    "/api/v1/strategies/{city}",
    "/api/v1/areas",
}


def _served_routes(patterns=None, prefix="") -> set[str]:
    """Every API address Django serves, written as OpenAPI writes paths (`{name}`)."""
    import re

    from django.urls import URLPattern, get_resolver

    found = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLPattern):
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).rstrip("$").lstrip("^")
            if (
                path.startswith("/api/v1/")
                and path != "/api/v1/"
                and not path.endswith(("/docs", "/openapi.json"))
            ):
                found.add(path.rstrip("/") if path != "/api/v1/" else path)
        else:
            found |= _served_routes(p.url_patterns, route)
    return found


def test_every_served_route_is_in_the_schema_and_back(spec):
    """What Django's URL resolver serves under /api/v1 and what the OpenAPI document lists are
    the same set: a route missing from the schema, or a documented path nobody serves, fails."""
    served = _served_routes()
    documented = {path.rstrip("/") for path in spec["paths"]}
    assert served == documented
    assert documented > {p.rstrip("/") for p in PUBLIC}


def test_public_answers_match_the_schema(client, loaded, spec):
    for path in PUBLIC:
        methods = spec["paths"][path]
        response = client.get(concrete(path))
        assert response.status_code == 200, path
        validate(spec, path, "get", 200, response.json())
        assert response.json(), f"{path} answered with nothing"
        assert set(methods) == {"get"}  # read-only


def test_strategy_of_a_city(client, loaded):
    data = client.get("/api/v1/strategies/antwerpen").json()
    assert data["city"] == "antwerpen"
    assert len(data["principles"]) == 5 and len(data["themes"]) == 7
    assert data["themes"][2]["specific_objectives"] == ["SD 2.4"]


def test_specific_objective_and_filters(client, loaded):
    so = client.get("/api/v1/specific-objectives/SD 2.8").json()
    assert so["priority"] == "P2"
    assert "RCO58" in {i["code"] for i in so["indicators"]}
    results = client.get("/api/v1/indicators?kind=result").json()["items"]
    assert results and {i["kind"] for i in results} == {"result"}
    areas = client.get("/api/v1/areas?city=antwerpen").json()
    assert [a["city"] for a in areas["items"]] == ["antwerpen"] * 9 and areas["count"] == 9


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/v1/strategies/brugge", 404, "No strategy for city: brugge"),
        ("/api/v1/specific-objectives/SD 9.9", 404, "Unknown specific objective: SD 9.9"),
    ],
)
def test_refusals_name_the_problem(client, loaded, url, status, message):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    assert response.json() == {"detail": message}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/strategies/brugge", "Geen strategie voor de stad: brugge"),
        ("/api/v1/specific-objectives/SD 9.9", "Onbekende specifieke doelstelling: SD 9.9"),
    ],
)
def test_refusals_speak_dutch_by_default(client, loaded, url, message):
    assert client.get(url).json() == {"detail": message}


def test_programme_before_loading_is_404(client, nothing_loaded):
    assert client.get("/api/v1/programme").status_code == 404


def test_interactive_docs_are_served_locally(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
