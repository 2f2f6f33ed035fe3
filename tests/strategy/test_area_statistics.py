"""Figures per area: `gti areas import-stats`, the area page and its API route."""

import io
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command

from gti.accounts.models import AuditEvent
from gti.proposals.models import Proposal
from gti.strategy import figures
from gti.strategy.models import AreaStatistic
from tests.factories import draft, person, submitted

HEADER = "city,area,figure,year,value,source\n"
GOOD = HEADER + (
    "gent,ledeberg,population,2022,10500,Buurtmonitor Gent\n"
    "gent,ledeberg,population,2021,10320,Buurtmonitor Gent\n"
    "gent,ledeberg,unemployment_rate,2022,12.4,Buurtmonitor Gent\n"
    "gent,,population,2022,265086,Statistiek Vlaanderen\n"
    "antwerpen,borgerhout,green_walking_distance,2022,61.5,Stad in cijfers\n"
)


def write(tmp_path, text, name="figures.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path):
    """The command as a person runs it: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("areas", "import-stats", str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_good_file_imports_every_figure_with_source_and_year(loaded, tmp_path):
    code, out, err = run(write(tmp_path, GOOD))
    assert code == 0, out
    assert "5 figure(s) imported: 5 new, 0 updated" in out
    assert "imported 5/5" in err  # the progress line
    ledeberg = AreaStatistic.objects.get(area__code="ledeberg", figure="population", year=2022)
    assert ledeberg.value == Decimal("10500.00") and ledeberg.source == "Buurtmonitor Gent"
    assert ledeberg.area.strategy.is_current and ledeberg.city.code == "gent"
    whole = AreaStatistic.objects.get(city__code="gent", area=None, figure="population")
    assert whole.value == Decimal("265086")
    assert AreaStatistic.objects.get(figure="unemployment_rate").value == Decimal("12.4")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("brugge,,population,2022,1,x", "figures.csv:3:city: no strategy loaded for 'brugge'"),
        ("gent,rabot,population,2022,1,x", "figures.csv:3:area: gent has no area 'rabot'"),
        (
            "gent,ledeberg,inhabitants,2022,1,x",
            "figures.csv:3:figure: unknown figure 'inhabitants'",
        ),
        ("gent,ledeberg,population,twenty,1,x", "figures.csv:3:year: not a whole number"),
        ("gent,ledeberg,population,1850,1,x", "figures.csv:3:year: Input should be greater than"),
        ('gent,ledeberg,population,2022,"1,5",x', "figures.csv:3:value: not a number"),
        ("gent,ledeberg,population,2022,1.234,x", "figures.csv:3:value: more than two decimals"),
        ("gent,ledeberg,population,2022,NaN,x", "figures.csv:3:value:"),
        ("gent,ledeberg,population,2022,1,", "figures.csv:3:source: empty"),
        ("gent,ledeberg,population,2022,1", "figures.csv:3:(row): expected 6 values"),
        ("gent,ledeberg,population,2022,1,x,extra", "figures.csv:3:(row): expected 6 values"),
        (
            "gent,ledeberg,unemployment_rate,2022,9,x",
            "figures.csv:3:year: the same figure and year as line 2",
        ),  # noqa: E501
    ],
)
def test_each_bad_row_is_named_by_line_and_column_and_nothing_is_imported(
    loaded, tmp_path, row, expected
):
    text = HEADER + "gent,ledeberg,unemployment_rate,2022,12.4,Buurtmonitor Gent\n" + row + "\n"
    events = AuditEvent.objects.count()
    code, out, _ = run(write(tmp_path, text))
    assert code == 2
    assert out.splitlines()[0].startswith(expected), out
    assert "nothing imported: 1 problem(s)" in out
    assert not AreaStatistic.objects.exists()  # the good line 2 was not imported either
    assert AuditEvent.objects.count() == events


def test_every_bad_row_is_reported_at_once(loaded, tmp_path):
    text = HEADER + "gent,rabot,population,2022,1,x\ngent,,population,2022,1,x\nfoo,,x,y,z,\n"
    code, out, _ = run(write(tmp_path, text))
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == "figures.csv:2:area: gent has no area 'rabot'"
    assert [line.split(":")[1:3] for line in lines[1:-1]] == [
        ["4", "year"], ["4", "value"], ["4", "source"],
    ]  # fmt: skip
    assert lines[-1] == "nothing imported: 4 problem(s)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER.replace(",source", "") + "gent,,population,2022,1\n",
         "figures.csv:1:source: missing column"),
        (HEADER.strip() + ",note\n", "figures.csv:1:note: unknown column"),
        ("", "figures.csv:1:(file): empty file"),
    ],
)  # fmt: skip
def test_a_wrong_header_is_refused(loaded, tmp_path, text, expected):
    code, out, _ = run(write(tmp_path, text))
    assert code == 2 and out.startswith(expected)
    assert not AreaStatistic.objects.exists()


def test_a_file_that_is_not_there_or_not_utf8(loaded, tmp_path):
    assert run(tmp_path / "missing.csv")[1].startswith(
        f"{tmp_path / 'missing.csv'}:0:(file): file not found"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "gent,,population,2022,1,Léon\n").encode("latin-1"))
    assert run(latin)[1].startswith(f"{latin}:0:(file): not UTF-8 text")
    assert not AreaStatistic.objects.exists()


def test_reimport_updates_a_figure_of_the_same_area_figure_and_year(loaded, tmp_path):
    run(write(tmp_path, GOOD))
    again = HEADER + (
        "gent,ledeberg,population,2022,10600,Buurtmonitor Gent (corrected)\n"
        "gent,ledeberg,population,2023,10700,Buurtmonitor Gent\n"
    )
    code, out, _ = run(write(tmp_path, again, "again.csv"))
    assert code == 0 and "2 figure(s) imported: 1 new, 1 updated" in out
    row = AreaStatistic.objects.get(area__code="ledeberg", figure="population", year=2022)
    assert (row.value, row.source) == (Decimal("10600"), "Buurtmonitor Gent (corrected)")
    assert AreaStatistic.objects.count() == 6


def test_the_import_writes_one_audit_event_with_the_count(loaded, tmp_path):
    before = AuditEvent.objects.count()
    run(write(tmp_path, GOOD))
    events = AuditEvent.objects.filter(action="strategy.figures.imported")
    assert AuditEvent.objects.count() == before + 1 and events.count() == 1
    event = events.get()
    assert event.after["rows"] == 5 and event.after["created"] == 5
    assert event.after["cities"] == ["antwerpen", "gent"] and event.actor_name == "system"


def test_progress_is_shown_for_long_files(loaded, tmp_path):
    rows = "".join(f"gent,ledeberg,population,{1900 + n},{n},x\n" for n in range(1, 201))
    rows += "".join(f"gent,ledeberg,households,{1900 + n},{n},x\n" for n in range(1, 201))
    rows += "".join(f"gent,,households,{1900 + n},{n},x\n" for n in range(1, 201))
    code, out, err = run(write(tmp_path, HEADER + rows))
    assert code == 0
    assert err.splitlines() == ["imported 500/600", "imported 600/600"]


def test_shipped_sample_loads_and_names_its_source(loaded):
    done = figures.import_file(figures.SAMPLE)
    assert done.created == 8
    population = AreaStatistic.objects.get(city__code="antwerpen", figure="population")
    assert population.value == Decimal("531862") and population.year == 2022
    assert "3.1.2.1" in population.source
    assert all("GTI-strategie Antwerpen en Gent" in s.source for s in AreaStatistic.objects.all())


def test_figures_outlive_a_new_strategy_version(loaded, tmp_path):
    run(write(tmp_path, GOOD))
    old = AreaStatistic.objects.get(area__code="ledeberg", figure="population", year=2022).area
    # a later version of Ghent's strategy (new Area rows) still shows the figure
    from gti.strategy.models import Area, Strategy

    current = Strategy.objects.get(city__code="gent", is_current=True)
    newer = Strategy.objects.create(
        **{f.name: getattr(current, f.name) for f in Strategy._meta.concrete_fields
           if f.name not in ("id", "version", "loaded_at")},
        version=current.version + 1,
    )  # fmt: skip
    Strategy.objects.filter(pk=current.pk).update(is_current=False)
    Area.objects.create(strategy=newer, code="ledeberg", name="Ledeberg", kind="wijk")
    series = figures.area_figures(newer.city, "ledeberg")
    assert [s.value for s in series[0].history] == [Decimal("10500"), Decimal("10320")]
    run(write(tmp_path, HEADER + "gent,ledeberg,population,2022,10501,x\n", "later.csv"))
    row = AreaStatistic.objects.get(area__code="ledeberg", figure="population", year=2022)
    assert row.value == Decimal("10501") and row.area != old and row.area.strategy == newer


def test_command_help_names_the_columns():
    result = subprocess.run(
        [sys.executable, "-m", "gti", "areas", "import-stats", "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0
    assert "city,area,figure,year,value,source" in result.stdout


# --- the area page and its API route ----------------------------------------------------------


@pytest.fixture
def ledeberg(loaded, tmp_path):
    """Figures of Ledeberg and Ghent; an approved project, a submitted one and a draft there."""
    run(write(tmp_path, GOOD))
    approved = submitted(title="Groene speelplaats Ledeberg")
    Proposal.objects.filter(pk=approved.pk).update(
        state=Proposal.State.APPROVED, erdf_granted=Decimal("123456.78")
    )
    waiting = submitted(call=approved.call, title="Wadi aan de Schelde")
    own = draft(call=approved.call, title="Kladversie buurtpark")
    return {"approved": approved, "submitted": waiting, "draft": own}


def page(client, user=None):
    if user:
        client.force_login(person(user))
    response = client.get("/en/strategies/gent/areas/ledeberg/")
    assert response.status_code == 200
    return response.content.decode()


def test_area_page_shows_latest_figures_history_and_sources(client, ledeberg):
    html = page(client)
    assert "<h1>Ledeberg" in html
    row = html.split('id="figure-population"')[1].split("</tr>")[0]
    assert "10,500" in row and "(2022)" in row and "265,086" in row  # the area's beside the city's
    history = html.split('id="history-population"')[1].split("</details>")[0]
    assert "10,320" in history and "2021" in history and "Buurtmonitor Gent" in history
    assert "Statistiek Vlaanderen" in history
    assert "12.4" in html.split('id="figure-unemployment_rate"')[1].split("</tr>")[0]


def test_area_page_in_dutch_writes_numbers_the_dutch_way(client, ledeberg):
    html = client.get("/strategies/gent/areas/ledeberg/").content.decode()
    assert "10.500" in html and "12,4" in html and "Inwoners" in html


def test_public_sees_approved_projects_only_without_their_file(client, ledeberg):
    html = page(client)
    assert "Groene speelplaats Ledeberg" in html and "EUR 123,456.78" in html
    assert "Wadi aan de Schelde" not in html and "Kladversie buurtpark" not in html
    assert f'href="/en/proposals/{ledeberg["approved"].reference}/"' not in html


def test_applicant_sees_own_proposals_and_approved_ones(client, ledeberg):
    html = page(client, "applicant_gent")
    assert "Groene speelplaats" in html and "Wadi aan de Schelde" in html
    assert "Kladversie buurtpark" in html  # their own draft
    assert f'href="/en/proposals/{ledeberg["draft"].reference}/"' in html
    other = page(client, "applicant_gent_2")
    assert "Groene speelplaats" in other and "Kladversie" not in other and "Wadi" not in other


def test_secretariat_sees_the_citys_submitted_proposals_not_drafts(client, ledeberg):
    html = page(client, "secretariat_gent")
    assert "Groene speelplaats" in html and "Wadi aan de Schelde" in html
    assert "Kladversie buurtpark" not in html
    assert f'href="/en/proposals/{ledeberg["submitted"].reference}/"' in html
    elsewhere = page(client, "secretariat_antwerpen")
    assert "Groene speelplaats" in elsewhere and "Wadi" not in elsewhere


def test_area_page_of_another_area_and_an_unknown_one(client, ledeberg):
    html = client.get("/en/strategies/gent/areas/rabot-blaisantvest/").content.decode()
    assert "No project in this area that you may see." in html
    assert "265,086" in html  # the city's figure still stands
    assert client.get("/en/strategies/gent/areas/nowhere/").status_code == 404
    assert client.get("/en/strategies/brugge/areas/ledeberg/").status_code == 404


def test_strategy_page_links_each_area_to_its_page(client, loaded):
    html = client.get("/en/strategies/gent/").content.decode()
    assert 'href="/en/strategies/gent/areas/ledeberg/"' in html


def test_api_gives_an_areas_figures_with_the_citys(client, ledeberg):
    response = client.get("/api/v1/areas/gent/ledeberg/statistics")
    assert response.status_code == 200
    body = response.json()
    assert body["area"] == "ledeberg" and body["name"] == "Ledeberg"
    population = next(f for f in body["figures"] if f["figure"] == "population")
    assert population["unit"] == {"nl": "inwoners", "en": "inhabitants"}
    assert population["values"] == [
        {"year": 2022, "value": "10500.00", "source": "Buurtmonitor Gent"},
        {"year": 2021, "value": "10320.00", "source": "Buurtmonitor Gent"},
    ]
    assert population["city_values"][0]["value"] == "265086.00"
    assert client.get("/api/v1/areas/gent/nowhere/statistics").status_code == 404
