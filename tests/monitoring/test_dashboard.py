"""The programme dashboard on the worked example of tests/monitoring/test_claims.py: Ghent's
Wijkpark (Ledeberg) approved with ERDF 60,000.00, its first claim paid 21,600.00 and put in a
submitted payment application; the figures, the page as each role, the CSV downloads."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gti.monitoring import claims, dashboard, money
from gti.proposals.models import Proposal
from gti.strategy.models import City, Programme
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1, grant, submitted  # noqa: F401
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate()
ZERO = Decimal("0.00")
MONTH = TODAY.strftime("%Y-%m")


@pytest.fixture
def paid(grant):  # noqa: F811
    claim = claims.verify_claim(submitted(grant), by=person("managing_authority"),
                                verdicts=VERDICTS_1)  # fmt: skip
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    application = claims.prepare_payment_application(
        by=person("managing_authority"), city=City.objects.get(code="gent"),
        priority=grant.proposal.specific_objective.priority,
        accounting_year=money.accounting_year(TODAY),
    )  # fmt: skip
    claims.submit_payment_application(application, by=person("managing_authority_2"),
                                      submitted_on=TODAY)  # fmt: skip
    return grant


def test_the_figures_of_the_worked_example(paid):
    proposals = Proposal.objects.all()
    approved = next(r for r in dashboard.pipeline(proposals) if r["state"] == "approved")
    assert (approved["proposals"], approved["granted"]) == (1, Decimal("60000.00"))
    # Claimed: 57,000.00 declared × 40%; verified and paid: 21,600.00.
    assert dashboard.money_over_time(proposals) == [{
        "month": MONTH, "committed": Decimal("60000.00"), "claimed": Decimal("22800.00"),
        "verified": Decimal("21600.00"), "paid": Decimal("21600.00"),
    }]  # fmt: skip
    programme = Programme.objects.get(is_current=True)
    balance = {r["priority"]: r for r in dashboard.balance(proposals, programme)}
    priority = paid.proposal.specific_objective.priority.code
    assert balance[priority]["granted"] == Decimal("60000.00") and balance[priority]["share"] == 1
    assert {r["target"] for r in balance.values()} == {Decimal("0.6"), Decimal("0.4")}
    years = dashboard.n3(programme, TODAY)
    # The programme file's GTI commitments: 315,428.57 a year, 2021 spread over 2022-2027.
    # 2022: 315,428.57 + 52,571.42 = 368,000.00 due by the end of 2025; covered by 21,600.00
    # submitted today only if today is on or before the deadline.
    first = years[0]
    assert (first["year"], first["target"], first["deadline"]) == (2022, "367999.99", "2025-12-31")
    assert first["status"] == ("decommitted" if money.deadline(2022) < TODAY else "at_risk")
    later = [y for y in years if money.deadline(y["year"]) >= TODAY]
    assert all(y["covered"] == "21600.00" for y in later)
    assert dashboard.areas(proposals) == [{
        "area": paid.proposal.areas.get().pk, "code": "ledeberg",
        "name": paid.proposal.areas.get().name, "city": "gent", "projects": 1,
        "erdf": Decimal("60000.00"),
    }]  # fmt: skip


def test_an_amendment_changes_what_is_committed_from_its_month(paid):
    from gti.monitoring import services as grants

    next_month = (TODAY.replace(day=1) + timezone.timedelta(days=32)).replace(day=1)
    version = grants.amend(paid, by=person("managing_authority"), reason="Minder werken",
                           erdf="54000.00", rate="0.36")  # fmt: skip
    grants.approve_version(version, by=person("managing_authority_2"), in_force_from=next_month)
    rows = dashboard.money_over_time(Proposal.objects.all())
    assert [(r["month"], r["committed"]) for r in rows] == [
        (MONTH, Decimal("60000.00")),
        (next_month.strftime("%Y-%m"), Decimal("54000.00")),
    ]


def test_the_map_coloured_by_a_needs_figure_with_the_projects_on_it(paid):
    from gti.strategy.models import Area, AreaStatistic, City

    client = Client()
    client.force_login(person("managing_authority"))
    # No figures of areas yet: nothing to colour the map by but ERDF.
    assert "Colour the map by" not in client.get("/en/monitoring/dashboard/").content.decode()
    gent = City.objects.get(code="gent")
    ledeberg = Area.objects.get(strategy__is_current=True, code="ledeberg")
    for year, value in ((2021, "10320"), (2022, "10500")):
        AreaStatistic.objects.create(city=gent, area=ledeberg, figure="population", year=year,
                                     value=value, source="Buurtmonitor Gent")  # fmt: skip
    page = client.get("/en/monitoring/dashboard/?map=population").content.decode()
    assert "Population per area, with the projects" in page
    assert "<title>Ledeberg: 10500.00 inhabitants (2022)</title>" in page  # the latest year
    table = page[page.index('id="t-map-figure"') :]
    assert '<td>Ledeberg</td><td class="num">10500.00</td><td class="num">2022</td>' in table
    assert page.count('class="projects-marker"') == 1  # Wijkpark, in Ledeberg
    assert "<title>Ledeberg: 1 approved project</title>" in page
    erdf = client.get("/en/monitoring/dashboard/").content.decode()
    assert "<title>Ledeberg: EUR 60,000.00</title>" in erdf and "t-map-figure" not in erdf
    assert client.get("/en/monitoring/dashboard/?map=happiness").status_code == 404


def test_the_page_as_each_role(paid):
    for name in ("secretariat_gent", "steering_gent", "managing_authority", "auditor"):
        client = Client()
        client.force_login(person(name))
        page = client.get("/en/monitoring/dashboard/")
        assert page.status_code == 200, name
        assert "EUR 60,000.00" in page.content.decode()
    for name in ("applicant_gent", "assessor_gent"):
        client = Client()
        client.force_login(person(name))
        assert client.get("/en/monitoring/dashboard/").status_code == 403
    client = Client()
    client.force_login(person("secretariat_antwerpen"))
    page = client.get("/en/monitoring/dashboard/").content.decode()
    assert "EUR 60,000.00" not in page  # Ghent's project is not Antwerp's to see


def test_a_filter_and_the_csv_downloads(paid):
    client = Client()
    client.force_login(person("managing_authority"))
    antwerp = client.get("/en/monitoring/dashboard/?city=antwerpen").content.decode()
    assert "EUR 60,000.00" not in antwerp
    response = client.get("/en/monitoring/dashboard/?city=gent&csv=money")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [{"month": MONTH, "committed": "60000.00", "claimed": "22800.00",
                     "verified": "21600.00", "paid": "21600.00"}]  # fmt: skip
    assert client.get("/en/monitoring/dashboard/?csv=secrets").status_code == 404
    # Counted once, though the visibility rule joins the proposal's two experts' assignments.
    pipeline = list(csv.DictReader(io.StringIO(
        client.get("/en/monitoring/dashboard/?csv=pipeline").content.decode())))  # fmt: skip
    approved = next(r for r in pipeline if r["state"] == "approved")
    assert (approved["proposals"], approved["granted"]) == ("1", "60000.00")


def test_indicators_achieved_against_the_targets(paid):
    """Wijkpark's target is 1.5 ha of RCO26; the accepted first report achieved 0.40, a later
    report still waiting (0.90) does not count yet."""
    from gti.monitoring import reports

    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    content = {"narrative": "Ontwerp klaar.", "risks": "", "milestones": [],
               "indicators": [{"code": "RCO26", "value": "0.40", "reason": ""}]}  # fmt: skip
    first = reports.start_report(paid, by=beneficiary)
    reports.save_report(first, by=beneficiary, **content)
    reports.submit_report(first, by=beneficiary)
    reports.review_report(first, by=authority, outcome="accept")
    second = reports.start_report(paid, by=beneficiary)
    content["indicators"][0]["value"] = "0.90"
    reports.save_report(second, by=beneficiary, **content)
    reports.submit_report(second, by=beneficiary)
    assert dashboard.indicators(Proposal.objects.all()) == [{
        "code": "RCO26", "kind": "output", "projects": 1, "target": Decimal("1.50"),
        "achieved": Decimal("0.40"), "share": Decimal("0.2667"),
    }]  # fmt: skip
    reports.review_report(second, by=authority, outcome="accept")
    assert dashboard.indicators(Proposal.objects.all())[0]["achieved"] == Decimal("0.90")
    client = Client()
    client.force_login(authority)
    page = client.get("/en/monitoring/dashboard/").content.decode()
    assert 'id="t-indicators"' in page and "60%" in page


def test_erdf_per_sustainable_development_goal(paid):
    """Wijkpark's theme (Ghent's climate adaptation) serves its goals: each gets its 60,000.00."""
    goals = paid.proposal.theme.sdgs
    assert goals  # the strategy file gives every theme its goals
    rows = dashboard.sdgs(Proposal.objects.all())
    assert [(r["sdg"], r["projects"], r["erdf"]) for r in rows] == [
        (n, 1, Decimal("60000.00")) for n in sorted(goals)]  # fmt: skip
    client = Client()
    client.force_login(person("managing_authority"))
    rows = list(csv.DictReader(io.StringIO(
        client.get("/en/monitoring/dashboard/?csv=sdgs").content.decode())))  # fmt: skip
    assert rows[0]["erdf"] == "60000.00" and rows[0]["name"]


def test_a_project_counts_once_per_goal_with_the_goals_it_adds(paid):
    """Wijkpark adds a goal of its theme (counted once, not twice) and one of its own; its
    accepted report's 0.40 ha of RCO26 is the result under each of its goals."""
    from gti.monitoring import reports

    theme_goals = sorted(paid.proposal.theme.sdgs)
    own = next(n for n in range(1, 18) if n not in theme_goals)
    Proposal.objects.filter(pk=paid.proposal.pk).update(sdgs=[theme_goals[0], own])
    rows = dashboard.sdgs(Proposal.objects.all())
    assert [(r["sdg"], r["projects"], r["erdf"]) for r in rows] == [
        (n, 1, Decimal("60000.00")) for n in sorted([*theme_goals, own])]  # fmt: skip
    assert dashboard.sdg_results(Proposal.objects.all()) == []  # no accepted report yet

    beneficiary = person("applicant_gent")
    report = reports.start_report(paid, by=beneficiary)
    reports.save_report(report, by=beneficiary, narrative="Ontwerp klaar.", risks="",
                        milestones=[], indicators=[{"code": "RCO26", "value": "0.40",
                                                    "reason": ""}])  # fmt: skip
    reports.submit_report(report, by=beneficiary)
    reports.review_report(report, by=person("managing_authority"), outcome="accept")
    results = dashboard.sdg_results(Proposal.objects.all())
    assert [(r["sdg"], r["indicator"], r["projects"], r["achieved"]) for r in results] == [
        (n, "RCO26", 1, Decimal("0.40")) for n in sorted([*theme_goals, own])]  # fmt: skip
    client = Client()
    client.force_login(person("managing_authority"))
    assert 'id="t-sdg-results"' in client.get("/en/monitoring/dashboard/").content.decode()
    rows = list(csv.DictReader(io.StringIO(
        client.get("/en/monitoring/dashboard/?csv=sdg_results").content.decode())))  # fmt: skip
    assert rows[0] == {"sdg": str(min([*theme_goals, own])), "indicator": "RCO26",
                       "projects": "1", "achieved": "0.40",
                       "name": rows[0]["name"]} and rows[0]["name"]  # fmt: skip


def test_a_moment_counts_in_its_local_month(paid):
    """Money over time takes months in Brussels time: a claim verified on 31 January at 23:30 UTC
    (00:30 on 1 February in Brussels) is verified in February, on every database."""
    from gti.monitoring.models import Claim

    verified = datetime.datetime(2025, 1, 31, 23, 30, tzinfo=datetime.UTC)
    Claim.objects.filter(grant=paid).update(verified_at=verified)
    rows = dashboard.money_over_time(Proposal.objects.all())
    assert rows[0] == {"month": "2025-02", "committed": ZERO, "claimed": ZERO,
                       "verified": Decimal("21600.00"), "paid": ZERO}  # fmt: skip
    Claim.objects.filter(grant=paid).update(verified_at=verified - datetime.timedelta(hours=1))
    assert dashboard.money_over_time(Proposal.objects.all())[0]["month"] == "2025-01"


def test_the_programme_milestones_beside_the_indicators(paid):
    """With a performance framework in the programme file (RCO26: milestone 2024 0.50 ha, target
    2029 3.00 ha; RCO74, which no project targets yet), the indicator figure shows both in its
    table and as markers on the scale of the projects' targets (Wijkpark's 1.5 ha)."""
    import json
    import re

    programme = Programme.objects.get(is_current=True)
    programme.source = {**programme.source, "performance": {"indicators": [
        {"indicator": "RCO26", "milestone_2024": "0.50", "target_2029": "3.00"},
        {"indicator": "RCO74", "milestone_2024": "1000", "target_2029": "5000"},
    ]}}  # fmt: skip
    programme.save(update_fields=["source"])
    rows = dashboard.indicators(Proposal.objects.all(), programme)
    assert rows == [
        {"code": "RCO26", "kind": "output", "projects": 1, "target": Decimal("1.50"),
         "achieved": ZERO, "share": ZERO, "milestone_2024": Decimal("0.50"),
         "target_2029": Decimal("3.00")},
        {"code": "RCO74", "kind": "output", "projects": 0, "target": ZERO, "achieved": ZERO,
         "share": ZERO, "milestone_2024": Decimal("1000.00"), "target_2029": Decimal("5000.00")},
    ]  # fmt: skip
    client = Client()
    client.force_login(person("managing_authority"))
    page = client.get("/en/monitoring/dashboard/").content.decode()
    table = page[page.index('id="t-indicators"') :]
    table = table[: table.index("</table>")]
    assert "Programme milestone 2024" in table and "Programme target 2029" in table
    assert '<td class="num">0.50</td><td class="num">3.00</td>' in table
    found = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page, re.S)
    chart = json.loads(found.group(1))["indicators"]["data"]
    markers = {trace["name"]: trace["x"] for trace in chart[1:]}
    assert chart[0]["y"] == ["RCO26", "RCO74"]
    # 0.50 and 3.00 of 1.50 ha; RCO74 has no projects' target to measure against: no marker.
    assert markers == {"programme milestone 2024": ["0.3333", None],
                       "programme target 2029": ["2.0000", None]}  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(
        client.get("/en/monitoring/dashboard/?csv=indicators").content.decode())))  # fmt: skip
    assert (rows[0]["milestone_2024"], rows[0]["target_2029"]) == ("0.50", "3.00")
