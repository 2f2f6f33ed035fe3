"""The programme's milestone 2024 and target 2029 on the dashboard's indicator figure: Ghent's
Wijkpark targets 1.5 ha of RCO26; with a performance framework of 0.50 ha by 2024 and 3.00 ha by
2029 the managing authority sees both in the table and as markers on the chart. axe on the page."""

import pytest
from playwright.sync_api import expect

from gti.strategy.models import Programme
from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.factories import efro_call
from tests.monitoring.test_grants import LINES, approved, envelopes

pytestmark = pytest.mark.e2e


def test_milestones_beside_the_indicators(site, page):
    envelopes("gent")
    envelopes("antwerpen")
    approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    programme = Programme.objects.get(is_current=True)
    programme.source = {**programme.source, "performance": {"indicators": [
        {"indicator": "RCO26", "milestone_2024": "0.50", "target_2029": "3.00"},
    ]}}  # fmt: skip
    programme.save(update_fields=["source"])

    log_in(page, "managing_authority")
    page.goto("/en/monitoring/dashboard/")
    row = page.locator("#t-indicators tbody tr", has_text="RCO26")
    expect(row).to_contain_text("1.50")
    expect(row.locator("td").nth(6)).to_have_text("0.50")
    expect(row.locator("td").nth(7)).to_have_text("3.00")
    chart = page.locator("[data-chart=indicators]")
    expect(chart.locator(".main-svg").first).to_be_visible()
    expect(chart.locator(".legendtext", has_text="programme milestone 2024")).to_be_visible()
    expect(chart.locator(".legendtext", has_text="programme target 2029")).to_be_visible()
    expect(chart.locator(".scatterlayer .point")).to_have_count(2)
    assert axe_violations(page) == []
