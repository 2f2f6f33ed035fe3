"""Excel template and import: drop-down lists, whole-or-nothing, problems by sheet, row, column."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from gti.proposals import excel
from gti.proposals.models import Proposal
from gti.strategy.models import Strategy
from tests.factories import open_call, person

pytestmark = pytest.mark.usefixtures("loaded")

ROW = {
    "nr": "1",
    "title": "Wijkpark Ledeberg",
    "promoter": "Stad Gent",
    "contact_email": "an@example.org",
    "city_role": "initiator",
    "theme": "klimaatadaptatie",
    "specific_objective": "SD 2.4",
    "areas": "ledeberg, binnenstad",
    "start_date": "2026-01-01",
    "end_date": "2027-12-31",
    "cost_works": 100000,
    "cost_staff": 50000,
    "erdf_rate": 40,
    "erdf_requested": 60000,
    "co_city": 90000,
    "research_infrastructure": "nee",
}


def template(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("proposals", "template", str(path), stdout=io.StringIO())
    return path


def fill(path, rows, indicators=(), principles=(), partners=(), costs=()):
    wb = load_workbook(path)
    keys = [k for k, _h in excel.COLUMNS]
    for row in rows:
        wb[excel.PROPOSALS].append([row.get(k) for k in keys])
    for values in partners:
        wb[excel.PARTNERS].append(list(values))
    for values in costs:
        wb[excel.COSTS].append(list(values))
    for values in indicators:
        wb[excel.INDICATORS].append(list(values))
    for values in principles:
        wb[excel.PRINCIPLES].append(list(values))
    wb.save(path)
    return path


def run_import(path, call, user="applicant_gent"):
    out = io.StringIO()
    try:
        call_command(
            "proposals", "import", str(path), "--call", call.reference,
            "--as", person(user).username, stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_template_has_the_sheets_and_drop_down_lists(tmp_path):
    wb = load_workbook(template(tmp_path))
    assert wb.sheetnames == [
        "Voorstellen", "Partners", "Kosten", "Indicatoren", "Principes", "Lijsten"
    ]  # fmt: skip
    assert wb["Indicatoren"]["C1"].value == "Referentiewaarde"
    validations = {
        str(dv.sqref): dv.formula1 for dv in wb["Voorstellen"].data_validations.dataValidation
    }
    theme_column = excel._column(excel.COLUMNS, "theme")
    assert validations[f"{theme_column}2:{theme_column}1000"].startswith("Lijsten!$A$2")
    lists = wb["Lijsten"]
    themes = [c.value for c in lists["A"][1:] if c.value]
    assert "klimaatadaptatie" in themes and len(themes) == 7
    areas = [c.value for c in lists["C"][1:] if c.value]
    assert len(areas) == 34  # 9 districts + 25 wijken


def test_a_good_file_imports_every_proposal(tmp_path):
    call = open_call()
    second = dict(ROW, nr="2", title="Fietsparking Dampoort", theme="mobiliteit",
                  specific_objective="SD 2.8", areas="dampoort")  # fmt: skip
    path = fill(
        template(tmp_path),
        [ROW, second],
        indicators=[("1", "RCO26", 0, 1.5), ("2", "RCO58", 0, 0.4)],
        principles=[("1", "G-1", "Bereikt 9.000 bewoners"), ("2", "G-1", "Hele wijk")],
    )
    code, out = run_import(path, call)
    assert code == 0, out
    imported = Proposal.objects.order_by("reference")
    assert [p.title for p in imported] == ["Wijkpark Ledeberg", "Fietsparking Dampoort"]
    first = imported[0]
    assert sorted(a.code for a in first.areas.all()) == ["binnenstad", "ledeberg"]
    assert first.total_cost == 150000 and first.erdf_rate == Decimal("0.40")
    assert first.indicator_targets.get().indicator.code == "RCO26"
    assert first.justifications.get().principle.code == "G-1"
    assert all(p.state == "draft" and p.applicant.username == "applicant_gent" for p in imported)


def test_one_bad_row_imports_nothing_and_names_the_row(tmp_path):
    call = open_call()
    bad = dict(ROW, nr="2", title="Verkeerd", erdf_rate=50, erdf_requested=75000, co_city=75000,
               areas="borgerhout")  # fmt: skip
    path = fill(
        template(tmp_path), [ROW, bad], indicators=[("1", "RCO26", 0, 2), ("2", "RCO99", 0, 1)]
    )
    code, out = run_import(path, call)
    assert code == 1
    lines = out.splitlines()
    rate, areas = excel._column(excel.COLUMNS, "erdf_rate"), excel._column(excel.COLUMNS, "areas")
    assert f"Voorstellen!{rate}3: erdf_rate: 50% is above the programme maximum of 40%" in lines
    assert (
        f"Voorstellen!{areas}3: areas[0]: borgerhout is not an area of this city's GTI territory"
        in lines
    )
    assert (
        "Indicatoren!B3: indicator_targets[0].indicator: RCO99 is not an indicator of the programme"
        in lines
    )
    assert lines[-1] == "nothing imported: 3 problem(s)"
    assert Proposal.objects.count() == 0


def test_not_a_number_and_missing_sheet(tmp_path):
    call = open_call()
    path = fill(template(tmp_path), [dict(ROW, cost_works="honderdduizend")])
    code, out = run_import(path, call)
    works = excel._column(excel.COLUMNS, "cost_works")
    assert code == 1 and f"Voorstellen!{works}2: not a number: honderdduizend" in out
    wb = load_workbook(path)
    del wb["Principes"]
    wb.save(path)
    code, out = run_import(path, call)
    assert code == 1 and "Principes!-0: sheet missing" in out


def test_only_an_applicant_of_the_city_imports(tmp_path):
    call = open_call()
    path = fill(template(tmp_path), [ROW])
    with pytest.raises(Exception, match="may not"):
        run_import(path, call, user="applicant_antwerpen")
    assert Proposal.objects.count() == 0


def test_template_for_one_city(tmp_path):
    path = tmp_path / "gent.xlsx"
    call_command("proposals", "template", str(path), "--city", "gent", stdout=io.StringIO())
    lists = load_workbook(path)["Lijsten"]
    assert len([c for c in lists["C"][1:] if c.value]) == 25
    assert Strategy.objects.current().count() == 2


def test_partners_and_cost_lines_with_their_options_are_imported(tmp_path):
    call = open_call()
    row = dict(ROW, cost_staff=None, urban_angle="Ontharding in de gordel",
               additionality="Geen andere steun", whole_city="nee", state_aid="nee")  # fmt: skip
    row["co_city"] = 90500
    path = fill(template(tmp_path), [row], partners=[
        ("1", "Stad Gent", "gemeente", "BE", "0207451227", "ja", 80),
        ("1", "Buurtwerk vzw", "vzw", "BE", "0412.345.614", "ja", 20)], costs=[
        ("1", "staff", "Projectleiding", "unit_cost", "ja", 1000, 50, None, None, None),
        ("1", "other", "Catering", "real", "nee", None, None, None, None, 500)])  # fmt: skip
    code, out = run_import(path, call)
    assert code == 0, out
    proposal = Proposal.objects.get()
    assert [p.name for p in proposal.partners.all()] == ["Stad Gent", "Buurtwerk vzw"]
    assert proposal.partners.all()[1].enterprise_number == "0412.345.614"
    assert proposal.urban_angle == "Ontharding in de gordel"
    assert proposal.budget_lines.get(category="staff").amount == Decimal("50000.00")
    assert proposal.total_cost == Decimal("150500.00")
    assert proposal.eligible_cost == Decimal("150000.00")


def test_problems_in_partners_and_costs_are_placed_on_their_row(tmp_path):
    call = open_call()
    path = fill(
        template(tmp_path),
        [dict(ROW, cost_staff=None)],
        partners=[("1", "Stad Gent", "gemeente", "BE", "0207451228", "ja", 100)],
        costs=[("1", "staff", "Projectleiding", "unit_cost", "ja", 1000, None, None, None, None)],
    )  # fmt: skip
    code, out = run_import(path, call)
    assert code == 1
    assert ("Partners!E2: partners[0].enterprise_number: 0207451228 is not a valid enterprise "
            "number (0123.456.789, mod-97 check)") in out  # fmt: skip
    assert "Kosten!G2: budget_lines[1].unit_rate: a unit cost needs" in out
    assert Proposal.objects.count() == 0


# --- limits on an uploaded workbook -------------------------------------------------------------


def rewrite_sheet_xml(path, change):
    """Rewrite the first sheet's XML inside the xlsx (what a hand-made or hostile file can do)."""
    import zipfile

    members = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    name = "xl/worksheets/sheet1.xml"
    members[name] = change(members[name].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_a_file_above_the_size_limit_is_not_opened(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: opened.append(a))
    path = tmp_path / "groot.xlsx"
    path.write_bytes(b"PK" + b"\0" * excel.MAX_FILE_BYTES)
    parsed, problems = excel.read(path)
    assert parsed == [] and opened == []
    assert [str(p) for p in problems] == ["-!-0: the file is 5.0 MB; at most 5 MB is accepted"]


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path, monkeypatch):
    import zipfile

    opened = []
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: opened.append(a))
    path = template(tmp_path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/bomb.bin", "w") as member,
    ):
        for _ in range(60):
            member.write(bytes(1024 * 1024))  # 60 MB of zeros, a few kB compressed
    assert path.stat().st_size < excel.MAX_FILE_BYTES
    parsed, problems = excel.read(path)
    assert parsed == [] and opened == []
    assert [p.message for p in problems] == [
        "the workbook unpacks to 60.0 MB; at most 50 MB is accepted"
    ]


def test_a_sheet_declaring_the_whole_grid_is_refused(tmp_path):
    import re

    path = rewrite_sheet_xml(
        fill(template(tmp_path), [ROW]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml),
    )
    parsed, problems = excel.read(path)
    assert parsed == []
    assert [str(p) for p in problems] == [
        "Voorstellen!-0: the sheet has 1048576 rows; at most 1000 are read"
    ]


def test_rows_beyond_the_limit_are_refused_even_when_the_size_is_not_declared(tmp_path):
    import re

    rows = [dict(ROW, nr=str(n)) for n in range(1, 1001)]
    path = rewrite_sheet_xml(
        fill(template(tmp_path), rows), lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml)
    )
    parsed, problems = excel.read(path)
    assert parsed == []
    assert [str(p) for p in problems] == [
        "Voorstellen!-0: the sheet has 1001 rows; at most 1000 are read"
    ]


def test_the_workbook_is_read_streaming(tmp_path, monkeypatch):
    calls = []
    real = excel.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(excel, "load_workbook", spy)
    excel.read(fill(template(tmp_path), [ROW]))
    assert calls == [{"data_only": True, "read_only": True}]
