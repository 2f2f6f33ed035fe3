"""The default procedure in the browser: the Antwerp steering committee validates with its
quorum while one member abstains on a conflict of interest; two managing-authority accounts sign
and confirm a decision round approving one proposal at a lower amount with a revised financing
plan, after taking a second proposal out of the round again; a member withdraws a signature
and signs again. axe on every page."""

import pytest
from playwright.sync_api import expect

from gti.portfolio.models import Meeting
from gti.proposals.models import Proposal
from tests.e2e.conftest import axe_violations
from tests.e2e.test_proposal_flow import log_in
from tests.factories import efro_assessed, efro_call, person
from tests.portfolio.test_services import envelopes

pytestmark = pytest.mark.e2e


def sign(page, url, votes: dict, note: dict | None = None):
    page.goto(url)
    for ref, choice in votes.items():
        page.locator(f"#vote-{ref}-{choice}").check()
    for ref, text in (note or {}).items():
        page.get_by_label(f"Note on {ref} (required with a conflict of interest)").fill(text)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your signature is recorded.")


def test_validation_with_an_abstention_then_a_decision_by_two_accounts(site, page):
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    plein = efro_assessed(call, "antwerpen", title="Klimaatplein")  # 250k, 100k ERDF
    school = efro_assessed(call, "antwerpen", title="Groene speelplaatsen")
    for name in ("secretariat_antwerpen", "steering_antwerpen", "steering_antwerpen_2",
                 "steering_antwerpen_3", "managing_authority_2"):  # fmt: skip
        person(name)
    a, b = plein.reference, school.reference

    log_in(page, "secretariat_antwerpen")
    page.goto(f"/en/calls/{call.reference}/scenarios/")
    page.get_by_label("Date of the validation by the steering committee of Antwerp").fill(
        "2026-12-01"
    )
    page.get_by_role("button", name="Prepare the steering committee's validation (Antwerp)").click()
    expect(page.locator(f'tr[data-ref="{a}"] .decision')).to_contain_text("fits the strategy")
    assert axe_violations(page) == []
    url = page.url

    log_in(page, "steering_antwerpen")
    sign(page, url, {a: "for", b: "for"})
    page.get_by_text("Withdraw my signature").first.click()  # signed too soon: take it back
    page.get_by_label("Why do you withdraw your signature?").fill("Stukken nog niet gelezen")
    page.get_by_role("button", name="Withdraw my signature").click()
    expect(page.get_by_role("status")).to_contain_text("Your signature is withdrawn.")
    sign(page, url, {a: "for", b: "for"})
    assert axe_violations(page) == []
    log_in(page, "steering_antwerpen_2")
    sign(page, url, {a: "conflict", b: "for"}, note={a: "Bestuurder van de promotor"})
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("the quorum is 2")
    expect(page.locator(f'tr[data-ref="{a}"] .tally')).to_contain_text(
        "1 for, 0 against, 1 abstained (conflict)"
    )
    expect(page.locator(f'tr[data-ref="{a}"] .votes')).to_contain_text("Bestuurder van de promotor")
    log_in(page, "steering_antwerpen_3")
    sign(page, url, {a: "for", b: "for"})
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is confirmed.")
    assert Proposal.objects.get(pk=plein.pk).state == "validated"
    assert axe_violations(page) == []

    log_in(page, "managing_authority")
    page.goto(f"/en/calls/{call.reference}/scenarios/")
    page.get_by_label("Date of the decision").fill("2026-12-10")
    page.get_by_role("button", name="Prepare the decision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision")
    form = page.locator(f'form.decision-form[data-ref="{a}"]')
    form.get_by_label("Outcome").select_option("approved")
    form.get_by_label("ERDF amount").fill("80000")
    expect(form.get_by_label("City")).to_have_value("150000.00")
    form.get_by_label("Partners").fill("20000")
    assert axe_violations(page) == []
    form.get_by_role("button", name=f"Save the decision on {a}").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    expect(page.locator(f'tr[data-ref="{a}"] .decision')).to_contain_text(
        "of EUR 100,000.00 requested"
    )
    # A decision prepared on the second proposal is taken out again: it waits for a later round.
    other = page.locator(f'form.decision-form[data-ref="{b}"]')
    other.get_by_label("Outcome").select_option("rejected")
    other.get_by_label("Reasons").fill("Te weinig draagvlak")
    other.get_by_role("button", name=f"Save the decision on {b}").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    other.get_by_label("Reasons").fill("Beslissing in een latere ronde")
    other.get_by_role("button", name=f"Take {b} out of this round (give the reasons)").click()
    expect(page.get_by_role("status")).to_contain_text("Taken out of this round, with its votes.")
    expect(other.get_by_role("button", name=f"Take {b} out of this round (give the reasons)")
           ).to_have_count(0)  # fmt: skip
    assert not Meeting.objects.get(purpose="decision").decisions.filter(proposal=school).exists()
    decision_url = page.url
    sign(page, decision_url, {a: "for"})
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("the quorum is 2")

    log_in(page, "managing_authority_2")
    sign(page, decision_url, {a: "for"})
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is confirmed.")
    expect(page.locator(f'tr[data-ref="{a}"] .revised-plan')).to_contain_text("partners")
    assert axe_violations(page) == []
    plein = Proposal.objects.get(pk=plein.pk)
    assert (plein.state, str(plein.erdf_granted)) == ("approved", "80000.00")
    assert Meeting.objects.get(purpose="decision").confirmed_by.username == "managing_authority_2"
