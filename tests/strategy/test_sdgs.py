"""The UN Sustainable Development Goals of each theme: in the strategy files, checked, loaded,
shown on the strategy page and given by the API."""

from gti.strategy import schema, sdgs
from gti.strategy.models import Theme
from tests.strategy.test_schema import broken_copy, problems_of


def test_the_seventeen_goals_with_their_names_in_both_languages():
    assert list(sdgs.GOALS) == list(range(1, 18))
    assert sdgs.GOALS[11].name_en == "Sustainable cities and communities"
    assert sdgs.GOALS[13].name_nl == "Klimaatactie"
    assert all(g.name_nl and g.name_en for g in sdgs.GOALS.values())


def test_every_theme_of_the_shipped_files_serves_known_goals():
    parsed, problems = schema.validate_files(schema.default_files())
    assert problems == []
    for p in parsed:
        if isinstance(p.content, schema.StrategyFile):
            assert all(t.sdgs for t in p.content.themes), p.path.name
    for line in (schema.DATA_DIR / "gent.yaml").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("sdgs:"):
            assert "# UN SDGs:" in line  # each choice says why


def test_an_unknown_or_repeated_goal_is_refused_naming_the_place(tmp_path):
    def change(data):
        data["themes"][2]["sdgs"] = [11, 18, 11]
        data["themes"][4]["sdgs"] = ["klimaat"]

    path = broken_copy(tmp_path, "gent.yaml", change)
    assert problems_of(path) == [
        "gent.yaml:themes[4].sdgs[0]: Input should be a valid integer, unable to parse string "
        "as an integer"
    ]

    path = broken_copy(tmp_path, "gent.yaml", lambda d: d["themes"][2].update(sdgs=[11, 18, 11]))
    assert problems_of(path) == [
        "gent.yaml:themes[2].sdgs[1]: unknown Sustainable Development Goal 18 (1 to 17)",
        "gent.yaml:themes[2].sdgs[2]: SDG 11 given twice",
    ]


def test_a_refused_goal_loads_nothing(tmp_path, loaded):
    from gti.strategy import services

    path = broken_copy(tmp_path, "gent.yaml", lambda d: d["themes"][2].update(sdgs=[0]))
    before = Theme.objects.count()
    try:
        services.load_files([path])
    except services.StrategyFileError as exc:
        assert [str(p).split(":", 1)[1] for p in exc.problems] == [
            "themes[2].sdgs[0]: unknown Sustainable Development Goal 0 (1 to 17)"
        ]
    else:
        raise AssertionError("a file with an unknown goal was loaded")
    assert Theme.objects.count() == before


def test_load_keeps_each_themes_goals(loaded):
    theme = Theme.objects.get(strategy__city__code="gent", strategy__is_current=True,
                              code="klimaatadaptatie")  # fmt: skip
    assert theme.sdgs == [6, 11, 13, 15]
    assert [g.number for g in theme.goals] == [6, 11, 13, 15]


def test_strategy_page_shows_the_goals_of_each_theme(client, loaded):
    html = client.get("/en/strategies/antwerpen/").content.decode()
    theme = html.split('id="theme-klimaatadaptatie"')[1].split("</article>")[0]
    assert "SDG 13 Climate action" in theme and "SDG 15 Life on land" in theme
    dutch = client.get("/strategies/antwerpen/").content.decode()
    assert "SDG 13 Klimaatactie" in dutch


def test_api_gives_each_themes_goals(client, loaded):
    body = client.get("/api/v1/strategies/gent").json()
    theme = next(t for t in body["themes"] if t["code"] == "hernieuwbare-energie")
    assert theme["sdgs"] == [
        {"number": 7, "name": {"nl": "Betaalbare en duurzame energie",
                               "en": "Affordable and clean energy"}},
        {"number": 13, "name": {"nl": "Klimaatactie", "en": "Climate action"}},
    ]  # fmt: skip
