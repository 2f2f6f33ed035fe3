"""In the browser, on a phone-sized screen: a resident votes in a wijkbudget with the code of
their letter, sees the money left change, changes the ballot; the results page shows equal
shares beside greedy. axe on each page."""

import pytest
from playwright.sync_api import expect

from gti.budgeting import services
from tests.budgeting.test_services import ids, voting_round
from tests.e2e.conftest import axe_violations
from tests.factories import person

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)  # a shared machine may be slow to answer
    yield page
    context.close()


def test_a_resident_votes_on_a_phone_changes_the_ballot_and_sees_the_results(site, phone):
    round_ = voting_round()
    codes = services.generate_codes(round_, 4, by=person("secretariat_gent"))
    for code, chosen in zip(codes[1:], [("Speelplein",), ("Speelplein", "Bomen"), ("Bomen",)],
                            strict=True):  # fmt: skip
        voter = services.identify(round_, kind="code", identity=code, birth_year=1980)
        services.cast_ballot(round_, voter, ids(round_, *chosen))
    page = phone
    page.goto(f"/en/budgeting/{round_.pk}/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Vote", exact=True).click()
    letter = page.get_by_role("region", name="With the code on your letter")
    letter.get_by_role("textbox", name="Code on your letter").fill(codes[0])
    letter.get_by_label("Year of birth").fill("1992")
    page.get_by_role("button", name="Go to the ballot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ballot")
    left = page.locator("#left")
    expect(left).to_contain_text("Money left: EUR 100,000.00")
    page.get_by_label("Speelplein").check()
    expect(left).to_contain_text("Money left: EUR 60,000.00")
    page.get_by_label("Bankjes").focus()
    page.keyboard.press("Space")  # the keyboard works as well as a tap
    expect(left).to_contain_text("Money left: EUR 50,000.00")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for voting")
    token = page.locator("#token").inner_text()
    assert len(token) > 20
    assert axe_violations(page) == []

    page.get_by_role("link", name="Change my ballot").click()
    expect(page.get_by_label("Speelplein")).to_be_checked()
    page.get_by_label("Speelplein").uncheck()
    page.get_by_label("Fietsenstalling").check()
    expect(left).to_contain_text("Money left: EUR 40,000.00")
    page.get_by_role("button", name="Save my changed ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for voting")
    assert round_.ballots.count() == 4
    assert services.ballot_of(round_, token).choices == ids(round_, "Bankjes", "Fietsenstalling")

    services.advance(round_, by=person("secretariat_gent"))
    page.goto(f"/en/budgeting/{round_.pk}/results/")
    expect(page.get_by_role("heading", name="Equal shares (the result)")).to_be_visible()
    expect(page.get_by_role("heading", name="Greedy (for comparison)")).to_be_visible()
    expect(page.locator("#rule-mes-section svg").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="What did my share fund?").click()
    expect(page.locator("#my-spending")).to_contain_text("Fietsenstalling")
    assert axe_violations(page) == []
