"""`gti opendata import`: another region's list of operations (CPR art. 49(3)) imported for
comparison, typed batch by batch (by the schema for the rows that are not plain); a bad row
named by line, column and problem; whole or with --skip-bad; a source imported again
replaced."""

import csv
import datetime
import io
from decimal import Decimal

import hypothesis
import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import strategies as st

from gti.accounts.models import AuditEvent
from gti.opendata import imports, operations
from gti.opendata.models import ExternalOperation
from gti.proposals.models import Proposal

GOOD = {
    "operation_id": "NRW-2024-001",
    "operation_name": "Stadtteilzentrum Nord",
    "beneficiary": "Stadt Essen",
    "purpose_and_achievements": "A district centre. Targets: RCO74 1.",
    "start_date": "2024-03-01",
    "expected_end_date": "2027-12-31",
    "total_cost_eur": "1250000.50",
    "eligible_cost_eur": "1000000",
    "eu_contribution_eur": "400000.25",
    "union_cofinancing_rate": "0.4",
    "fund": "ERDF",
    "priority": "P4 Sustainable urban development",
    "specific_objective": "RSO5.1",
    "category_of_intervention": "168",
    "city": "Essen",
    "theme": "Regeneration",
    "location": "Altenessen",
    "location_postcode": "45326",
    "country": "de",
    "last_updated": "2026-10-01",
}


def row(**changes) -> dict:
    return {**GOOD, **changes}


def write(path, rows, columns=operations.COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def run(*args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `gti opendata import ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("opendata", "import", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def events():
    return AuditEvent.objects.filter(action="opendata.list.imported")


def test_a_good_file_is_imported_with_typed_values_and_one_audit_event(db, tmp_path):
    empty = row(operation_id="NRW-2024-002", beneficiary="", start_date="", expected_end_date="",
                eligible_cost_eur="", eu_contribution_eur="", union_cofinancing_rate="",
                last_updated="", country="BE", total_cost_eur=" 0 ")  # fmt: skip
    path = write(tmp_path / "nrw.csv", [row(), empty])
    code, out, err = run(path)
    assert code == 0, out
    assert "2 operations imported as nrw.csv (0 replaced" in out
    assert "100%" in err and "2 rows" in err  # the progress bar
    first = ExternalOperation.objects.get(operation_id="NRW-2024-001")
    assert first.source == "nrw.csv"
    assert first.start_date == datetime.date(2024, 3, 1)
    assert first.expected_end_date == datetime.date(2027, 12, 31)
    assert first.last_updated == datetime.date(2026, 10, 1)
    assert first.total_cost_eur == Decimal("1250000.50")
    assert first.eligible_cost_eur == Decimal("1000000.00")
    assert first.eu_contribution_eur == Decimal("400000.25")
    assert first.union_cofinancing_rate == Decimal("0.4000")
    assert first.country == "DE"  # codes upper-cased
    assert (first.operation_name, first.fund, first.specific_objective, first.city) == (
        "Stadtteilzentrum Nord", "ERDF", "RSO5.1", "Essen",
    )  # fmt: skip
    second = ExternalOperation.objects.get(operation_id="NRW-2024-002")
    assert second.start_date is second.eligible_cost_eur is second.union_cofinancing_rate is None
    assert (second.beneficiary, second.total_cost_eur) == ("", Decimal("0.00"))
    event = events().get()
    assert event.actor is None and event.reason == "gti opendata import"
    assert event.after == {"source": "nrw.csv", "file": "nrw.csv", "rows": 2, "replaced": 0,
                           "skipped": 0}  # fmt: skip


BAD = [  # (changes, column, problem): each a row of its own, lines 3 … in this order
    ({"total_cost_eur": "12,5"}, "total_cost_eur", "not a number"),
    ({"total_cost_eur": "-1"}, "total_cost_eur", "negative"),
    ({"total_cost_eur": "1000000000000"}, "total_cost_eur", "too large"),
    ({"eligible_cost_eur": "10.123"}, "eligible_cost_eur", "more than 2 decimals"),
    ({"union_cofinancing_rate": "40"}, "union_cofinancing_rate", "more than 1"),
    ({"union_cofinancing_rate": "0.12345"}, "union_cofinancing_rate", "more than 4 decimals"),
    ({"eligible_cost_eur": "2000000"}, "eligible_cost_eur", "more than total_cost_eur"),
    ({"eu_contribution_eur": "1000000.01"}, "eu_contribution_eur", "more than eligible_cost_eur"),
    ({"start_date": "01/03/2024"}, "start_date", "not a date (YYYY-MM-DD)"),
    ({"start_date": "2024-02-30"}, "start_date", "not a date (YYYY-MM-DD)"),
    ({"last_updated": "2026-10-01T00:00:00"}, "last_updated", "not a date (YYYY-MM-DD)"),
    ({"expected_end_date": "2024-02-01"}, "expected_end_date", "before start_date"),
    ({"operation_id": " "}, "operation_id", "empty"),
    ({"total_cost_eur": ""}, "total_cost_eur", "not a number"),
    ({"country": "Germany"}, "country", "not a two-letter country code"),
    ({"operation_id": "NRW-2024-001"}, "operation_id", "the same operation_id as line 2"),
    ({"operation_name": "Zentrum\x00Nord"}, "operation_name", "holds a NUL character"),
]


def bad_file(tmp_path):
    rows = [row()] + [row(operation_id=f"BAD-{n}") | changes for n, (changes, *_) in
                      enumerate(BAD)] + [row(operation_id="NRW-2024-099")]  # fmt: skip
    return write(tmp_path / "bad.csv", rows)


def test_bad_rows_are_named_by_line_column_and_problem_and_nothing_is_imported(db, tmp_path):
    write(tmp_path / "before.csv", [row(operation_id="KEPT")])
    assert run(tmp_path / "before.csv", "--source", "nrw")[0] == 0
    code, out, _ = run(bad_file(tmp_path), "--source", "nrw")
    assert code == 2
    lines = out.splitlines()
    for n, (_changes, column, problem) in enumerate(BAD, start=3):
        assert any(line.startswith(f"line {n}: {column}: {problem}") for line in lines), (n, out)
    assert len(lines) == len(BAD) + 1
    assert lines[-1] == f"nothing imported: {len(BAD)} bad row(s)"
    # the source's rows are the ones of before: nothing replaced, nothing added, no event
    assert list(ExternalOperation.objects.values_list("source", "operation_id")) == [
        ("nrw", "KEPT")
    ]
    assert events().count() == 1


def test_a_row_with_too_few_values_and_a_file_not_in_utf8_are_named(db, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(",".join(operations.COLUMNS) + "\nA,B,C\n\n", encoding="utf-8")
    code, out, _ = run(path)
    assert (code, out.splitlines()[0]) == (2, "line 2: (row): expected 20 values, found 3")
    path.write_bytes(",".join(operations.COLUMNS).encode() + b"\nStra\xdfe\n")
    code, out, _ = run(path)
    assert code == 2 and "(file): not UTF-8 text" in out
    assert not ExternalOperation.objects.exists() and not events().exists()


def test_with_skip_bad_the_good_rows_are_imported_and_the_bad_ones_listed(db, tmp_path):
    code, out, _ = run(bad_file(tmp_path), "--skip-bad", "--batch-size", "1")
    assert code == 0
    assert "line 3: total_cost_eur: not a number" in out
    assert f"2 operations imported as bad.csv (0 replaced, {len(BAD)} bad row(s) skipped)" in out
    assert sorted(ExternalOperation.objects.values_list("operation_id", flat=True)) == [
        "NRW-2024-001", "NRW-2024-099",
    ]  # fmt: skip
    assert events().get().after["skipped"] == len(BAD)


def test_only_the_first_50_problems_are_listed_with_the_count_of_bad_rows(db, tmp_path):
    rows = [row(operation_id=f"X{n}", total_cost_eur="x") for n in range(60)]
    code, out, _ = run(write(tmp_path / "many.csv", rows))
    lines = out.splitlines()
    assert code == 2 and len(lines) == 52
    assert lines[49].startswith("line 51: total_cost_eur:")
    assert lines[-1] == "nothing imported: 60 bad row(s)"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ([c for c in operations.COLUMNS if c != "country"], ["line 1: country: missing column"]),
        ([*operations.COLUMNS, "nation"], ["line 1: nation: unknown column"]),
        ([*operations.COLUMNS, "fund"], ["line 1: fund: column given twice"]),
    ],
)
def test_a_missing_or_unknown_column_imports_nothing_and_names_it(db, tmp_path, columns, expected):
    code, out, _ = run(write(tmp_path / "head.csv", [row()], columns=columns))
    assert code == 2
    assert out.splitlines() == [*expected, "nothing imported"]
    assert not ExternalOperation.objects.exists() and not events().exists()


def test_columns_in_another_order_are_read_by_name(db, tmp_path):
    columns = list(reversed(operations.COLUMNS))
    assert run(write(tmp_path / "rev.csv", [row()], columns=columns))[0] == 0
    assert ExternalOperation.objects.get().total_cost_eur == Decimal("1250000.50")


def test_importing_a_source_again_replaces_its_rows_and_no_other(db, tmp_path):
    write(tmp_path / "a.csv", [row(operation_id="A1"), row(operation_id="A2")])
    write(tmp_path / "b.csv", [row(operation_id="B1", operation_name="New name")])
    assert run(tmp_path / "a.csv", "--source", "NRW 2026")[0] == 0
    assert run(tmp_path / "a.csv")[0] == 0  # source: a.csv
    code, out, _ = run(tmp_path / "b.csv", "--source", "NRW 2026", "--batch-size", "1")
    assert code == 0 and "1 operations imported as NRW 2026 (2 replaced" in out
    assert sorted(ExternalOperation.objects.values_list("source", "operation_id")) == [
        ("NRW 2026", "B1"), ("a.csv", "A1"), ("a.csv", "A2"),
    ]  # fmt: skip
    assert events().count() == 3


def test_batches_store_every_row(db, tmp_path):
    rows = [row(operation_id=f"OP-{n}") for n in range(7)]
    code, _, err = run(write(tmp_path / "seven.csv", rows), "--batch-size", "3")
    assert code == 0 and ExternalOperation.objects.count() == 7
    assert "3 rows" in err and "6 rows" in err and "7 rows" in err  # progress per batch


def test_a_bad_row_after_stored_batches_still_imports_nothing(db, tmp_path):
    rows = [row(operation_id=f"OK-{n}") for n in range(4)]
    rows += [row(operation_id="LATE", total_cost_eur="x"), row(operation_id="OK-5")]
    code, out, _ = run(write(tmp_path / "late.csv", rows), "--batch-size", "2")
    assert code == 2 and out.startswith("line 6: total_cost_eur: not a number")
    assert not ExternalOperation.objects.exists() and not events().exists()
    code, out, _ = run(tmp_path / "late.csv", "--batch-size", "2", "--skip-bad")
    assert code == 0 and ExternalOperation.objects.count() == 5


def test_a_batch_size_below_one_is_refused(db, tmp_path):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_file(write(tmp_path / "a.csv", [row()]), batch_size=0)
    assert str(refused.value.problems[0]) == "--batch-size: not a positive number"
    assert not ExternalOperation.objects.exists()


@pytest.fixture
def demo(loaded):
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_platforms_own_export_imports_back_value_for_value(demo, tmp_path):
    output = tmp_path / "gti.csv"
    call_command("opendata", "export", "--format", "csv", "--output", str(output),
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    code, out, _ = run(output, "--source", "GTI")
    assert code == 0, out
    with translation.override("nl"):
        published = {o.operation_id: o.row() for o in operations.published()}
    assert len(published) == Proposal.objects.filter(state=Proposal.State.APPROVED).count()
    imported = ExternalOperation.objects.filter(source="GTI")
    assert imported.count() == len(published)
    for operation in imported:
        expected = published[operation.operation_id]
        for column in operations.COLUMNS:
            value = getattr(operation, column)
            if isinstance(value, Decimal) and column == "union_cofinancing_rate":
                value = f"{value.normalize():f}"
            text = "" if value is None else str(value)
            assert text == expected[column], (operation.operation_id, column)


def test_the_schema_has_the_columns_of_the_published_list_in_order():
    """The rows are stored in the order of the schema's fields (imports._writer)."""
    assert tuple(imports.OperationRow.model_fields) == operations.COLUMNS
    assert imports.STORED[2:] == operations.COLUMNS


def test_an_empty_file_and_a_missing_file_import_nothing(db, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert run(tmp_path / "empty.csv")[:2] == (2, "line 1: (file): empty file: no header\n"
                                                   "nothing imported\n")  # fmt: skip
    assert run(tmp_path / "none.csv")[:2] == (2, "(file): file not found\n"
                                                  "nothing imported\n")  # fmt: skip
    assert not events().exists()


# The batch typing (imports._fast) vouches for the plain values at once and leaves every other
# value to the schema: a row it vouches for is one the schema accepts, with the same values.
EDGES = ["", " ", "0", "12", " 12 ", "12\t", "\xa012", "12\x1f", "12,5", "12.5", "12.50", "12.505",
         "1e3", "1E+3", "-1", "-0", "+5", ".5", "5.", "007", "0.00", "NaN", "Infinity", "1_000",
         "\u0661\u0662", "999999999999.99", "1000000000000", "0.4", "1", "1.0000", "1.00001",
         "0.12345", "2024-02-29", "2023-02-29", "2024-2-1", "0001-01-01", "0000-01-01",
         " 2024-03-01", "20240301", "2024-W10-1", "2024-03-01T00:00", "BE", "be", " BE", "bé",
         "B", "BEL", "x" * 101, "x" * 51, "Zentrum\x00Nord", "\x00"]  # fmt: skip
PLAIN = {"start_date": "2024-02-29", "total_cost_eur": "0", "eligible_cost_eur": "12.5",
         "eu_contribution_eur": "", "union_cofinancing_rate": "1.0", "country": "nl",
         "operation_id": "x" * 100, "fund": "x" * 50, "beneficiary": ""}  # fmt: skip
OPEN = row(start_date="", expected_end_date="", eligible_cost_eur="", eu_contribution_eur="")


def typed_by_the_schema(values: dict):
    try:
        return tuple(imports.OperationRow.model_validate(values).__dict__.values())
    except imports.ValidationError:
        return None


def same_values(fast: tuple, schema: tuple) -> bool:
    """The values as the database keeps them: days and numbers may be stored as their text."""
    numbers = {*imports.AMOUNTS, "union_cofinancing_rate"}

    def kept(column, value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return Decimal(value) if column in numbers and value is not None else value

    return [*map(kept, operations.COLUMNS, fast)] == [*map(kept, operations.COLUMNS, schema)]


def check_agreement(values: dict):
    raw = tuple(values[c] for c in operations.COLUMNS)
    (fast,), unsure = imports._fast([(v,) for v in raw])
    schema = typed_by_the_schema(values)
    if not unsure:
        assert schema is not None and same_values(fast, schema), values
    # and the import as a whole: the schema's verdict, the schema's values
    done = imports.Imported("s")
    good = imports._Typist(list(operations.COLUMNS), done).good([list(raw)], [2], [])
    assert good == [] if schema is None else same_values(good[0], schema), values
    assert bool(done.bad_rows) == (schema is None)


@pytest.mark.parametrize("value", EDGES)
def test_the_batch_typing_and_the_schema_agree_on_edge_values(value):
    for column in operations.COLUMNS:
        check_agreement(OPEN | {column: value})


@pytest.mark.parametrize(("column", "value"), PLAIN.items())
def test_the_batch_typing_vouches_for_plain_values(column, value):
    raw = tuple((OPEN | {column: value})[c] for c in operations.COLUMNS)
    assert imports._fast([(v,) for v in raw])[1] == set()


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(
    column=st.sampled_from(operations.COLUMNS),
    value=st.text(st.sampled_from("0123456789.-+eE ,/T:\t\x00\xa0\x1fbB"), max_size=16),
)
def test_the_batch_typing_and_the_schema_agree_on_any_value(column, value):
    check_agreement(OPEN | {column: value})


days = st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(str) | st.just("")
amounts = st.integers(0, 10**6).map(lambda cents: f"{cents / 100:.2f}") | st.just("")


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(start=days, end=days, total=amounts, eligible=amounts, eu=amounts)
def test_the_batch_typing_and_the_schema_agree_on_the_rules_between_values(
    start, end, total, eligible, eu
):
    check_agreement(row(start_date=start, expected_end_date=end, total_cost_eur=total,
                        eligible_cost_eur=eligible, eu_contribution_eur=eu))  # fmt: skip


def test_a_bad_row_after_values_of_more_lines_is_named_by_its_own_line(db, tmp_path):
    rows = [row(purpose_and_achievements="Two\nlines"),
            row(operation_id="X", purpose_and_achievements="A\r\nB\rC"),
            row(operation_id="Y", total_cost_eur="x")]  # lines 2-3, 4-6, 7  # fmt: skip
    code, out, _ = run(write(tmp_path / "lines.csv", rows))
    assert (code, out.splitlines()[0]) == (2, "line 7: total_cost_eur: not a number (use a point "
                                              "for decimals, e.g. 1250.50)")  # fmt: skip
