"""The public portal (`/portal/`): the approved operations with filters, search, pages and the
open-data downloads, read only through `operations.published`; on the full demo data, nothing
unpublished appears on any page or in any download."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from gti.opendata import compare as comparing
from gti.opendata import operations, views_portal
from gti.opendata.formats import FORMATS
from gti.proposals.models import Proposal
from gti.templatetags.money import format_eur
from tests.opendata.test_export import _xlsx_text, parse, unpublished


@pytest.fixture
def demo(demo_made, db):
    """The approved projects of the demo (made once for the module), by reference."""
    return {p.reference: p for p in Proposal.objects.filter(state="approved").order_by("reference")}


def listed(response) -> list[str]:
    """The references of the projects on a list page, in order."""
    text = response.content.decode()
    return [ref for ref in _references() if f'/portal/operations/{ref}/"' in text]


def _references():
    return sorted(Proposal.objects.values_list("reference", flat=True))


def test_the_list_shows_every_approved_project_to_anyone_and_the_menu_links_to_it(
    client, demo, django_assert_max_num_queries
):
    assert len(demo) >= 3 and Proposal.objects.exclude(state="approved").exists()
    with django_assert_max_num_queries(25):  # not one per project
        response = client.get("/en/portal/")
    assert response.status_code == 200
    assert listed(response) == sorted(demo)
    home = client.get("/en/programme/").content.decode()
    assert 'href="/en/portal/"' in home and "Approved projects" in home
    # Dutch at /portal/: the names of the strategy in Dutch
    response = client.get("/portal/")
    assert response.status_code == 200 and 'lang="nl"' in response.content.decode()
    assert listed(response) == sorted(demo)


@pytest.mark.parametrize("name", ["city", "theme", "objective", "area", "status", "sdg"])
def test_each_filter_lists_the_approved_projects_it_selects(client, demo, name):
    first = next(iter(demo.values()))
    value = {
        "city": lambda p: p.city.code,
        "theme": lambda p: p.theme.code,
        "objective": lambda p: p.specific_objective.code,
        "area": lambda p: p.areas.order_by("code").first().code,
        "status": lambda p: "running",
        "sdg": lambda p: p.theme.sdgs[0],
    }[name](first)
    expected = {
        "city": lambda p: p.city.code == value,
        "theme": lambda p: p.theme.code == value,
        "objective": lambda p: p.specific_objective.code == value,
        "area": lambda p: p.areas.filter(code=value).exists(),
        "status": lambda p: hasattr(p, "grant") and p.grant.versions.filter(state="approved"),
        "sdg": lambda p: value in p.theme.sdgs or value in p.sdgs,
    }[name]
    wanted = sorted(ref for ref, p in demo.items() if expected(p))
    assert first.reference in wanted
    response = client.get("/en/portal/", {name: value})
    assert response.status_code == 200
    assert listed(response) == wanted
    if name == "city":
        assert len(wanted) < len(demo)  # the filter leaves something out


def test_a_goal_of_the_project_itself_selects_it(client, demo):
    own = next(p for p in demo.values() if p.sdgs and p.sdgs[0] not in p.theme.sdgs)
    response = client.get("/en/portal/", {"sdg": own.sdgs[0]})
    assert own.reference in listed(response)


def test_the_status_filter_tells_running_from_closed_and_not_started(client, demo):
    from gti.monitoring.models import Grant

    closing = next(iter(demo.values()))
    Grant.objects.filter(proposal=closing).update(state=Grant.State.CLOSED)
    assert listed(client.get("/en/portal/", {"status": "closed"})) == [closing.reference]
    assert closing.reference not in listed(client.get("/en/portal/", {"status": "running"}))
    page = client.get(f"/en/portal/operations/{closing.reference}/").content.decode()
    assert '<span class="state state-closed">closed</span>' in page
    assert listed(client.get("/en/portal/", {"status": "approved"})) == []
    # approved, the grant not opened yet: approved, not started
    waiting = Proposal.objects.filter(state="validated").first()
    Proposal.objects.filter(pk=waiting.pk).update(state="approved")
    assert listed(client.get("/en/portal/", {"status": "approved"})) == [waiting.reference]
    assert operations.one(waiting.reference).status == operations.Status.APPROVED


def test_words_are_searched_in_the_name_and_purpose_of_approved_projects_only(client, demo):
    heat = next(p for p in demo.values() if "warmtenetten" in p.title)
    # a proposal not approved with the same word stays out
    assert Proposal.objects.exclude(state="approved").filter(title__icontains="warmtenetten")
    assert listed(client.get("/en/portal/", {"q": "warmtenetten"})) == [heat.reference]
    word = max(heat.summary.split(), key=len).strip(".,;:()")
    assert heat.reference in listed(client.get("/en/portal/", {"q": word}))
    assert listed(client.get("/en/portal/", {"q": "zzzgeenwoord"})) == []
    # the description is not published: its words find nothing
    Proposal.objects.filter(pk=heat.pk).update(description="Geheimwoord in de beschrijving")
    assert listed(client.get("/en/portal/", {"q": "Geheimwoord"})) == []


@pytest.mark.parametrize(
    ("query", "field", "label"),
    [
        ({"city": "brugge"}, "city", "City"),
        ({"theme": "nope"}, "theme", "Theme"),
        ({"objective": "9.9"}, "objective", "Specific objective"),
        ({"area": "atlantis"}, "area", "Area"),
        ({"status": "dreaming"}, "status", "Status"),
        ({"sdg": "18"}, "sdg", "Sustainable Development Goal"),
        ({"sdg": "x"}, "sdg", "Sustainable Development Goal"),
        ({"q": "w" * 201}, "q", "Words"),
    ],
)
def test_a_bad_filter_is_named_and_lists_nothing(client, demo, query, field, label):
    response = client.get("/en/portal/", query)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="err-{field}">{label}: ' in text and 'aria-invalid="true"' in text
    assert listed(response) == [] and "projects-marker" not in text


def test_pages_of_the_list_keep_the_filters(client, demo, monkeypatch):
    monkeypatch.setattr(views_portal, "PER_PAGE", 2)
    references = sorted(demo)
    first = client.get("/en/portal/", {"status": "running"})
    assert listed(first) == references[:2]
    text = first.content.decode()
    assert "Page 1 of" in text and "?status=running&amp;page=2" in text
    second = client.get("/en/portal/", {"status": "running", "page": 2})
    assert listed(second) == references[2:4]
    assert listed(client.get("/en/portal/", {"page": "abc"})) == references[:2]


def test_the_map_marks_the_areas_of_the_listed_projects(client, demo):
    gent = [p for p in demo.values() if p.city.code == "gent"]
    text = client.get("/en/portal/", {"city": "gent"}).content.decode()
    for area in gent[0].areas.all():
        assert f"{area.name}: 1 project</title></circle>" in text
    assert text.count("projects-marker") == len({a.code for p in gent for a in p.areas.all()})


def test_a_project_page_shows_its_published_fields(client, demo):
    proposal = next(iter(demo.values()))
    with translation.override("en"):
        row = operations.one(proposal.reference)
    response = client.get(f"/en/portal/operations/{proposal.reference}/")
    assert response.status_code == 200
    text = response.content.decode()
    for value in (row.operation_name, row.beneficiary, row.specific_objective, row.theme,
                  row.start_date, row.expected_end_date, row.city):  # fmt: skip
        assert value and value in text
    assert row.purpose_and_achievements.split(".")[0] in text
    assert f"{(Decimal(row.union_cofinancing_rate) * 100).normalize():f}%" in text  # 0.35: 35%
    assert format_eur(row.eu_contribution_eur, "en") in text


def test_a_reference_not_published_is_404(client, demo):
    waiting = Proposal.objects.exclude(state="approved").first()
    assert client.get(f"/en/portal/operations/{waiting.reference}/").status_code == 404
    assert client.get("/en/portal/operations/GTI-0000-X-000/").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_download_is_the_published_list_of_the_city_asked(client, demo, fmt):
    response = client.get(f"/en/portal/operations.{fmt}", {"city": "gent"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="gti-operations-gent.{fmt}"'
    _keys, rows = parse(fmt, b"".join(response.streaming_content))
    with translation.override("en"):
        assert rows == [o.row() for o in operations.published("gent")]
    assert rows and {r["city"] for r in rows} == {"Ghent"}


def test_a_bad_download_is_refused(client, demo):
    response = client.get("/en/portal/operations.csv", {"city": "brugge"})
    assert response.status_code == 400 and response.content.startswith(b"city: ")
    assert client.get("/en/portal/operations.pdf").status_code == 404


def test_no_unpublished_value_appears_on_any_page_or_download(client, demo, monkeypatch):
    approved_names = {p.title for p in demo.values()}
    secret = unpublished(approved_names)
    assert any("@" in v for v in secret)
    monkeypatch.setattr(views_portal, "PER_PAGE", 2)  # every page of the list
    texts = []
    for prefix in ("", "/en"):
        page = 1
        while True:
            response = client.get(f"{prefix}/portal/", {"page": page})
            texts.append(response.content.decode())
            if f"page={page + 1}" not in texts[-1]:
                break
            page += 1
        assert page > 1
        for reference in demo:
            texts.append(client.get(f"{prefix}/portal/operations/{reference}/").content.decode())
        for fmt in FORMATS:
            data = b"".join(client.get(f"{prefix}/portal/operations.{fmt}").streaming_content)
            texts.append(_xlsx_text(data) if fmt == "xlsx" else data.decode())
    assert json.loads(texts[-1])  # the last download read back
    leaked = sorted({v for v in secret for text in texts if v in text})
    assert leaked == []


def test_the_portal_reads_the_operations_only_through_the_published_list():
    """No proposal, grant or report model is within the views' reach: what they show is what
    `operations` publishes."""
    from tests.test_layers import SRC, imported

    names = imported(SRC / "opendata" / "views_portal.py")
    assert "gti.opendata.operations" in names
    assert not {n for n in names if n.startswith(("gti.proposals", "gti.monitoring"))}


# --- the DCAT-AP description -------------------------------------------------------------------


def test_the_dcat_description_names_each_dataset_and_its_downloads(client, demo, settings):
    import rdflib
    from rdflib.namespace import DCAT, DCTERMS, RDF

    response = client.get("/portal/catalog.jsonld")
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    graph = rdflib.Graph().parse(data=response.content, format="json-ld")
    datasets = sorted(graph.subjects(RDF.type, DCAT.Dataset))
    assert [str(d) for d in datasets] == [
        "http://testserver/portal/", "http://testserver/portal/?city=antwerpen",
        "http://testserver/portal/?city=gent"]  # fmt: skip
    changes = {
        None: max(o.last_updated for o in operations.published()),
        "gent": max(o.last_updated for o in operations.published("gent")),
    }
    for dataset in datasets:
        titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
        assert titles == {"nl", "en"} and graph.value(dataset, DCTERMS.description)
        city = dataset.split("city=")[1] if "city=" in dataset else None
        if city in changes:
            assert str(graph.value(dataset, DCTERMS.modified)) == changes[city]
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == 4
        for distribution in distributions:
            assert graph.value(distribution, DCAT.accessURL) == dataset
            assert str(graph.value(distribution, DCTERMS.license)) == settings.GTI_OPENDATA_LICENSE
            url = str(graph.value(distribution, DCAT.downloadURL))
            assert client.get(url.removeprefix("http://testserver")).status_code == 200, url
    assert graph.value(None, RDF.type, DCAT.Catalog) is not None


def test_the_geojson_credits_the_cities_boundaries(client, demo):
    data = json.loads(b"".join(client.get("/en/portal/operations.geojson").streaming_content))
    assert data["type"] == "FeatureCollection" and data["features"]
    assert "City of Antwerp" in data["attribution"] and "City of Ghent" in data["attribution"]


# --- beside other regions ----------------------------------------------------------------------


def test_the_gti_beside_another_regions_list_by_objective_and_cost(client, demo, tmp_path):
    from tests.opendata.test_import import row, run, write

    empty = client.get("/en/portal/compare/").content.decode()
    assert "No list of another region has been imported yet" in empty
    rows = [row(operation_id="NRW-1", total_cost_eur="1000.00", eu_contribution_eur="400.00",
                eligible_cost_eur="1000.00"),
            row(operation_id="NRW-2", total_cost_eur="2000.00", eu_contribution_eur="800.00",
                eligible_cost_eur="2000.00"),
            row(operation_id="NRW-3", specific_objective="RSO2.7", total_cost_eur="500.00",
                eligible_cost_eur="500.00", eu_contribution_eur="100.00")]  # fmt: skip
    assert run(write(tmp_path / "nrw.csv", rows), "--source", "NRW 2021-2027")[0] == 0
    found = comparing.comparison()
    assert found.lists == ["GTI Antwerp and Ghent", "NRW 2021-2027"]
    by_objective = dict(found.rows)
    nrw = by_objective["RSO5.1"][1]
    assert (nrw.count, nrw.total, nrw.average) == (2, Decimal("3000.00"), Decimal("1500.00"))
    assert by_objective["RSO5.1"][0] is None  # the GTI names its objectives otherwise
    gti_total = found.totals[0]
    assert gti_total.count == len(demo)
    assert gti_total.total == sum(Decimal(o.total_cost_eur) for o in operations.published())
    page = client.get("/en/portal/compare/").content.decode()
    assert "NRW 2021-2027" in page and "RSO2.7" in page and format_eur(Decimal("1500.00")) in page
    assert 'href="/en/portal/compare/"' in client.get("/en/portal/").content.decode()
