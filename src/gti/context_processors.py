from django.conf import settings
from django.urls import translate_url

from gti.accounts import permissions
from gti.accounts.models import Role
from gti.accounts.permissions import roles
from gti.strategy.models import City


def site(request):
    """What the shared layout needs on every page: language switch targets and the cities."""
    path = request.get_full_path()
    return {
        "language_links": [
            (code, name, translate_url(path, code)) for code, name in settings.LANGUAGES
        ],
        "nav_cities": City.objects.filter(strategies__is_current=True).distinct(),
        **_roles(request.user),
    }


def _roles(user) -> dict:
    """The header shows the person's roles; the menu offers what they may open."""
    held = permissions.roles(user)
    labels = dict(Role.choices)
    portfolio = [
        c for c in City.objects.filter(strategies__is_current=True).distinct()
        if permissions.can(user, "portfolio.view", city=c)
    ]  # fmt: skip
    home = set()
    if getattr(user, "is_authenticated", False):
        roles(user)  # fills the cache read below
        home = {cid for _r, cid in user._gti_grants if cid is not None}
    return {
        "home_city": City.objects.get(pk=home.pop()) if len(home) == 1 else None,
        "portfolio_cities": portfolio,
        "user_roles": sorted(str(labels[r]) for r in held),
        "can_view_audit": bool(held & permissions.ACTIONS["audit.view"]) or user.is_superuser,
        "can_view_grants": bool(held & permissions.ACTIONS["grant.view"]),
        "can_view_dashboard": bool(held & permissions.ACTIONS["dashboard.view"]),
        "can_view_annual_report": bool(held & permissions.ACTIONS["annual_report.view"]),
        "can_view_payment_applications": bool(
            held & permissions.ACTIONS["payment_application.view"]
        ),
        "can_manage_users": bool(held & {Role.SECRETARIAT, Role.MANAGING_AUTHORITY})
        or user.is_superuser,
    }
