"""A promoter adds the annex the call requires and submits, gets the receipt by e-mail, the
secretariat returns the proposal with reasons, the promoter reads them and the reminder of the
correction period in the notifications, finds the date on My deadlines, then submits again."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from gti.accounts.models import AuditEvent
from gti.documents import services as documents
from tests.e2e.conftest import axe_violations
from tests.e2e.test_annexes import pdf, upload
from tests.factories import PASSWORD, draft, open_call, person

pytestmark = pytest.mark.e2e


def log_in(page, name):
    page.context.clear_cookies()
    page.goto("/en/accounts/login/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")


def accessible(page):
    assert axe_violations(page) == [], page.url


def test_receipt_return_with_reasons_deadline_and_resubmission(site, page, settings, mailoutbox):
    settings.GTI_SITE_URL = site.url
    page.set_default_timeout(60_000)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call = open_call("gent")
    documents.set_annex_kinds(call, by=person("secretariat_gent"),
                              kinds={"letter_of_commitment": "required"})  # fmt: skip
    proposal = draft(call)
    ref = proposal.reference

    # The promoter adds the annex the call requires, then submits; the receipt with the
    # fingerprint is e-mailed at once.
    page.goto("/health/")  # the server's first answer builds its handler
    log_in(page, "applicant_gent")
    page.goto(f"/en/proposals/{ref}/")
    expect(page.locator("#missing-annexes")).to_contain_text("partner's letter of commitment")
    upload(page, "partner's letter of commitment", pdf("engagement.pdf"))
    expect(page.locator("#missing-annexes")).to_have_count(0)
    page.goto(f"/en/proposals/{ref}/edit/review/")
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.locator(".state").first).to_have_text("submitted")
    fingerprint = AuditEvent.objects.get(action="proposals.proposal.submitted").after[
        "content_hash"
    ]
    [receipt] = [m for m in mail.outbox if m.to == ["applicant_gent@example.org"]]
    assert ref in receipt.subject and fingerprint in receipt.body
    assert f"{site.url}/proposals/{ref}/" in receipt.body  # the promoter reads Dutch by default

    # The secretariat returns it with the reasons.
    log_in(page, "secretariat_gent")
    page.goto(f"/en/proposals/{ref}/")
    page.get_by_text("Return to the applicant for correction").click()
    page.get_by_label("What must be corrected").fill("Add the quotations for the works.")
    page.get_by_role("button", name="Return for correction").click()
    expect(page.get_by_role("status")).to_contain_text(f"{ref} is now draft")

    # The daily run reminds of the correction period (14 days: the 14-day reminder is due).
    due = timezone.localdate() + datetime.timedelta(days=14)
    call_command("deadlines", "remind", stdout=io.StringIO(), stderr=io.StringIO())

    # The promoter sees the notice with the reasons and the reminder, and the date on My
    # deadlines.
    log_in(page, "applicant_gent")
    header = page.locator("[data-unread]")
    expect(header).to_have_attribute("data-unread", "3")
    header.click()
    notice = page.locator("[data-notification=returned]")
    expect(notice).to_contain_text("Add the quotations for the works.")
    reminder = page.locator("[data-notification=deadline]")
    expect(reminder).to_contain_text(ref)  # in the promoter's language (Dutch): the reference
    expect(reminder).to_contain_text(due.isoformat())
    accessible(page)
    notice.get_by_role("button").click()
    expect(page.locator("[data-unread]")).to_have_attribute("data-unread", "2")

    page.get_by_role("link", name="My deadlines").click()
    row = page.locator("tr", has_text="submit the corrected proposal")
    expect(row).to_contain_text(due.isoformat())
    expect(row).to_contain_text(ref)
    accessible(page)

    # …and submits it again: a second receipt.
    page.goto(f"/en/proposals/{ref}/edit/review/")
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.locator(".state").first).to_have_text("submitted")
    receipts = [m for m in mail.outbox if m.to == ["applicant_gent@example.org"]]
    # receipt, returned for correction (required), the reminder, the second receipt
    assert len(receipts) == 4
    page.goto("/en/my-work/")
    expect(page.locator("tr", has_text="submit the corrected proposal")).to_have_count(0)
