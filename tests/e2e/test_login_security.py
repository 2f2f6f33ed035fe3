"""Login protection in the browser: a managing-authority person sets up two-step login with an
authenticator app and logs in again with a code; too many wrong passwords lock the login."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import PASSWORD, person

pytestmark = pytest.mark.e2e


def accessible(page):
    assert axe_violations(page) == [], page.url


def password_step(page, name, password=PASSWORD):
    page.goto("/en/accounts/login/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_managing_authority_sets_up_two_step_login_and_logs_in_with_a_code(site, page, settings):
    settings.GTI_REQUIRE_2FA = True
    person("managing_authority")

    page.goto("/en/accounts/login/")
    expect(page.get_by_text("Two-step login is switched off")).to_have_count(0)
    accessible(page)
    password_step(page, "managing_authority")

    # Nothing but the set-up until a code from the app confirms it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step login")
    expect(
        page.get_by_role("img", name="QR code with the key for your authenticator app")
    ).to_be_visible()
    accessible(page)
    page.goto("/en/accounts/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step login")

    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    expect(page.get_by_text("Two-step login is set up.")).to_be_visible()
    accessible(page)

    page.get_by_role("button", name="Log out").click()
    password_step(page, "managing_authority")
    expect(page.get_by_role("heading", level=1)).to_have_text("Login code")
    accessible(page)
    # The code of the next 30 seconds (the app's clock may run ahead): the first one is used.
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key, drift=1):06d}")
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")


def test_too_many_wrong_passwords_show_the_lock_out_page(site, page, settings):
    person("applicant_gent")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        password_step(page, "applicant_gent", "niet mijn wachtwoord")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    password_step(page, "applicant_gent", "niet mijn wachtwoord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Login locked")
    expect(page.get_by_role("alert")).to_contain_text("Try again after that time")
    accessible(page)

    # In Dutch too (the text itself is translated in the one translation pass).
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("applicant_gent")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("main").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("alert")).to_be_visible()
    accessible(page)


def test_pages_and_the_api_docs_run_within_the_content_security_policy(site, page):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    person("applicant_gent")
    password_step(page, "applicant_gent")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    page.goto("/en/accounts/api-keys/")
    page.get_by_label("What the key is for").fill("script")
    page.get_by_role("button", name="Make a key").click()
    expect(page.locator("[data-new-key]")).to_contain_text("gti_")
    accessible(page)
    page.goto("/en/strategies/gent/")
    page.goto("/api/v1/docs")
    # the docs build the schema first: on a busy machine that takes more than the default 5 s
    expect(page.get_by_text("GTI Platform API").first).to_be_visible(timeout=30_000)
    assert refused == []
