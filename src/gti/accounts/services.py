"""People and their roles.

Who may grant what: an administrator grants any role; the secretariat of a city creates the
accounts of its city and grants the applicant role there. Every other role is asked for by one
person (the secretariat of the city, or the managing authority) and granted only when a second,
different person approves (the managing authority or an administrator): the roles that decide on
money are never in one person's hands. New people set their own password through an invitation.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.accounts.models import (
    EITHER_SCOPE_ROLES,
    PROGRAMME_ROLES,
    Role,
    RoleGrant,
    RoleRequest,
)
from gti.errors import Invalid, Refused

# Granted directly by the secretariat of the city. Every other role, above all those that decide
# on money (steering committee, managing authority, assessor), goes through a request that a
# second person approves, so no single account can commit ERDF alone.
SECRETARIAT_GRANTS = {Role.APPLICANT}


def _where(city) -> dict:
    return {"city": city.code if city else None}


def _check_scope(role: str, city) -> None:
    if role not in Role.values:
        raise Invalid.one("role", _("unknown role %(role)s") % {"role": role})
    if role in EITHER_SCOPE_ROLES:
        return
    if role in PROGRAMME_ROLES and city is not None:
        raise Invalid.one("city", _("this role holds for the whole programme, not one city"))
    if role not in PROGRAMME_ROLES and city is None:
        raise Invalid.one("city", _("choose the city this role holds in"))


def _is_admin(by) -> bool:
    return by is None or by.is_superuser  # None is the system: set-up, demo data


def may_grant(by, role: str, city) -> bool:
    """An administrator grants any role; the secretariat of `city` the applicant role there."""
    if _is_admin(by):
        return True
    return (
        role in SECRETARIAT_GRANTS
        and city is not None
        and permissions.can(by, "users.manage", city=city)
    )


def may_request(by, role: str, city) -> bool:
    """The managing authority asks for any role; the secretariat for a role in its city."""
    if may_approve(by):
        return True
    return city is not None and permissions.can(by, "users.request", city=city)


def may_approve(by) -> bool:
    return _is_admin(by) or permissions.cities(by, Role.MANAGING_AUTHORITY) is None


def grant_role(user, role: str, city=None, *, by=None, reason: str = "") -> RoleGrant:
    """Give `user` a role directly (see `may_grant` for who may; others use `request_role`)."""
    _check_scope(role, city)
    if not may_grant(by, role, city):
        raise PermissionDenied(
            _("This role is granted only on a request approved by another person.")
        )
    with transaction.atomic():
        grant = _grant(user, role, city, by=by, reason=reason)
    return grant


def _grant(user, role, city, *, by, reason=""):
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, city=city, defaults={"granted_by": by}
    )
    if created:
        audit.record(
            "accounts.role.granted",
            user,
            by=by,
            after={"role": role, **_where(city)},
            reason=reason,
            city=city.code if city else "",
        )
    permissions.forget(user)
    return grant


def _may_revoke(by, grant: RoleGrant) -> bool:
    if may_approve(by):
        return True
    return grant.city_id is not None and permissions.can(by, "users.manage", city=grant.city)


def revoke_role(user, role: str, city=None, *, by, reason: str = "") -> None:
    """Take a role away: an administrator or the managing authority any; the secretariat the
    roles held in its city."""
    _check_scope(role, city)
    grant = RoleGrant.objects.filter(user=user, role=role, city=city).first()
    if grant is None:
        raise Invalid.one("role", _("this person does not hold this role"))
    if not _may_revoke(by, grant):
        raise PermissionDenied(_("You may not revoke this role."))
    if by is not None and not reason.strip():
        raise Invalid.one("reason", _("say why the role is taken away"))
    with transaction.atomic():
        grant.delete()
        audit.record(
            "accounts.role.revoked",
            user,
            by=by,
            before={"role": role, **_where(city)},
            reason=reason,
            city=city.code if city else "",
        )
    permissions.forget(user)


def request_role(user, role: str, city=None, *, by, reason: str) -> RoleRequest:
    """Ask that `user` get `role`; it is granted only when another person approves."""
    _check_scope(role, city)
    if by is None or not may_request(by, role, city):
        raise PermissionDenied(_("You may not ask for this role."))
    if not reason.strip():
        raise Invalid.one("reason", _("say why this person needs this role"))
    if RoleGrant.objects.filter(user=user, role=role, city=city).exists():
        raise Invalid.one("role", _("this person already holds this role"))
    pending = RoleRequest.objects.filter(
        user=user, role=role, city=city, state=RoleRequest.State.REQUESTED
    )
    if pending.exists():
        raise Invalid.one(
            "role", _("this role has already been asked for and waits for a decision")
        )
    with transaction.atomic():
        request = RoleRequest.objects.create(
            user=user, role=role, city=city, reason=reason, requested_by=by
        )
        audit.record(
            "accounts.role.requested",
            request,
            by=by,
            after={"user": user.get_username(), "role": role, **_where(city)},
            reason=reason,
            city=city.code if city else "",
        )
    return request


def _decide(request: RoleRequest, by, state: str, reason: str) -> RoleRequest:
    if by is None or not may_approve(by):
        raise PermissionDenied(_("Only the managing authority or an administrator decides."))
    if by.pk in {request.requested_by_id, request.user_id}:
        raise PermissionDenied(
            _("A second person decides: not the one who asked, nor the one it is for.")
        )
    with transaction.atomic():
        request = RoleRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RoleRequest.State.REQUESTED:
            raise Refused(_("This request has already been decided."))
        request.state = state
        request.decided_by = by
        request.decided_at = timezone.now()
        request.decision_reason = reason
        request.save()
        city = request.city
        asked = {"user": request.user.get_username(), "role": request.role, **_where(city)}
        audit.record(
            f"accounts.role.{state}",
            request,
            by=by,
            before={"state": RoleRequest.State.REQUESTED},
            after={"state": state, **asked},
            reason=reason,
            city=city.code if city else "",
        )
        if state == RoleRequest.State.APPROVED:
            _grant(request.user, request.role, city, by=by, reason=request.reason)
    return request


def approve_role_request(request: RoleRequest, *, by, reason: str = "") -> RoleRequest:
    """Grant the role asked for; `by` is a second person (never the one who asked)."""
    return _decide(request, by, RoleRequest.State.APPROVED, reason)


def refuse_role_request(request: RoleRequest, *, by, reason: str) -> RoleRequest:
    if not reason.strip():
        raise Invalid.one("reason", _("say why the role is refused"))
    return _decide(request, by, RoleRequest.State.REFUSED, reason)


def may_manage_account(by, user) -> bool:
    """Who deactivates an account or invites its person again: the managing authority and
    administrators any account; the secretariat the accounts whose every role is in its cities."""
    if user.is_superuser and not _is_admin(by):
        return False
    if may_approve(by):
        return True
    cities = permissions.cities(by, Role.SECRETARIAT)
    if not cities:
        return False
    places = {g.city_id for g in user.role_grants.all()} | {
        r.city_id for r in user.role_requests.filter(state=RoleRequest.State.REQUESTED)
    }
    return bool(places) and places <= cities


def deactivate_user(user, *, by, reason: str) -> None:
    """Close an account: it can no longer log in nor use its API keys. Its history stays."""
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if not may_manage_account(by, user):
        raise PermissionDenied(_("You may not deactivate this account."))
    if not reason.strip():
        raise Invalid.one("reason", _("say why the account is closed"))
    if not user.is_active:
        raise Refused(_("This account is already deactivated."))
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(
            "accounts.user.deactivated",
            user,
            by=by,
            before={"active": True},
            after={"active": False},
            reason=reason,
            city=_home_city(user),
        )


def _home_city(user) -> str:
    """The city code of an account's first city role, for the audit trail's city column."""
    grant = user.role_grants.filter(city__isnull=False).select_related("city").first()
    if grant:
        return grant.city.code
    asked = user.role_requests.filter(city__isnull=False).select_related("city").first()
    return asked.city.code if asked else ""


def check_password(password: str, user=None) -> None:
    """Django's password validators; their messages are given on the field."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid({"password": list(exc.messages)}) from exc


def create_user(
    username: str,
    *,
    role: str,
    city=None,
    by=None,
    email: str = "",
    name: str = "",
    password: str | None = None,
    reason: str = "",
):
    """A new account. The role is granted at once when `by` may grant it, and asked for
    otherwise (`request_role`). Without a password the account has none until the person sets
    one through the invitation (`send_invitation`). Refuses a taken user name."""
    User = get_user_model()
    _check_scope(role, city)
    if not username.strip():
        raise Invalid.one("username", _("required"))
    if User.objects.filter(username=username).exists():
        raise Invalid.one("username", _("this user name is taken"))
    direct = may_grant(by, role, city)
    if not direct and not may_request(by, role, city):
        raise PermissionDenied(_("You may not create this account."))
    if not direct and not reason.strip():
        raise Invalid.one("reason", _("say why this person needs this role"))
    first, _sep, last = name.partition(" ")
    user = User(username=username, email=email, first_name=first, last_name=last)
    if password is None:
        user.set_unusable_password()
    else:
        check_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        user.save()
        audit.record(
            "accounts.user.created",
            user,
            by=by,
            after={"username": username, "email": email},
            reason=reason,
            city=city.code if city else "",
        )
        if direct:
            _grant(user, role, city, by=by, reason=reason)
        else:
            request_role(user, role, city, by=by, reason=reason)
    return user


def invitation_link(user, base_url: str) -> str:
    """The address where `user` sets their own password (Django's password-reset token: it is
    spent once the password is set and runs out after PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "accounts:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def send_invitation(user, *, by, base_url: str) -> None:
    """E-mail `user` the link to set their own password (again, when the first link ran out)."""
    if user.has_usable_password():
        raise Refused(_("This person has set a password already."))
    if not user.email:
        raise Invalid.one("email", _("an invitation needs an e-mail address"))
    context = {"user": user, "link": invitation_link(user, base_url), "by": by}
    subject = render_to_string("accounts/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/invitation_email.txt", context)
    with transaction.atomic():
        audit.record(
            "accounts.user.invited",
            user,
            by=by,
            after={"email": user.email},
            city=_home_city(user),
        )
        # Sent inside the transaction: when the mail server refuses, no invitation is recorded.
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _require_key_owner(user, by) -> None:
    """A key is made and revoked by its owner; `by` None is the command line (an operator)."""
    if by is not None and by != user and not by.is_superuser:
        raise PermissionDenied(_("Only the owner manages their API keys."))


def create_token(user, *, name: str = "", days: int | None = None, by=None) -> str:
    """A new API key for `user`, valid `days` (default GTI_API_KEY_DAYS); returns the key,
    shown once: only its hash is kept."""
    import datetime
    import secrets

    from django.conf import settings
    from django.utils import timezone

    from gti.accounts.models import ApiToken

    days = settings.GTI_API_KEY_DAYS if days is None else days
    if days < 1:
        raise Invalid.one("days", _("a key lives at least one day"))
    _require_key_owner(user, by)
    key = "gti_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[4:12],
            key_hash=ApiToken.hash(key),
            expires_at=expires_at,
        )
        audit.record(
            "accounts.token.created",
            token,
            by=by or user,
            after={"name": name, "expires_at": expires_at},
        )
    return key


def revoke_token(token, *, by=None) -> None:
    """Stop a key at once. Revoking a revoked key changes nothing."""
    from django.utils import timezone

    from gti.accounts.models import ApiToken

    _require_key_owner(token.user, by)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "accounts.token.revoked", token, by=by or token.user, after={"name": token.name}
        )


def active_token(key: str):
    """The key's ApiToken when it is neither expired nor revoked and its owner is active."""
    from django.utils import timezone

    from gti.accounts.models import ApiToken

    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key)).first()
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(key: str):
    """The active user a key belongs to, or None."""
    token = active_token(key)
    return token.user if token else None
