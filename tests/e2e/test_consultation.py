"""The public consultation in the browser: the city's secretariat opens it and prints a letter
code and records a participation moment; a resident takes part with the code, supports and
comments; the secretariat hides the comment with a reason and it is gone from the public page.
Every page is checked by axe."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, open_call, submitted

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


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_resident_takes_part_with_a_letter_code_and_the_city_moderates(site, page):
    call = open_call()
    proposal = submitted(call)
    now = timezone.now()
    # The server's first answer builds its index of static files: slow on a busy machine.
    page.goto("/en/", timeout=60_000)

    log_in(page, "secretariat_gent")
    page.goto(f"/en/calls/{call.reference}/")
    page.get_by_role("link", name="Manage the consultation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Public consultation")
    accessible(page)
    page.get_by_label("Consultation opens at").fill(local(now + datetime.timedelta(days=3)))
    page.get_by_label("Consultation closes at").fill(local(now + datetime.timedelta(days=1)))
    page.get_by_role("button", name="Save the dates").click()
    expect(page.locator(".errorlist").first).to_contain_text("closes after it opens")
    accessible(page)
    page.get_by_label("Consultation opens at").fill(local(now - datetime.timedelta(days=1)))
    page.get_by_label("Consultation closes at").fill(local(now + datetime.timedelta(days=14)))
    page.get_by_role("button", name="Save the dates").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    page.get_by_label("Number of letter codes").fill("1")
    page.get_by_role("button", name="Make and print the codes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Letter codes")
    code = page.locator(".code").inner_text()
    accessible(page)

    # A participation moment held about the call, in the city's own channel.
    page.goto(f"/en/calls/{call.reference}/")
    page.get_by_role("link", name="Participation moments").click()
    accessible(page)
    page.get_by_label(re.compile("^Date")).fill("2026-10-05")
    page.get_by_label(re.compile("^Channel")).select_option("platform")
    page.get_by_label("Target group").select_option("residents")
    page.get_by_label("Number of participants").fill("85")
    page.get_by_label("What was asked").fill("Welke projecten wil je in je wijk?")
    page.get_by_label("What came out").fill("Groen en veilige fietsroutes.")
    page.get_by_role("button", name="Record the moment").click()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    expect(page.get_by_text("Groen en veilige fietsroutes.")).to_be_visible()
    accessible(page)

    # A resident, without an account.
    page.context.clear_cookies()
    page.goto(f"/en/consultations/{call.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consultation")
    accessible(page)
    page.get_by_label("Code from your letter").fill(code)
    page.get_by_role("button", name="Use the code").click()
    expect(page.get_by_role("status")).to_contain_text("You take part as Resident")
    pseudonym = page.get_by_role("status").inner_text().split("Resident ")[1].rstrip(".")
    page.get_by_role("button", name=f"Support {proposal.reference}").click()
    expect(page.get_by_role("status")).to_contain_text("counted")
    expect(page.locator(".supports")).to_have_text("1 support")
    expect(page.get_by_text("You support this proposal.")).to_be_visible()
    page.get_by_label(f"Your comment on {proposal.reference}").fill("Te weinig bomen.")
    page.get_by_role("button", name="Publish the comment").click()
    expect(page.locator("blockquote.comment")).to_contain_text("Te weinig bomen.")
    expect(page.locator("blockquote.comment")).to_contain_text(f"Resident {pseudonym}")
    accessible(page)

    # The secretariat hides it, with a reason.
    log_in(page, "secretariat_gent")
    page.goto(f"/en/calls/{call.reference}/consultation/")
    page.get_by_role("link", name=f"Hide the comment of Resident {pseudonym}").click()
    accessible(page)
    page.get_by_role("button", name="Hide the comment").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    page.get_by_label("Why is this comment hidden?").fill("Geen inhoud over het voorstel.")
    page.get_by_role("button", name="Hide the comment").click()
    expect(page.get_by_role("status")).to_contain_text("hidden")
    expect(page.get_by_text("hidden: Geen inhoud over het voorstel.")).to_be_visible()
    accessible(page)

    page.context.clear_cookies()
    page.goto(f"/en/consultations/{call.reference}/")
    expect(page.get_by_text("No comments yet.")).to_be_visible()
    expect(page.get_by_text("Te weinig bomen.")).to_have_count(0)
