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
    # Experts of the Technical Working Group may serve the whole programme or one city.
    if role not in PROGRAMME_ROLES and role != Role.ASSESSOR and city is None:
        raise Invalid.one("city", _("choose the city this role holds in"))


def _require_manager(by, role: str, city) -> None:
    """`by` None is the system (set-up, demo data). Otherwise an administrator, or the
    secretariat of `city` for the roles of that city; programme-wide roles are the
    administrator's."""
    if by is None or by.is_superuser:
        return
    if role in PROGRAMME_ROLES or city is None:
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


def create_token(user, *, name: str = "", by=None) -> str:
    """A new API key for `user`; returns the key (shown once, only its hash is kept)."""
    import secrets

    from gti.accounts.models import ApiToken

    key = "gti_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[4:12], key_hash=ApiToken.hash(key)
        )
        audit.record("accounts.token.created", token, by=by or user, after={"name": name})
    return key


def user_for_token(key: str):
    """The active user a key belongs to, or None."""
    from django.utils import timezone

    from gti.accounts.models import ApiToken

    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
