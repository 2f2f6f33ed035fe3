"""An applicant imports proposals from the Excel template in the browser."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from gti.proposals import excel
from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import open_call, person
from tests.proposals.test_excel import ROW

pytestmark = pytest.mark.e2e


def test_bad_row_is_listed_then_a_corrected_file_imports(site, page, tmp_path):
    call = open_call("gent")
    person("applicant_gent")
    log_in(page, "applicant_gent")
    page.goto(f"/calls/{call.reference}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel-sjabloon downloaden").click()
    path = tmp_path / "voorstellen.xlsx"
    download.value.save_as(path)

    wb = load_workbook(path)
    keys = [k for k, _h in excel.COLUMNS]
    wb[excel.PROPOSALS].append([ROW.get(k) for k in keys])
    wb[excel.PROPOSALS].append([dict(ROW, nr="2", areas="borgerhout").get(k) for k in keys])
    wb.save(path)

    page.get_by_role("link", name="Projectvoorstellen uit Excel importeren").click()
    page.get_by_label("Ingevuld Excel-sjabloon").set_input_files(path)
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_role("heading", name="Er is niets geïmporteerd")).to_be_visible()
    problem = page.locator("table.problems-table tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("borgerhout")
    expect(problem.locator("td").nth(1)).to_have_text("3")
    assert axe_violations(page) == []

    wb = load_workbook(path)
    wb[excel.PROPOSALS].delete_rows(3)
    wb.save(path)
    page.get_by_label("Ingevuld Excel-sjabloon").set_input_files(path)
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_role("status")).to_contain_text("1 projectvoorstel geïmporteerd als ontwerp")
    expect(page.get_by_role("link", name=f"{call.reference}-001")).to_be_visible()
