"""The strategy files' schema and rules: each broken copy is reported as FILE:PATH: problem."""

import shutil
from pathlib import Path

import pytest
import yaml

from gti.strategy import schema

DATA = schema.DATA_DIR


def test_shipped_files_are_valid():
    parsed, problems = schema.validate_files(schema.default_files())
    assert problems == []
    assert [p.path.name for p in parsed][0] == "efro-vlaanderen-2021-2027.yaml"
    assert {p.path.name for p in parsed} == {
        "efro-vlaanderen-2021-2027.yaml",
        "antwerpen.yaml",
        "gent.yaml",
    }


def broken_copy(tmp_path: Path, name: str, change) -> Path:
    """Copy a shipped file (and its boundaries) to tmp_path and apply `change` to its data."""
    shutil.copytree(DATA / "geo", tmp_path / "geo", dirs_exist_ok=True)
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / name
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def problems_of(*paths: Path) -> list[str]:
    return [f"{Path(p.file).name}:{p.path}: {p.message}" for p in schema.validate_files(paths)[1]]


def test_unknown_specific_objective_in_a_theme(tmp_path):
    path = broken_copy(
        tmp_path, "gent.yaml", lambda d: d["themes"][2]["specific_objectives"].append("SD 9.9")
    )
    assert problems_of(path) == [
        "gent.yaml:themes[2].specific_objectives[1]: unknown specific objective 'SD 9.9' "
        "(not in programme efro-vlaanderen-2021-2027)"
    ]


def test_duplicate_principle_code(tmp_path):
    def change(d):
        d["principles"][1]["code"] = d["principles"][0]["code"]

    path = broken_copy(tmp_path, "antwerpen.yaml", change)
    assert problems_of(path) == ["antwerpen.yaml:principles[1].code: duplicate code 'A-1'"]


def test_shares_not_adding_up(tmp_path):
    def change(d):
        d["priorities"][1]["share"] = "0.30"

    path = broken_copy(tmp_path, "efro-vlaanderen-2021-2027.yaml", change)
    assert problems_of(path) == [
        "efro-vlaanderen-2021-2027.yaml:priorities: shares add up to 90%, not 100%"
    ]


def test_missing_english_text(tmp_path):
    def change(d):
        del d["themes"][0]["example_actions"][3]["en"]

    path = broken_copy(tmp_path, "antwerpen.yaml", change)
    assert problems_of(path) == ["antwerpen.yaml:themes[0].example_actions[3].en: missing"]


def test_empty_dutch_text(tmp_path):
    def change(d):
        d["principles"][0]["text"]["nl"] = "  "

    path = broken_copy(tmp_path, "gent.yaml", change)
    [problem] = problems_of(path)
    assert problem.startswith("gent.yaml:principles[0].text.nl: String should have at least 1")


def test_theme_without_specific_objective(tmp_path):
    def change(d):
        d["themes"][4]["specific_objectives"] = []

    path = broken_copy(tmp_path, "gent.yaml", change)
    assert problems_of(path) == [
        "gent.yaml:themes[4].specific_objectives: theme has no specific objective"
    ]


def test_unknown_indicator_and_unknown_field(tmp_path):
    def change(d):
        d["priorities"][0]["specific_objectives"][0]["indicators"].append("RCO999")
        d["priorities"][0]["colour"] = "blue"

    path = broken_copy(tmp_path, "efro-vlaanderen-2021-2027.yaml", change)
    assert problems_of(path) == [
        "efro-vlaanderen-2021-2027.yaml:priorities[0].colour: unknown field",
    ]  # structure first: the cross-checks run only on a file whose structure is sound

    def fix(d):
        d["priorities"][0]["specific_objectives"][0]["indicators"].append("RCO999")

    path = broken_copy(tmp_path, "efro-vlaanderen-2021-2027.yaml", fix)
    assert problems_of(path) == [
        "efro-vlaanderen-2021-2027.yaml:priorities[0].specific_objectives[0].indicators[14]: "
        "unknown indicator 'RCO999'"
    ]


def test_area_without_boundary(tmp_path):
    def change(d):
        d["areas"].append({"code": "schoten", "name": "Schoten"})

    path = broken_copy(tmp_path, "antwerpen.yaml", change)
    assert problems_of(path) == [
        "antwerpen.yaml:areas[10].name: no boundary named 'Schoten' in the file"
    ]


def test_area_not_admitted_needs_no_boundary_but_a_decision(tmp_path):
    def change(d):
        borsbeek = next(a for a in d["areas"] if a["code"] == "borsbeek")
        assert borsbeek["admitted"] is False  # the shipped file: no boundary, a decision
        del borsbeek["decision"]

    path = broken_copy(tmp_path, "antwerpen.yaml", change)
    assert problems_of(path) == [
        "antwerpen.yaml:areas[9].decision: an area not admitted needs its decision"
    ]


def test_steering_committee_quorum_is_at_least_two(tmp_path):
    path = broken_copy(tmp_path, "gent.yaml", lambda d: d.update(steering_committee={"quorum": 1}))
    assert problems_of(path) == [
        "gent.yaml:steering_committee.quorum: Input should be greater than or equal to 2"
    ]


def test_strategy_of_unknown_programme(tmp_path):
    path = broken_copy(tmp_path, "gent.yaml", lambda d: d.update(programme="efro-mars"))
    assert problems_of(path) == ["gent.yaml:programme: unknown programme 'efro-mars'"]


def test_rate_above_one_is_refused(tmp_path):
    path = broken_copy(
        tmp_path,
        "efro-vlaanderen-2021-2027.yaml",
        lambda d: d.update(max_eu_cofinancing_rate="1.40"),
    )
    assert problems_of(path) == [
        "efro-vlaanderen-2021-2027.yaml:max_eu_cofinancing_rate: "
        "Input should be less than or equal to 1"
    ]


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("city: [unclosed\n")
    problems = problems_of(bad, tmp_path / "absent.yaml")
    assert problems[0].startswith("bad.yaml:line ")
    assert "not valid YAML" in problems[0]
    assert problems[1] == "absent.yaml:(file): file not found"


@pytest.mark.parametrize("name", ["antwerpen.yaml", "gent.yaml"])
def test_every_problem_is_listed_not_only_the_first(tmp_path, name):
    def change(d):
        d["themes"][0]["specific_objectives"] = ["SD 7.7"]
        d["themes"][1]["code"] = d["themes"][0]["code"]

    assert len(problems_of(broken_copy(tmp_path, name, change))) == 2


def test_strategy_indicators_are_territorial_and_roles_known(tmp_path):
    def change(d):
        d["strategy_indicators"]["RCO26"] = {"value": "3"}
        d["admitted_city_roles"].append("sponsor")

    path = broken_copy(tmp_path, "gent.yaml", change)
    assert problems_of(path) == [
        "gent.yaml:admitted_city_roles[2]: Input should be 'initiator', 'regierol' or 'partner'"
    ]
    path = broken_copy(tmp_path, "gent.yaml", lambda d: d["strategy_indicators"].update(
        {"RCO26": {"value": "3"}}))  # fmt: skip
    assert problems_of(path) == [
        "gent.yaml:strategy_indicators.RCO26: not a territorial indicator of programme "
        "efro-vlaanderen-2021-2027"
    ]


def test_every_specific_objective_says_where_its_indicators_come_from():
    programme = yaml.safe_load((DATA / "efro-vlaanderen-2021-2027.yaml").read_text("utf-8"))
    for priority in programme["priorities"]:
        for so in priority["specific_objectives"]:
            assert "Annex I" in so["source"]["en"], so["code"]


@pytest.mark.parametrize("lag", [-1, 400, "a quarter"])
def test_the_n3_application_lag_is_a_number_of_days_up_to_a_year(tmp_path, lag):
    def change(d):
        d["n3"]["application_lag_days"] = lag

    path = broken_copy(tmp_path, "efro-vlaanderen-2021-2027.yaml", change)
    [problem] = problems_of(path)
    assert problem.startswith("efro-vlaanderen-2021-2027.yaml:n3.application_lag_days: ")


def test_a_performance_block_is_refused_naming_the_place(tmp_path):
    """Milestones 2024 and targets 2029 (CPR art. 16): of known output indicators, once each, the
    milestone not above the target; a wrong shape names its field."""

    def change(d):
        d["performance"] = {"indicators": [
            {"indicator": "RCO26", "milestone_2024": "1.00", "target_2029": "10.00"},
            {"indicator": "RCO999", "milestone_2024": "1", "target_2029": "2"},
            {"indicator": "RCR35", "milestone_2024": "1", "target_2029": "2"},
            {"indicator": "RCO26", "milestone_2024": "1", "target_2029": "2"},
            {"indicator": "RCO74", "milestone_2024": "5", "target_2029": "2"},
        ]}  # fmt: skip

    path = broken_copy(tmp_path, "efro-vlaanderen-2021-2027.yaml", change)
    name = "efro-vlaanderen-2021-2027.yaml"
    assert problems_of(path) == [
        f"{name}:performance.indicators[1].indicator: unknown indicator 'RCO999'",
        f"{name}:performance.indicators[2].indicator: 'RCR35' is not an output indicator",
        f"{name}:performance.indicators[3].indicator: duplicate indicator 'RCO26'",
        f"{name}:performance.indicators[4].milestone_2024: above the target for 2029",
    ]

    def shape(d):
        d["performance"] = {"indicators": [{"indicator": "RCO26", "milestone_2024": "-1"}]}

    path = broken_copy(tmp_path, name, shape)
    assert problems_of(path) == [
        f"{name}:performance.indicators[0].milestone_2024: "
        "Input should be greater than or equal to 0",
        f"{name}:performance.indicators[0].target_2029: missing",
    ]


def test_the_shipped_programme_states_no_milestones_of_its_own():
    """The GTI strategy states no milestones or targets and none were found in a public source:
    the block is there, empty, for the real figures."""
    parsed, _ = schema.validate_files([DATA / "efro-vlaanderen-2021-2027.yaml"])
    assert parsed[0].content.performance == schema.PerformanceFile(indicators=[])
