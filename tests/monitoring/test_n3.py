"""The N+3 forecast (CPR art. 105) on a worked example, and its command's refusals."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from gti.monitoring import money

# A worked example. The 2021 commitment of 600.01 spreads as 100.00 (600.01 / 6 rounded down)
# on each of 2022-2027, and the cent the rounding leaves goes to 2027:
#   adjusted 2022-2026: 1,100.00 each; 2027: 1,100.01.
# Pre-financing 500 (2023) and applications 400 (2025-11-15), 1,000 (2026-12-31), 2,000 (2027).
#   2022: deadline 2025-12-31, target 1,100.00, covered 900.00 → shortfall 200.00, decommitted
#         (the deadline is before as_of, 2026-03-01).
#   2023: deadline 2026-12-31, target 2,200.00, covered 1,900.00; 300 short, of which 200 was
#         already lost in 2022 → shortfall 100.00, at risk.
#   2024: deadline 2027-12-31, target 3,300.00, covered 3,900.00 → 0.00.
#   2025: target 4,400.00, covered 3,900.00, earlier shortfalls 300 → 200.00.
#   2026: target 5,500.00 → 5,500 − 3,900 − 500 = 1,100.00.
#   2027: deadline 2029-12-31 (not 2030), target 6,600.01 → 6,600.01 − 3,900 − 1,600 = 1,100.01.
EXAMPLE = {
    "commitments": {"2021": 600.01, "2022": 1000, "2023": 1000, "2024": 1000, "2025": 1000,
                    "2026": 1000, "2027": "1000.00"},
    "prefinancing": [{"date": "2023-06-30", "amount": 500}],
    "applications": [
        {"date": "2025-11-15", "amount": 400},
        {"date": "2026-12-31", "amount": 1000},
        {"date": "2027-01-15", "amount": 2000},
    ],
    "as_of": "2026-03-01",
}  # fmt: skip
EXPECTED = [
    (2022, "2025-12-31", "1100.00", "900.00", "200.00", "decommitted"),
    (2023, "2026-12-31", "2200.00", "1900.00", "100.00", "at_risk"),
    (2024, "2027-12-31", "3300.00", "3900.00", "0.00", "at_risk"),
    (2025, "2028-12-31", "4400.00", "3900.00", "200.00", "at_risk"),
    (2026, "2029-12-31", "5500.00", "3900.00", "1100.00", "at_risk"),
    (2027, "2029-12-31", "6600.01", "3900.00", "1100.01", "at_risk"),
]
KEYS = ("year", "deadline", "target", "covered", "shortfall", "status")


def rows(result):
    return [tuple(y[k] for k in KEYS) for y in result["years"]]


def test_worked_example():
    assert rows(money.forecast(money.N3Instance.model_validate(EXAMPLE))) == EXPECTED


def test_the_2021_commitment_spreads_in_sixths_rounded_down_with_the_rest_in_2027():
    adjusted = money.spread({2021: Decimal("100.00")})
    assert adjusted == {**dict.fromkeys(range(2022, 2027), Decimal("16.66")),
                        2027: Decimal("16.70")}  # fmt: skip
    assert sum(adjusted.values()) == Decimal("100.00")


def run(tmp_path, data):
    path = tmp_path / "n3.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("monitoring", "n3", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_command_prints_the_years(tmp_path):
    code, out, _err = run(tmp_path, json.dumps(EXAMPLE))
    assert code == 0
    assert rows(json.loads(out)) == EXPECTED


def with_(change):
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_(lambda d: d["applications"][0].update(amount=-1)),
         "applications[0].amount: Input should be greater than or equal to 0"),
        (with_(lambda d: d["commitments"].update({"2030": 5})),
         "commitments.2030: Value error, year outside 2021-2027"),
        (with_(lambda d: d["commitments"].update({"2020": 5})),
         "commitments.2020: Value error, year outside 2021-2027"),
        (with_(lambda d: d["prefinancing"][0].update(date="2023-13-01")),
         "prefinancing[0].date: Value error, not a date (YYYY-MM-DD)"),
        (with_(lambda d: d.update(as_of="2026-03-01T10:00")),
         "as_of: Value error, not a date (YYYY-MM-DD)"),
        (with_(lambda d: d["commitments"].update({"2022": "1000.001"})),
         "commitments.2022: Value error, more than two decimals"),
        (with_(lambda d: d.pop("as_of")), "as_of: Field required"),
        ("{not json", "not JSON"),
    ],
)  # fmt: skip
def test_an_invalid_instance_exits_2_naming_the_place(tmp_path, data, message):
    code, out, err = run(tmp_path, data)
    assert code == 2
    assert message in err
    assert out == ""
