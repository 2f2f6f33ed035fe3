"""A list costs a fixed number of database queries per page, whatever the number of rows.

Each list is asked once with a few rows and once with many (both cities, several states, with
partners, cost lines, indicators, areas, assessments, rounds and scenarios), as the role that
sees the most. The count must be the same both times (no query per row) and equal the pinned
number, so that a new query per page is a conscious change. Every request is made once before
it is measured: the first request of a key or a session may write (the key's last use).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gti.accounts.models import Role
from gti.accounts.services import create_token, create_user
from gti.portfolio import services as portfolio
from gti.strategy.models import City, Programme
from tests.factories import (
    draft,
    efro_assessed,
    efro_call,
    efro_submitted,
    efro_validated,
    open_call,
    person,
    preregistration,
    submitted,
)

pytestmark = pytest.mark.usefixtures("loaded")


def _envelopes(themed: bool):
    programme = Programme.objects.get(is_current=True)
    for code in ("antwerpen", "gent"):
        lines = [{"priority": "P1", "amount": "2000000"}, {"priority": "P2", "amount": "3000000"}]
        if themed:
            lines += [{"priority": "P2", "theme": "klimaatadaptatie", "amount": "500000"}]
        portfolio.set_envelopes(
            by=person("managing_authority"), programme=programme,
            city=City.objects.get(code=code), lines=lines,
        )  # fmt: skip


def build(base, n: int) -> None:
    """Batch `n` of rows: a validated proposal of Antwerp (with its validation round) and an
    assessed one of Ghent in the base call; a call of both cities with a submitted proposal of
    Ghent and a pre-registration; a call Ghent runs itself with a submitted proposal and a
    draft; a scenario of the base call, an API key and an account."""
    call = base if n == 0 else efro_call(title=f"GTI-oproep {n}")
    efro_validated(base, "antwerpen", title=f"Klimaatplein {n}")
    efro_assessed(base, "gent", title=f"Wijkpark {n}")
    efro_submitted(call, "gent", title=f"Schoolstraat {n}", priority="P1")
    preregistration(call, title=f"Idee {n}")
    city_call = open_call("gent", title=f"Oproep Gent {n}")
    submitted(city_call, title=f"Groene gevel {n}")
    draft(city_call, title=f"Ontwerp {n}")
    portfolio.run_scenario(base, by=person("managing_authority"), name=f"Scenario {n}", options={})
    _grant(base, n)
    create_token(person("managing_authority"), name=f"key {n}")
    create_user(
        f"applicant_extra_{n}", role=Role.APPLICANT, city=City.objects.get(code="gent"),
        by=person("secretariat_gent"), email=f"extra{n}@example.org",
    )  # fmt: skip


def _grant(call, n: int) -> None:
    """An approved proposal of Ghent with its grant: version 1 in force, an amendment waiting."""
    import datetime

    from gti.monitoring import services as grants
    from tests.monitoring.test_grants import approved

    proposal = approved(call, "gent", title=f"Groen plein {n}")
    grant = grants.open_grant(proposal, by=person("managing_authority"))
    grants.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                           in_force_from=datetime.date(2026, 1, 1))  # fmt: skip
    grants.amend(grant, by=person("managing_authority"), reason="Mijlpaal",
                 milestones=[{"title": "Oplevering", "due": "2027-06-30"}])  # fmt: skip
    _claim(n)


def _claim(n: int) -> None:
    """A claim on the first grant, verified, paid and in a payment application of its own."""
    from django.utils import timezone

    from gti.monitoring import claims, money
    from tests.monitoring.test_claims import CLAIM_1

    grant = _first_grant()
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    claim = claims.start_claim(grant, by=beneficiary)
    works = [line for line in CLAIM_1 if line["category"] == "works"]  # the grant's category
    lines = [{**line, "invoice": f"{line['invoice']}-{n}"} for line in works]
    claims.save_lines(claim, by=beneficiary, lines=lines)
    claims.submit_claim(claim, by=beneficiary)
    verdicts = [{"line": k, "outcome": "accept"} for k in range(1, len(lines) + 1)]
    claims.verify_claim(claim, by=authority, verdicts=verdicts)
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=timezone.localdate())
    claims.prepare_payment_application(
        by=authority, city=grant.proposal.city, priority=grant.proposal.specific_objective.priority,
        accounting_year=money.accounting_year(timezone.localdate()),
    )  # fmt: skip


def _first_grant():
    from gti.monitoring.models import Grant

    return Grant.objects.select_related("proposal").get(proposal__title="Groen plein 0")


@pytest.fixture
def base():
    _envelopes(themed=False)
    return efro_call(
        title="GTI-oproep basis", envelopes={"P1": Decimal("1000000"), "P2": Decimal("2000000")}
    )


def _api(name):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(person(name))}"}
    return lambda path: client.get(path, **headers)


def _page(name):
    client = Client()
    if name:
        client.force_login(person(name))
    return client.get


def measure(targets: dict) -> dict:
    counts = {}
    for label, (get, path) in targets.items():
        assert get(path).status_code == 200, label
        with CaptureQueriesContext(connection) as queries:
            response = get(path)
        assert response.status_code == 200, label
        counts[label] = len(queries)
    return counts


def api_targets(call):
    ma = _api("managing_authority")
    return {
        "GET /calls": (ma, "/api/v1/calls"),
        "GET /proposals": (ma, "/api/v1/proposals"),
        "GET /proposals?city=gent&sort=-score": (ma, "/api/v1/proposals?city=gent&sort=-score"),
        "GET /preregistrations": (ma, "/api/v1/preregistrations"),
        "GET /calls/{ref}/scenarios": (ma, f"/api/v1/calls/{call.reference}/scenarios"),
        "GET /calls/{ref}/envelopes": (ma, f"/api/v1/calls/{call.reference}/envelopes"),
        "GET /portfolio/gent/envelopes": (ma, "/api/v1/portfolio/gent/envelopes"),
        "GET /specific-objectives": (ma, "/api/v1/specific-objectives"),
        "GET /indicators": (ma, "/api/v1/indicators"),
        "GET /strategies": (ma, "/api/v1/strategies"),
        "GET /areas": (ma, "/api/v1/areas"),
        "GET /grants": (ma, "/api/v1/grants"),
        "GET /grants/{ref}/claims": (
            ma,
            f"/api/v1/grants/{_first_grant().proposal.reference}/claims",
        ),
        "GET /payment-applications": (ma, "/api/v1/payment-applications"),
        "GET /operations (no key)": (Client().get, "/api/v1/operations"),
        "GET /operations?sort=-total_cost_eur (no key)": (
            Client().get,
            "/api/v1/operations?sort=-total_cost_eur",
        ),
    }


def page_targets(call):
    ma, sec = _page("managing_authority"), _page("secretariat_gent")
    return {
        "/calls/": (ma, "/en/calls/"),
        "/proposals/": (ma, "/en/proposals/"),
        "/preregistrations/": (ma, "/en/preregistrations/"),
        "/accounts/users/": (ma, "/en/accounts/users/"),
        "/accounts/users/ (secretariat)": (sec, "/en/accounts/users/"),
        "/accounts/audit/": (ma, "/en/accounts/audit/"),
        "/calls/<ref>/scenarios/": (ma, f"/en/calls/{call.reference}/scenarios/"),
        "/portfolio/gent/": (ma, "/en/portfolio/gent/"),
        "/accounts/dashboard/": (ma, "/en/accounts/dashboard/"),
        "/accounts/dashboard/ (secretariat)": (sec, "/en/accounts/dashboard/"),
        "/accounts/dashboard/ (applicant)": (_page("applicant_gent"), "/en/accounts/dashboard/"),
        "/accounts/api-keys/": (ma, "/en/accounts/api-keys/"),
        "/": (ma, "/en/"),
        "/programme/": (ma, "/en/programme/"),
        "/strategies/gent/": (_page("steering_gent"), "/en/strategies/gent/"),
        "/strategies/themes/": (ma, "/en/strategies/themes/"),
        "/monitoring/grants/": (ma, "/en/monitoring/grants/"),
        "/monitoring/grants/<ref>/claims/": (
            ma,
            f"/en/monitoring/grants/{_first_grant().proposal.reference}/claims/",
        ),
        "/monitoring/payment-applications/": (ma, "/en/monitoring/payment-applications/"),
        "/monitoring/dashboard/": (ma, "/en/monitoring/dashboard/"),
        "/monitoring/reports/annual/": (ma, "/en/monitoring/reports/annual/?year=2026"),
        "/monitoring/reports/annual/ (secretariat)": (
            sec,
            "/en/monitoring/reports/annual/?year=2026&city=gent",
        ),
        "/portal/ (anyone)": (_page(None), "/en/portal/"),
    }


# Queries per request, the same for a few rows and for many. Each counts the session and the
# user (pages) or the key and its last use (API), the role grants, and a count for the pages.
API_QUERIES = {
    "GET /calls": 11,
    "GET /proposals": 12,
    "GET /proposals?city=gent&sort=-score": 12,
    "GET /preregistrations": 6,
    "GET /calls/{ref}/scenarios": 6,
    "GET /calls/{ref}/envelopes": 6,
    "GET /portfolio/gent/envelopes": 8,
    "GET /specific-objectives": 4,
    "GET /indicators": 3,
    "GET /strategies": 9,
    "GET /areas": 2,
    "GET /grants": 6,
    "GET /grants/{ref}/claims": 7,
    "GET /payment-applications": 8,
    "GET /operations (no key)": 9,  # the filters' choices kept: one query for their key
    "GET /operations?sort=-total_cost_eur (no key)": 9,
}
# Every page a signed-in person opens counts their unread notifications for the header: +1.
PAGE_QUERIES = {
    "/calls/": 9,
    "/proposals/": 14,
    "/preregistrations/": 8,
    "/accounts/users/": 11,
    "/accounts/users/ (secretariat)": 13,
    "/accounts/audit/": 8,
    "/calls/<ref>/scenarios/": 24,
    "/portfolio/gent/": 15,
    "/accounts/dashboard/": 17,  # + the coming deadlines: calls, returns, reports, plans, rounds
    "/accounts/dashboard/ (secretariat)": 17,
    "/accounts/dashboard/ (applicant)": 14,
    "/accounts/api-keys/": 7,
    "/": 15,
    "/programme/": 11,
    "/strategies/gent/": 20,  # + the participation summary (totals, per channel)
    "/strategies/themes/": 14,
    "/monitoring/grants/": 9,
    "/monitoring/grants/<ref>/claims/": 9,  # + the plan of coming claims
    "/monitoring/payment-applications/": 12,
    "/monitoring/dashboard/": 28,  # + planned claims, results per SDG, map figures, own cities
    "/monitoring/reports/annual/": 64,  # a section per city and one for the GTI
    "/monitoring/reports/annual/ (secretariat)": 30,
    "/portal/ (anyone)": 14,  # the key of the kept choices and map drawing, the page, its counts
}


def test_every_list_costs_the_same_queries_for_few_rows_and_many(base):
    build(base, 0)  # 4 proposals the managing authority sees, 2 calls, 1 scenario …
    few_api, few_pages = measure(api_targets(base)), measure(page_targets(base))
    build(base, 1)
    build(base, 2)  # … 12 proposals, 6 calls, 3 scenarios, themed envelopes, 3 rounds
    _envelopes(themed=True)
    many_api, many_pages = measure(api_targets(base)), measure(page_targets(base))

    assert many_api == few_api  # no query per row
    assert many_pages == few_pages
    assert few_api == API_QUERIES
    assert few_pages == PAGE_QUERIES
