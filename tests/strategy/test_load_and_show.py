"""Loading the strategy files, versioning, and `gti strategy show`/`load` output."""

import io
import json
import shutil
from decimal import Decimal

import pytest
from django.core.management import call_command

from gti.strategy import schema, services
from gti.strategy.models import Indicator, Programme, SpecificObjective, Strategy, Theme

# The GTI strategy of Antwerp and Ghent, tables of sections 3.1.4 and 3.2.4: both
# cities link their seven themes to the same specific objectives.
THEME_OBJECTIVES = {
    "digitalisering-vaardigheden": ["SD 1.2", "SD 1.4"],
    "slim-ruimtegebruik-sociale-innovatie": ["SD 1.1"],
    "klimaatadaptatie": ["SD 2.4"],
    "energie-efficientie": ["SD 2.1"],
    "hernieuwbare-energie": ["SD 2.2"],
    "mobiliteit": ["SD 2.8"],
    "stedelijke-circulariteit": ["SD 1.1", "SD 1.4", "SD 2.1"],
}
# Example actions per theme, counted in the strategy's tables (Antwerp's headings without sub-items,
# e-zorg and the Sigmaplan, are actions of their own).
ACTIONS = {
    "antwerpen": [19, 5, 6, 6, 2, 11, 3],
    "gent": [3, 2, 6, 4, 2, 6, 1],
}


def show_json(*args) -> dict:
    out = io.StringIO()
    call_command("strategy", "show", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_show_json_has_both_strategies_complete(loaded):
    data = show_json()
    programme = data["programme"]
    assert [(p["code"], p["share"]) for p in programme["priorities"]] == [
        ("P1", "0.6000"),
        ("P2", "0.4000"),
    ]
    objectives = [so for p in programme["priorities"] for so in p["specific_objectives"]]
    assert [so["code"] for so in objectives] == [
        "SD 1.1", "SD 1.2", "SD 1.4", "SD 2.1", "SD 2.2", "SD 2.4", "SD 2.8",
    ]  # fmt: skip
    for so in objectives:
        assert so["title"]["nl"] and so["title"]["en"]
        codes = {i["code"] for i in so["indicators"]}
        assert {"RCO74", "RCO75", "RCO76", "RCO112", "RCO114"} <= codes  # territorial ones
        for indicator in so["indicators"]:
            assert indicator["kind"] in {"output", "result"}
            assert indicator["unit"]["en"] and indicator["name"]["nl"]
    sd24 = next(so for so in objectives if so["code"] == "SD 2.4")
    assert {"RCO26", "RCR35", "RCR95"} <= {i["code"] for i in sd24["indicators"]}

    strategies = {s["city"]: s for s in data["strategies"]}
    assert set(strategies) == {"antwerpen", "gent"}
    assert len(strategies["antwerpen"]["principles"]) == 5
    assert len(strategies["gent"]["principles"]) == 7
    assert all(p["mandatory"] for p in strategies["antwerpen"]["principles"])
    assert [p["code"] for p in strategies["gent"]["principles"] if not p["mandatory"]] == ["G-5"]
    for city, strategy in strategies.items():
        themes = strategy["themes"]
        assert {t["code"]: t["specific_objectives"] for t in themes} == THEME_OBJECTIVES
        assert [len(t["example_actions"]) for t in themes] == ACTIONS[city]
        for text in [p["text"] for p in strategy["principles"]] + [t["name"] for t in themes]:
            assert text["nl"].strip() and text["en"].strip()
        for action in (a for t in themes for a in t["example_actions"]):
            assert action["nl"].strip() and action["en"].strip()
            assert action["nl"] != action["en"]
    assert [a["kind"] for a in strategies["antwerpen"]["areas"]] == ["district"] * 9
    assert len(strategies["gent"]["areas"]) == 25
    assert {a["kind"] for a in strategies["gent"]["areas"]} == {"wijk"}


def test_antwerp_cites_its_coalition_agreement_actions(loaded):
    strategy = show_json("--city", "antwerpen")["strategies"][0]
    kinds = {r["code"]: r["kind"] for r in strategy["policy_references"]}
    actions = [c for c, k in kinds.items() if k == "coalition-agreement-action"]
    assert actions[0] == "BA2" and actions[-1] == "BA588"
    assert len(actions) == len(set(actions)) == 92
    ba37 = next(r for r in strategy["policy_references"] if r["code"] == "BA37")
    assert ba37["kind"] == "coalition-agreement-action" and ba37["title"]["en"]


def test_ghent_cites_its_policy_notes(loaded):
    strategy = show_json("--city", "gent")["strategies"][0]
    kinds = {r["code"]: r["kind"] for r in strategy["policy_references"]}
    assert kinds["beleidsnota-openbaar-groen"] == "policy-note"
    assert "coalition-agreement" in kinds.values() and "multi-year-plan" in kinds.values()


@pytest.mark.parametrize(
    "city, plans",
    [
        ("antwerpen", {"klimaatplan-2030", "groenplan", "waterplan", "digitale-toekomst"}),
        (
            "gent",
            {"klimaatplan-2020-2025", "water-in-de-stad", "ruimte-voor-gent", "mobiliteitsplan"},
        ),
    ],
)
def test_both_cities_name_the_plans_of_their_strategy(loaded, city, plans):
    """Annex 6 of the strategy: the policy plans each city builds on, beside its agreement."""
    strategy = show_json("--city", city)["strategies"][0]
    kinds = {r["code"]: r["kind"] for r in strategy["policy_references"]}
    assert {c for c, k in kinds.items() if k == "plan"} >= plans
    assert "coalition-agreement" in kinds.values() and "multi-year-plan" in kinds.values()


def test_show_text_in_both_languages(loaded):
    out = io.StringIO()
    call_command("strategy", "show", "--city", "gent", "--language", "en", stdout=out)
    text = out.getvalue()
    assert "ITI strategy of Ghent" in text and "Climate adaptation: SD 2.4" in text
    out = io.StringIO()
    call_command("strategy", "show", "--city", "gent", stdout=out)
    assert "Klimaatadaptatie: SD 2.4" in out.getvalue()


def test_show_unknown_city_names_the_option(loaded):
    with pytest.raises(Exception, match="--city: no loaded strategy for 'brugge'"):
        call_command("strategy", "show", "--city", "brugge")


def test_load_links_themes_indicators_and_boundaries(loaded):
    programme = Programme.objects.get(is_current=True)
    assert programme.max_eu_cofinancing_rate == Decimal("0.40")
    assert programme.eligibility_end.isoformat() == "2029-12-31"
    assert Indicator.objects.filter(programme=programme).count() == 55
    sd28 = SpecificObjective.objects.get(code="SD 2.8")
    assert sd28.priority.code == "P2"
    assert sd28.indicators.filter(code="RCO58").exists()
    assert not sd28.indicators.filter(code="RCO26").exists()
    ghent = Strategy.objects.get(city__code="gent", is_current=True)
    assert ghent.areas.count() == 25
    assert all(a.boundary["type"] in {"Polygon", "MultiPolygon"} for a in ghent.areas.all())


def test_first_load_creates_version_1(nothing_loaded):
    assert [(r.code, r.version, r.created) for r in services.load_files()] == [
        ("efro-vlaanderen-2021-2027", 1, True),
        ("antwerpen", 1, True),
        ("gent", 1, True),
    ]


def test_loading_again_changes_nothing(loaded):
    again = services.load_files()
    assert [r.created for r in again] == [False, False, False]
    assert Strategy.objects.count() == 2 and Programme.objects.count() == 1


def test_changed_file_becomes_a_new_version_and_keeps_the_old(loaded, tmp_path):
    shutil.copytree(schema.DATA_DIR, tmp_path, dirs_exist_ok=True)
    gent = tmp_path / "gent.yaml"
    gent.write_text(
        gent.read_text(encoding="utf-8").replace("Brede en laagdrempelige", "Zeer brede"),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("strategy", "load", *sorted(tmp_path.glob("*.yaml")), stdout=out)
    assert (
        "strategy gent: version 2 (new version, awaiting the steering committee's approval)"
        in out.getvalue()
    )
    assert "strategy antwerpen: version 1 (unchanged)" in out.getvalue()
    versions = Strategy.objects.filter(city__code="gent").order_by("version")
    # the version in force stays until the steering committee approves the new one
    assert [(s.version, s.is_current, s.status) for s in versions] == [
        (1, True, "approved"),
        (2, False, "awaiting_approval"),
    ]
    assert Strategy.objects.current().get(city__code="gent").version == 1
    old, new = versions
    assert old.principles.filter(text_nl__startswith="Brede en laagdrempelige").exists()
    assert new.principles.filter(text_nl__startswith="Zeer brede").exists()
    assert Theme.objects.filter(strategy=old).count() == 7  # the old version is whole


def test_load_refuses_a_broken_file_and_changes_nothing(nothing_loaded, tmp_path):
    shutil.copytree(schema.DATA_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "gent.yaml").write_text("city: gent\n")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("strategy", "load", *sorted(tmp_path.glob("*.yaml")), stdout=out)
    assert exit_info.value.code == 1
    assert f"{tmp_path / 'gent.yaml'}:name: missing" in out.getvalue()
    assert Programme.objects.count() == 0 and Strategy.objects.count() == 0
