"""Logging in: the audit of logins and password changes, and the second factor (TOTP) that the
roles deciding on money need after their password."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gti.accounts import audit, permissions
from gti.accounts.models import MONEY_ROLES


class LoginAttempt:
    """What a failed login is about: the user name typed (never the password)."""

    def __init__(self, username: str):
        self.username = username

    def __str__(self):
        return self.username


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record("accounts.login", user, by=user, after={"address": _address(request)})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        audit.record(
            "accounts.login.failed",
            user or LoginAttempt(username),
            by=None,
            after={"username": username, "address": _address(request)},
        )


def change_password(form) -> None:
    """Save a PasswordChangeForm and record the change (never the password)."""
    with transaction.atomic():
        user = form.save()
        audit.record("accounts.password.changed", user, by=user)


def required(user) -> bool:
    """Does this person need a second factor? Those holding a role that decides on money,
    unless GTI_REQUIRE_2FA is off (the local demo)."""
    return (
        settings.GTI_REQUIRE_2FA
        and getattr(user, "is_authenticated", False)
        and bool(permissions.roles(user) & MONEY_ROLES)
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up: made once, kept until confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed (base32, in groups of four)."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth URI as a QR code, drawn on the server (no script, no outside service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def _clean(code: str) -> str:
    return "".join(code.split())


def confirm(request, code: str) -> bool:
    """Finish the set-up with a code from the app: the device counts from now on."""
    user = request.user
    device = pending_device(user)
    if not device.verify_token(_clean(code)):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("accounts.second_factor.confirmed", user, by=user)
    otp_login(request, device)
    return True


def verify(request, code: str) -> bool:
    """The code asked at each login after the password."""
    user = request.user
    device = confirmed_device(user)
    if device is None or not device.verify_token(_clean(code)):
        with transaction.atomic():
            audit.record("accounts.second_factor.failed", user, by=user)
        return False
    with transaction.atomic():
        audit.record("accounts.second_factor.verified", user, by=user)
    otp_login(request, device)
    return True
