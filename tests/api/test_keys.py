"""API keys expire and can be revoked, by their owner (page) or an operator (CLI); the API has
rate limits per address and per key, answering 429 in the API's one error shape."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gti.accounts.models import ApiToken, AuditEvent
from gti.accounts.services import create_token, revoke_token
from tests.factories import person

pytestmark = pytest.mark.usefixtures("loaded")


def get(client, key, path="/api/v1/proposals"):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_key_lives_ninety_days_by_default(client, settings):
    key = create_token(person("applicant_gent"))
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == pytest.approx(
        datetime.timedelta(days=settings.GTI_API_KEY_DAYS), abs=datetime.timedelta(seconds=5)
    )
    assert settings.GTI_API_KEY_DAYS == 90
    assert get(client, key).status_code == 200


def test_an_expired_key_is_401(client):
    key = create_token(person("applicant_gent"), days=1)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert get(client, key).status_code == 401


def test_a_revoked_key_is_401_and_on_the_trail(client):
    user = person("applicant_gent")
    key = create_token(user)
    assert get(client, key).status_code == 200
    revoke_token(ApiToken.objects.get(), by=user)
    assert get(client, key).status_code == 401
    assert AuditEvent.objects.filter(action="accounts.token.revoked", actor=user).exists()


def test_only_the_owner_revokes(client):
    from django.core.exceptions import PermissionDenied

    create_token(person("applicant_gent"))
    with pytest.raises(PermissionDenied):
        revoke_token(ApiToken.objects.get(), by=person("applicant_gent_2"))
    assert ApiToken.objects.get().revoked_at is None


def test_cli_create_with_days_and_revoke():
    person("applicant_gent")
    out = io.StringIO()
    call_command("token", "create", "applicant_gent", "--days", "7", "--name", "sync", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
    assert (token.expires_at - timezone.now()).days == 6  # 7 days minus a moment
    out = io.StringIO()
    call_command("token", "revoke", f"gti_{token.prefix}", stdout=out)  # as the pages show it
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(CommandError, match="no key"):
        call_command("token", "revoke", "nothere1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="days"):
        call_command("token", "create", "applicant_gent", "--days", "0", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1


# The page


def test_the_owner_makes_a_key_on_the_page_and_sees_it_once(client):
    user = person("applicant_gent")
    client.force_login(user)
    response = client.post("/en/accounts/api-keys/", {"name": "my script", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    body = response.content.decode()
    key = body.split("data-new-key>")[1].split("<")[0]
    assert ApiToken.hash(key) == token.key_hash and token.name == "my script"
    assert key not in client.get("/en/accounts/api-keys/").content.decode()
    assert get(client, key).status_code == 200


def test_a_wrong_lifetime_is_a_form_error(client):
    client.force_login(person("applicant_gent"))
    response = client.post("/en/accounts/api-keys/", {"name": "x", "days": "0"})
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_on_the_page_and_no_one_else_can(client):
    owner = person("applicant_gent")
    key = create_token(owner)
    token = ApiToken.objects.get()
    client.force_login(person("applicant_gent_2"))
    assert client.post(f"/en/accounts/api-keys/{token.pk}/revoke/").status_code == 404
    client.force_login(owner)
    assert client.post(f"/en/accounts/api-keys/{token.pk}/revoke/").status_code == 302
    assert get(client, key).status_code == 401


def test_the_page_needs_a_login(client):
    assert client.get("/en/accounts/api-keys/").status_code == 302


# Rate limits


def test_anonymous_callers_are_limited_per_address(client, settings):
    settings.GTI_API_RATE_ANONYMOUS = "3/min"
    for _ in range(3):
        assert client.get("/api/v1/programme").status_code == 200
    response = client.get("/api/v1/programme")
    assert response.status_code == 429
    assert list(response.json()) == ["errors"]
    assert list(response.json()["errors"]) == ["(request)"]
    assert int(response["Retry-After"]) > 0


def test_each_key_has_its_own_limit(client, settings):
    settings.GTI_API_RATE_KEY = "2/min"
    first = create_token(person("applicant_gent"))
    second = create_token(person("applicant_gent_2"))
    assert [get(client, first).status_code for _ in range(3)] == [200, 200, 429]
    assert get(client, second).status_code == 200
    assert "te veel verzoeken" in get(client, first).json()["errors"]["(request)"][0]
    english = client.get(
        "/api/v1/proposals", HTTP_AUTHORIZATION=f"Bearer {first}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "too many requests" in english.json()["errors"]["(request)"][0]


def test_a_forwarded_address_is_not_believed_without_a_proxy(client, settings):
    """Sending X-Forwarded-For does not give a caller a fresh limit (GTI_PROXIES=0)."""
    settings.GTI_API_RATE_ANONYMOUS = "2/min"
    statuses = [
        client.get("/api/v1/programme", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_behind_one_proxy_each_client_has_its_own_limit(client, settings):
    """Behind nginx (GTI_PROXIES=1) the client is the address nginx appended last; what the
    client put before it is not believed."""
    settings.GTI_API_RATE_ANONYMOUS = "1/min"
    settings.GTI_PROXIES = 1

    def get(forwarded):
        return client.get("/api/v1/programme", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert get("198.51.100.7") == 200
    assert get("198.51.100.8") == 200  # another client
    assert get("1.2.3.4, 198.51.100.7") == 429  # the same client, claiming another address


def test_public_reads_carry_an_etag_and_may_be_kept_a_minute(client):
    first = client.get("/api/v1/programme")
    assert first.status_code == 200 and first["ETag"]
    assert first["Cache-Control"] == "public, max-age=60"
    assert "Accept-Language" in first["Vary"]
    again = client.get("/api/v1/programme", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    stale = client.get("/api/v1/programme", HTTP_IF_NONE_MATCH='"an-older-answer"')
    assert stale.status_code == 200 and stale.content == first.content
    key = create_token(person("applicant_gent"))
    mine = client.get("/api/v1/proposals", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert mine["Cache-Control"] == "private, no-cache"
