"""The Excel export on data made through the services: the worked example of
tests/monitoring/test_claims.py (Ghent's Wijkpark, claim 1 verified and paid) and an Antwerp
project. The workbook is opened with openpyxl: its sheets, headings and rows; a city's
secretariat exports its own city only."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from gti.monitoring import claims, exports, services
from tests.factories import person
from tests.monitoring.test_claims import TODAY, grant, verified  # noqa: F401 (fixture)
from tests.monitoring.test_grants import approved, call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")

SHEETS = ["Projects", "Grants", "Claims", "Claim lines", "Payments", "Payment applications",
          "Indicator values"]  # fmt: skip


@pytest.fixture
def programme(grant, call):  # noqa: F811
    """Ghent's grant with claim 1 verified and paid; Antwerp's grant in force, no claim."""
    claim = verified(grant)
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    antwerp = approved(call, city="antwerpen", title="Groene Singel")
    other = services.open_grant(antwerp, by=person("managing_authority"))
    services.approve_version(other.versions.get(), by=person("managing_authority_2"),
                             in_force_from=TODAY)  # fmt: skip
    return grant.proposal, antwerp


def export(user, **params):
    out, steps = io.BytesIO(), []
    with translation.override("en"):
        name = exports.write_excel(
            person(user), exports.ExcelParameters(**params), out, lambda d, t: steps.append((d, t))
        )
    out.seek(0)
    return load_workbook(out, read_only=True), name, steps


def rows(book, sheet):
    found = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    return found[0], found[1:]


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_managing_authority_s_workbook(programme):
    gent, antwerp = programme
    book, name, steps = export("managing_authority")
    assert book.sheetnames == SHEETS
    assert name.startswith("gti-export-") and name.endswith(".xlsx")

    head, projects = rows(book, "Projects")
    assert head[:3] == ["Reference", "Title", "City"]
    assert sorted(r[0] for r in projects) == sorted([gent.reference, antwerp.reference])
    wijkpark = next(r for r in projects if r[0] == gent.reference)
    assert wijkpark[2] == "Ghent" and wijkpark[5] == gent.specific_objective.code
    assert money(wijkpark[head.index("Total cost")]) == gent.total_cost
    assert money(wijkpark[head.index("Eligible cost")]) == Decimal("150000.00")

    head, grants = rows(book, "Grants")
    row = next(r for r in grants if r[0] == gent.reference)
    assert money(row[head.index("ERDF granted")]) == Decimal("60000.00")
    assert Decimal(str(row[head.index("ERDF rate")])) == Decimal("0.4")
    assert row[head.index("Version in force")] == 1

    head, claim_rows = rows(book, "Claims")
    assert head == ["Reference", "Claim", "State", "Final claim", "Submitted on",
                    "Grant version", "Declared", "Accepted eligible cost", "ERDF payable",
                    "ERDF paid", "Paid on"]  # fmt: skip
    assert len(claim_rows) == 1  # one row per claim
    claim = dict(zip(head, claim_rows[0], strict=True))
    assert claim["Reference"] == gent.reference and claim["State"] == "paid"
    assert money(claim["Declared"]) == Decimal("57000.00")
    assert money(claim["Accepted eligible cost"]) == Decimal("54000.00")
    assert money(claim["ERDF payable"]) == money(claim["ERDF paid"]) == Decimal("21600.00")

    head, lines = rows(book, "Claim lines")
    assert [r[2] for r in lines] == [1, 2, 3, 4]
    reduced = dict(zip(head, lines[1], strict=True))
    assert (reduced["Verification"], money(reduced["Accepted"])) == ("reduced", Decimal("9000"))
    assert reduced["Reason"] == "Meerwerk zonder offerte"

    _, payments = rows(book, "Payments")
    assert [(r[0], r[1], money(r[3])) for r in payments] == [
        (gent.reference, 1, Decimal("21600.00"))
    ]
    head, indicators = rows(book, "Indicator values")
    assert head == ["Reference", "Indicator", "Reference value", "Target", "Value achieved",
                    "Achieved by"]  # fmt: skip
    targets = {(r[0], r[1]): r[3] for r in indicators}
    assert {ref for ref, _ in targets} == {gent.reference, antwerp.reference}

    # Progress moves from nothing to every row written.
    total = len(projects) + len(grants) + 1 + 4 + 1 + len(indicators)
    assert steps[0] == (0, total) and steps[-1] == (total, total)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_a_city_secretariat_exports_its_own_city_only(programme):
    gent, antwerp = programme
    book, _, _ = export("secretariat_antwerpen")
    assert [r[0] for r in rows(book, "Projects")[1]] == [antwerp.reference]
    assert [r[0] for r in rows(book, "Grants")[1]] == [antwerp.reference]
    assert rows(book, "Claims")[1] == rows(book, "Claim lines")[1] == []
    assert rows(book, "Payments")[1] == []
    assert rows(book, "Payment applications")[1] == []  # the programme's, not a city's
    assert {r[0] for r in rows(book, "Indicator values")[1]} <= {antwerp.reference}

    book, _, _ = export("secretariat_gent")
    assert [r[0] for r in rows(book, "Projects")[1]] == [gent.reference]
    assert len(rows(book, "Claims")[1]) == 1


def test_one_city_chosen(programme):
    gent, _ = programme
    book, name, _ = export("managing_authority", city="gent")
    assert [r[0] for r in rows(book, "Projects")[1]] == [gent.reference]
    assert "-gent-" in name


def test_an_unknown_city_or_field_is_refused_by_name():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="city"):
        exports.ExcelParameters(city="atlantis")
    with pytest.raises(ValidationError, match="colour"):
        exports.ExcelParameters.model_validate({"colour": "red"})


def test_the_command_writes_the_same_export_with_its_progress(programme, tmp_path):
    gent, antwerp = programme
    path, err, out = tmp_path / "export.xlsx", io.StringIO(), io.StringIO()
    call_command("monitoring", "export", "--output", str(path), "--as", "secretariat_gent",
                 "--language", "en", stderr=err, stdout=out)  # fmt: skip
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == SHEETS
    assert [r[0] for r in rows(book, "Projects")[1]] == [gent.reference]
    assert money(rows(book, "Claims")[1][0][6]) == Decimal("57000.00")
    assert "written 0/" in err.getvalue() and str(path) in out.getvalue()

    # Without a person: the whole programme (the operator's own run).
    call_command("monitoring", "export", "--output", str(path), "--language", "en",
                 stderr=err, stdout=out)  # fmt: skip
    book = load_workbook(path, read_only=True)
    assert sorted(r[0] for r in rows(book, "Projects")[1]) == sorted(
        [gent.reference, antwerp.reference]
    )


def test_the_command_refuses_an_unknown_person_a_role_without_export_or_a_city(tmp_path):
    path = tmp_path / "export.xlsx"
    person("applicant_gent")
    for args, message in [(["--as", "nobody"], "no user"),
                          (["--as", "applicant_gent"], "export.excel"),
                          (["--city", "atlantis"], "no such city")]:  # fmt: skip
        with pytest.raises(CommandError, match=message):
            call_command("monitoring", "export", "--output", str(path), *args)
    assert not path.exists()
