"""Read paths for the users pages: which accounts and cities a person manages or looks at."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from gti.accounts import permissions
from gti.accounts.models import Role, RoleRequest
from gti.accounts.services import may_approve
from gti.strategy.models import City


def manages_programme(user) -> bool:
    """The managing authority and administrators see every account and decide on requests."""
    return getattr(user, "is_authenticated", False) and may_approve(user)


def managed_cities(user):
    """Cities whose accounts `user` manages: all for the programme, the secretariat's own."""
    if manages_programme(user):
        return City.objects.all()
    return City.objects.filter(pk__in=permissions.cities(user, Role.SECRETARIAT) or [])


def users_visible_to(user):
    """The only way the users pages list and find accounts: everyone for the programme; for a
    secretariat, the people with a role (or a role asked for) in its cities. Others: nobody."""
    User = get_user_model()
    if manages_programme(user):
        return User.objects.all()
    cities = managed_cities(user)
    pending = RoleRequest.State.REQUESTED
    return User.objects.filter(
        Q(role_grants__city__in=cities)
        | Q(role_requests__city__in=cities, role_requests__state=pending)
    ).distinct()


def requests_visible_to(user):
    """Role requests waiting for a decision that `user` may see (its cities, or all)."""
    waiting = RoleRequest.objects.filter(state=RoleRequest.State.REQUESTED).select_related(
        "user", "city", "requested_by"
    )
    if manages_programme(user):
        return waiting
    return waiting.filter(city__in=managed_cities(user))
