"""People and their roles. The secretariat of a city manages the users of its city."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.accounts.models import PROGRAMME_ROLES, Role, RoleGrant
from gti.errors import Invalid


def _check_scope(role: str, city) -> None:
    if role not in Role.values:
        raise Invalid.one("role", _("unknown role %(role)s") % {"role": role})
    if role in PROGRAMME_ROLES and city is not None:
        raise Invalid.one("city", _("this role holds for the whole programme, not one city"))
    if role not in PROGRAMME_ROLES and city is None:
        raise Invalid.one("city", _("choose the city this role holds in"))


def _require_manager(by, role: str, city) -> None:
    """`by` None is the system (set-up, demo data). Otherwise an administrator, or the
    secretariat of `city` for the roles of that city; programme-wide roles are the
    administrator's."""
    if by is None or by.is_superuser:
        return
    if role in PROGRAMME_ROLES:
        raise PermissionDenied(_("Only an administrator manages programme-wide roles."))
    permissions.require(by, "users.manage", city=city)


def grant_role(user, role: str, city=None, *, by=None) -> RoleGrant:
    """Give `user` a role (see `_require_manager` for who may)."""
    _check_scope(role, city)
    _require_manager(by, role, city)
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(
            user=user, role=role, city=city, defaults={"granted_by": by}
        )
        if created:
            audit.record(
                "accounts.role.granted",
                user,
                by=by,
                after={"role": role, "city": city.code if city else None},
                city=city.code if city else "",
            )
    permissions.forget(user)
    return grant


def revoke_role(user, role: str, city=None, *, by) -> None:
    _check_scope(role, city)
    _require_manager(by, role, city)
    with transaction.atomic():
        deleted, _count = RoleGrant.objects.filter(user=user, role=role, city=city).delete()
        if deleted:
            audit.record(
                "accounts.role.revoked",
                user,
                by=by,
                before={"role": role, "city": city.code if city else None},
                city=city.code if city else "",
            )
    permissions.forget(user)


def create_user(
    username: str, *, password: str, role: str, city=None, by=None, email: str = "", name: str = ""
):
    """A new account with one role. Refuses a taken user name."""
    User = get_user_model()
    _check_scope(role, city)
    if not username.strip():
        raise Invalid.one("username", _("required"))
    if User.objects.filter(username=username).exists():
        raise Invalid.one("username", _("this user name is taken"))
    _require_manager(by, role, city)
    with transaction.atomic():
        first, _sep, last = name.partition(" ")
        user = User.objects.create_user(
            username, email=email, password=password, first_name=first, last_name=last
        )
        audit.record(
            "accounts.user.created", user, by=by, after={"username": username, "email": email}
        )
        grant_role(user, role, city)
    return user


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
