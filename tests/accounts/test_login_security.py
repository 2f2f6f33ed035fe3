"""Logging in: lock-out after repeated failures, the second factor for the money roles, and the
audit of logins and password changes."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gti.accounts.models import AuditEvent
from tests.factories import PASSWORD, person

pytestmark = pytest.mark.usefixtures("loaded")
LOGIN = "/en/accounts/login/"


def log_in(client, name, password=PASSWORD):
    return client.post(LOGIN, {"username": name, "password": password})


@pytest.fixture
def two_factor(settings):
    settings.GTI_REQUIRE_2FA = True


# Lock-out


def test_five_wrong_passwords_lock_the_login(client, settings):
    person("applicant_gent")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "applicant_gent", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = log_in(client, "applicant_gent", "wrong")
    assert response.status_code == 429
    assert "Login locked" in response.content.decode()
    assert "Try again after that time" in response.content.decode()
    # Locked: even the right password does not open it now.
    response = log_in(client, "applicant_gent")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_page_speaks_dutch(client, settings):
    person("applicant_gent")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/accounts/login/", {"username": "applicant_gent", "password": "fout"}
        )
    assert response.status_code == 429
    assert 'lang="nl"' in response.content.decode()


def test_fewer_failures_do_not_lock(client, settings):
    person("applicant_gent")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "applicant_gent", "wrong")
    assert log_in(client, "applicant_gent").status_code == 302
    assert "_auth_user_id" in client.session


# Audit of logins and password changes


def test_logins_and_failures_are_on_the_trail_without_the_password(client):
    user = person("applicant_gent")
    log_in(client, "applicant_gent", "mijn-geheim-wachtwoord")
    log_in(client, "nobody-here", "nog-een-geheim")
    log_in(client, "applicant_gent")
    failed = list(AuditEvent.objects.filter(action="accounts.login.failed").order_by("id"))
    assert [e.after["username"] for e in failed] == ["applicant_gent", "nobody-here"]
    assert failed[0].object_id == str(user.pk)
    ok = AuditEvent.objects.filter(action="accounts.login").get()
    assert ok.actor == user
    everything = str(list(AuditEvent.objects.values_list("before", "after", "reason")))
    assert "geheim" not in everything


def test_password_change_is_on_the_trail(client):
    user = person("applicant_gent")
    client.force_login(user)
    response = client.post(
        "/en/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "een nieuw lang wachtwoord",
            "new_password2": "een nieuw lang wachtwoord",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="accounts.password.changed").get()
    assert event.actor == user and "wachtwoord" not in str(event.after)
    user.refresh_from_db()
    assert user.check_password("een nieuw lang wachtwoord")


def test_a_refused_password_change_records_nothing(client):
    client.force_login(person("applicant_gent"))
    response = client.post(
        "/en/accounts/password/",
        {"old_password": "fout", "new_password1": "x", "new_password2": "x"},
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="accounts.password.changed").exists()


# Second factor


@pytest.mark.parametrize("name", ["managing_authority", "steering_gent", "assessor_gent"])
def test_a_money_role_reaches_nothing_before_the_set_up(client, two_factor, name):
    person(name)
    assert log_in(client, name).status_code == 302
    for page in ["/en/accounts/dashboard/", "/en/proposals/", "/en/", "/en/accounts/api-keys/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/en/accounts/login/code/setup/"), page
    setup = client.get("/en/accounts/login/code/setup/")
    assert setup.status_code == 200
    body = setup.content.decode()
    assert "<svg" in body and "otpauth://totp/" in body
    assert not TOTPDevice.objects.filter(user__username=name, confirmed=True).exists()


def test_a_valid_code_confirms_the_device_and_lets_them_in(client, two_factor):
    user = person("managing_authority")
    log_in(client, "managing_authority")
    client.get("/en/accounts/login/code/setup/")
    device = TOTPDevice.objects.get(user=user)
    code = f"{totp(device.bin_key):06d}"
    response = client.post(
        "/en/accounts/login/code/setup/", {"code": code, "next": "/en/proposals/"}
    )
    assert response.status_code == 302 and response["Location"] == "/en/proposals/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/en/accounts/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.second_factor.confirmed").exists()

    # The next login asks for a code; the next window's code (allowed drift) lets them in.
    client.logout()
    log_in(client, "managing_authority")
    response = client.get("/en/accounts/dashboard/")
    assert response["Location"].startswith("/en/accounts/login/code/?")
    next_code = f"{totp(device.bin_key, drift=1):06d}"
    response = client.post("/en/accounts/login/code/", {"code": next_code})
    assert response.status_code == 302
    assert client.get("/en/accounts/dashboard/").status_code == 200


def test_a_wrong_code_confirms_nothing_and_opens_nothing(client, two_factor):
    user = person("managing_authority")
    log_in(client, "managing_authority")
    client.get("/en/accounts/login/code/setup/")
    wrong = client.post("/en/accounts/login/code/setup/", {"code": "000000"})
    assert wrong.status_code == 200 and "This code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/en/accounts/dashboard/").status_code == 302

    TOTPDevice.objects.filter(user=user).update(confirmed=True)
    wrong = client.post("/en/accounts/login/code/", {"code": "12 34 56"})
    assert wrong.status_code == 200 and "This code is not right" in wrong.content.decode()
    assert client.get("/en/accounts/dashboard/").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.second_factor.failed").count() == 1


def test_other_roles_need_no_second_factor(client, two_factor):
    person("applicant_gent")
    log_in(client, "applicant_gent")
    assert client.get("/en/accounts/dashboard/").status_code == 200


def test_the_switch_lets_money_roles_in_and_the_login_page_says_so(client, settings):
    settings.GTI_REQUIRE_2FA = False
    person("managing_authority")
    page = client.get(LOGIN).content.decode()
    assert "Two-step login is switched off" in page
    log_in(client, "managing_authority")
    assert client.get("/en/accounts/dashboard/").status_code == 200

    settings.GTI_REQUIRE_2FA = True
    assert "Two-step login is switched off" not in client.get(LOGIN).content.decode()
    assert client.get("/en/accounts/dashboard/").status_code == 302


def test_the_login_page_tells_the_limit(client, settings):
    settings.AXES_FAILURE_LIMIT = 7
    assert "After 7 wrong passwords in a row" in client.get(LOGIN).content.decode()
