"""`gti opendata export`: the list of operations (CPR art. 49(3)) on the full demo data, in every
format; only approved operations, only published fields."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from openpyxl import load_workbook

from gti.monitoring.models import ProgressReport
from gti.opendata import operations
from gti.opendata.formats import FORMATS
from gti.proposals.models import (
    Partner,
    PreRegistration,
    PreRegistrationFeedback,
    Proposal,
    Score,
    ScreeningCheck,
)

KEYS = [
    "operation_id", "operation_name", "beneficiary", "purpose_and_achievements", "start_date",
    "expected_end_date", "total_cost_eur", "eligible_cost_eur", "eu_contribution_eur",
    "union_cofinancing_rate", "fund", "priority", "specific_objective",
    "category_of_intervention", "city", "theme", "location", "location_postcode", "country",
    "last_updated",
]  # fmt: skip


@pytest.fixture
def demo(demo_made, db):
    """The demo, made once for the module (tests/conftest.py)."""


def export(tmp_path, fmt, *args) -> bytes:
    output = tmp_path / f"operations.{fmt}"
    err = io.StringIO()
    call_command("opendata", "export", "--format", fmt, "--output", str(output), *args,
                 stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert "written" in err.getvalue()
    return output.read_bytes()


def parse(fmt, data: bytes) -> tuple[list[list[str]], list[dict]]:
    """(the keys of each row in order, the rows) of an export read back."""
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        rows = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
        return [lines[0]] * len(rows), rows
    if fmt == "json":
        rows = json.loads(data)
        return [list(r) for r in rows], rows
    if fmt == "geojson":
        collection = json.loads(data)
        assert collection["type"] == "FeatureCollection"
        rows = [f["properties"] for f in collection["features"]]
        return [list(r) for r in rows], rows
    sheets = load_workbook(io.BytesIO(data), read_only=True).worksheets
    assert len(sheets) == 1
    lines = [
        [c if c is not None else "" for c in line] for line in sheets[0].iter_rows(values_only=True)
    ]
    rows = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    return [list(lines[0])] * len(rows), rows


def test_each_format_reads_back_with_the_keys_in_order_one_row_per_approved_operation(
    demo, tmp_path, django_assert_max_num_queries
):
    approved = Proposal.objects.filter(state=Proposal.State.APPROVED)
    assert approved.count() >= 2
    with translation.override("nl"), django_assert_max_num_queries(12):  # not one per row
        published = [o.row() for o in operations.published(with_geometry=True)]
    for fmt in FORMATS:
        keys, rows = parse(fmt, export(tmp_path, fmt))
        assert all(k == KEYS for k in keys), fmt
        assert [r["operation_id"] for r in rows] == sorted(
            approved.values_list("reference", flat=True)
        )
        assert rows == published, fmt
    for row in published:
        assert (row["country"], row["fund"], row["category_of_intervention"]) == ("BE", "ERDF", "")
        for money in ("total_cost_eur", "eligible_cost_eur", "eu_contribution_eur"):
            assert Decimal(row[money]).as_tuple().exponent == -2
        assert 0 < Decimal(row["union_cofinancing_rate"]) <= Decimal("0.40")
        assert Decimal(row["eu_contribution_eur"]) <= Decimal(row["eligible_cost_eur"])
        assert row["start_date"] < row["expected_end_date"] and len(row["last_updated"]) == 10


def test_a_city_exports_its_own_operations_and_geojson_carries_the_areas(demo, tmp_path):
    collection = json.loads(export(tmp_path, "geojson", "--city", "gent"))
    gent = Proposal.objects.filter(state=Proposal.State.APPROVED, city__code="gent")
    assert len(collection["features"]) == gent.count() > 0
    for feature, proposal in zip(collection["features"], gent.order_by("reference"), strict=True):
        assert feature["properties"]["city"] == "Gent"
        geometry = feature["geometry"]
        if proposal.whole_city or proposal.areas.filter(boundary__isnull=False).exists():
            assert geometry["type"] == "MultiPolygon" and geometry["coordinates"]
            areas = proposal.strategy.areas.all() if proposal.whole_city else proposal.areas.all()
            rings = sum(len(a.boundary["coordinates"]) if a.boundary["type"] == "MultiPolygon"
                        else 1 for a in areas if a.boundary)  # fmt: skip
            assert len(geometry["coordinates"]) == rings
        else:
            assert geometry is None

    # purpose and achievements: the values of the latest accepted progress report
    report = (
        ProgressReport.objects.filter(state=ProgressReport.State.ACCEPTED)
        .exclude(values=None)
        .select_related("grant__proposal")
        .first()
    )
    assert report is not None
    reference = report.grant.proposal.reference
    row = next(o for o in operations.published() if o.operation_id == reference)
    value = report.values.first()
    assert f"Achieved by {report.period_end.isoformat()}: " in row.purpose_and_achievements
    assert f"{value.code} {value.value.normalize():f}" in row.purpose_and_achievements

    # the beneficiary: the lead partner, named only as a legal entity (CPR art. 49(3)(a))
    lead = Partner.objects.get(proposal__reference=reference, position=0)
    assert row.beneficiary == lead.name == report.grant.proposal.promoter
    Partner.objects.filter(pk=lead.pk).update(legal_personality=False)
    row = next(o for o in operations.published() if o.operation_id == reference)
    assert row.beneficiary == ""


def test_only_the_latest_accepted_report_is_cited_and_its_acceptance_dates_the_row(demo):
    report = (
        ProgressReport.objects.filter(state=ProgressReport.State.ACCEPTED)
        .exclude(values=None)
        .select_related("grant__proposal")
        .first()
    )
    value = report.values.first()
    later = ProgressReport.objects.create(
        grant=report.grant,
        period_start=report.period_end + datetime.timedelta(days=1),
        period_end=report.period_end + datetime.timedelta(days=90),
        state=ProgressReport.State.ACCEPTED,
        reviewed_at=timezone.now() + datetime.timedelta(days=400),
    )
    later.values.create(code=value.code, value=value.value + Decimal("12.5"))
    draft = ProgressReport.objects.create(
        grant=report.grant,
        period_start=later.period_end + datetime.timedelta(days=1),
        period_end=later.period_end + datetime.timedelta(days=90),
    )
    draft.values.create(code=value.code, value=Decimal("999999"))
    row = operations.one(report.grant.proposal.reference)
    achieved = f"{(value.value + Decimal('12.5')).normalize():f}"
    cited = f"Achieved by {later.period_end.isoformat()}: {value.code} {achieved}."
    assert cited in row.purpose_and_achievements
    assert f"Achieved by {report.period_end.isoformat()}" not in row.purpose_and_achievements
    assert "999999" not in row.purpose_and_achievements
    assert row.last_updated == timezone.localdate(later.reviewed_at).isoformat()


def unpublished(approved_names: set[str]) -> set[str]:
    """Every value of the demo database the public may not read."""
    values = set()
    for p in Proposal.objects.all():
        values |= {p.contact_name, p.contact_email, p.contact_phone, p.applicant.username,
                   p.applicant.email, p.urban_angle, p.additionality}  # fmt: skip
        values |= {str(reason) for reason in p.screening_reasons}
        if p.state != Proposal.State.APPROVED:
            values |= {p.reference, p.title} - approved_names
    values |= set(Score.objects.values_list("justification", flat=True))
    values |= set(ScreeningCheck.objects.values_list("note", flat=True))
    values |= set(PreRegistration.objects.values_list("reference", flat=True))
    values |= set(PreRegistrationFeedback.objects.values_list("remarks", flat=True))
    values |= set(ProgressReport.objects.values_list("remarks", flat=True))
    values |= set(ProgressReport.objects.values_list("risks", flat=True))
    values |= set(
        Partner.objects.exclude(enterprise_number="").values_list("enterprise_number", flat=True)
    )
    return {v for v in values if v and len(v) >= 4}


def test_no_unpublished_value_appears_in_any_format(demo, tmp_path):
    # a title an approved operation shares with one that is not approved is published as its own
    approved_names = set(Proposal.objects.filter(state="approved").values_list("title", flat=True))
    secret = unpublished(approved_names)
    assert Proposal.objects.exclude(state="approved").exclude(title__in=approved_names).exists()
    assert any("@" in v for v in secret) and Score.objects.exists()
    assert ScreeningCheck.objects.exclude(note="").exists()
    for fmt in FORMATS:
        data = export(tmp_path, fmt)
        text = data.decode("utf-8") if fmt != "xlsx" else _xlsx_text(data)
        leaked = sorted(v for v in secret if v in text)
        assert leaked == [], fmt


def _xlsx_text(data: bytes) -> str:
    """Every cell of the workbook as text (the file itself is compressed XML)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(c) for s in book.worksheets for line in s.iter_rows(values_only=True)
                     for c in line if c is not None)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--city", "brugge"], "--city"),
        (["--output-in", "missing"], "--output"),
    ],
)
def test_bad_options_exit_2_naming_the_option_and_write_nothing(loaded, tmp_path, args, option):
    output = tmp_path / "missing" / "x.csv" if args[0] == "--output-in" else tmp_path / "x.csv"
    city = args[1:] if args[0] == "--city" else []
    with pytest.raises(CommandError) as refused:
        call_command("opendata", "export", "--format", "csv", "--output", str(output),
                     *(["--city", *city] if city else []),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert refused.value.returncode == 2 and str(refused.value).startswith(f"{option}: ")
    assert [p.name for p in tmp_path.iterdir() if p.name != "var"] == []


def test_an_unknown_format_exits_2_on_the_command_line(tmp_path):
    """argparse refuses it before anything is read (exit 2, naming --format)."""
    import os
    import subprocess
    import sys

    output = tmp_path / "x.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "gti", "opendata", "export", "--format", "pdf",
         "--output", str(output)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert done.returncode == 2 and "--format" in done.stderr and "invalid choice" in done.stderr
    assert not output.exists()


def test_a_failure_while_writing_leaves_no_file(loaded, tmp_path, monkeypatch):
    output = tmp_path / "out.csv"
    output.write_text("the previous list")

    def broken(*args, **kwargs):
        yield operations.Operation(*(["x"] * len(KEYS)))
        raise RuntimeError("database gone")

    monkeypatch.setattr(operations, "published", broken)
    with pytest.raises(RuntimeError):
        call_command("opendata", "export", "--format", "csv", "--output", str(output),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert output.read_text() == "the previous list"
    assert [p.name for p in tmp_path.iterdir() if p.name != "var"] == ["out.csv"]


def test_the_workbook_keeps_typed_text_as_text(loaded, tmp_path):
    """A title that looks like a formula stays text, and a control character pasted from a word
    processor (a vertical tab) is left out instead of breaking the file."""
    from tests.factories import submitted

    odd = submitted(title='=HYPERLINK("http://example.org","Klik")', summary="Groen\x0bplein")
    Proposal.objects.filter(pk=odd.pk).update(state=Proposal.State.APPROVED)
    book = load_workbook(io.BytesIO(export(tmp_path, "xlsx")))
    rows = list(book.active.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    mine = next(r for r in rows[1:] if r[0].value == odd.reference)
    name = mine[header.index("operation_name")]
    assert (name.value, name.data_type) == ('=HYPERLINK("http://example.org","Klik")', "s")
    assert mine[header.index("purpose_and_achievements")].value.startswith("Groenplein")
