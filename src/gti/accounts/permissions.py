"""The one place that decides who may do what. Views, API routes and services call `require()`.

A role is held in a city (RoleGrant.city); the managing authority and auditors hold theirs for the
whole programme. The object acted on tells the city: a call, a proposal, an assignment.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from gti.accounts.models import Role, RoleGrant

A, S, AS, SC, MA, AU = (
    Role.APPLICANT,
    Role.SECRETARIAT,
    Role.ASSESSOR,
    Role.STEERING_COMMITTEE,
    Role.MANAGING_AUTHORITY,
    Role.AUDITOR,
)

# action -> roles that may do it (in the object's city). Ownership and assignment checks follow.
ACTIONS: dict[str, set[str]] = {
    "call.create": {S},
    "call.edit": {S},
    "call.publish": {S},
    "call.close": {S},
    "proposal.create": {A},
    "proposal.edit": {A},  # own draft only
    "proposal.submit": {A},  # own only
    "proposal.withdraw": {A},  # own only
    "proposal.view": {A, S, AS, SC, MA, AU},  # applicant: own; assessor: assigned, declared
    "proposal.view_contact": {A, S, MA, AU},  # personal data: promoter contact details
    "proposal.screen": {S},
    "proposal.return": {S},
    "proposal.assign": {S},
    "proposal.assess": {AS},  # assigned only
    "assignment.act": {AS},  # own, active assignment only
    "audit.view": {AU, MA, S},
    "portfolio.view": {S, SC, MA, AU},
    "portfolio.prepare": {S},  # envelopes, scenarios, meetings
    "portfolio.decide": {SC},  # confirm a meeting's decisions
    "users.manage": {S},
    "strategy.approve": {SC},  # sign a new strategy version (GTI strategy, footnote 21)
}


# What an applicant may do only to their own proposals.
OWN_ONLY = {
    "proposal.edit",
    "proposal.submit",
    "proposal.withdraw",
    "proposal.view",
    "proposal.view_contact",
}


def roles(user, city=None) -> set[str]:
    """The roles `user` holds in `city` (programme-wide roles count everywhere)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = getattr(user, "_gti_grants", None)
    if cache is None:
        cache = [(g.role, g.city_id) for g in RoleGrant.objects.filter(user=user)]
        user._gti_grants = cache
    city_id = getattr(city, "pk", city)
    return {role for role, cid in cache if cid is None or city_id is None or cid == city_id}


def cities(user, role: str) -> set | None:
    """City ids where `user` holds `role`; None means every city (a programme-wide grant)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    roles(user)  # fill the cache
    ids = {cid for r, cid in user._gti_grants if r == role}
    return None if None in ids else ids


def forget(user) -> None:
    """Drop the cached grants (after granting or revoking)."""
    user.__dict__.pop("_gti_grants", None)


def city_of(obj):
    paths = ("city_id", "call.city_id", "proposal.call.city_id", "assignment.proposal.call.city_id")
    for path in paths:
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return None


def _owner(user, obj) -> bool:
    proposal = getattr(obj, "proposal", obj)
    return getattr(proposal, "applicant_id", None) == user.pk


def can(user, action: str, obj=None, *, city=None) -> bool:
    allowed = ACTIONS[action]
    held = roles(user, city if obj is None else city_of(obj)) & allowed
    if not held:
        return False
    if obj is None:
        return True
    if action == "assignment.act":
        return obj.assessor_id == user.pk and obj.active
    if held == {A} and action in OWN_ONLY:
        return _owner(user, obj)
    if held == {AS} and action in {"proposal.view", "proposal.assess"}:
        from gti.proposals.models import Assignment

        proposal = getattr(obj, "proposal", obj)
        assignments = Assignment.objects.filter(proposal=proposal, assessor=user, active=True)
        if action == "proposal.view":
            return assignments.filter(declared_at__isnull=False).exists()
        return assignments.exists()
    return True


def require(user, action: str, obj=None, *, city=None) -> None:
    if not can(user, action, obj, city=city):
        raise PermissionDenied(_("You may not do this: %(action)s.") % {"action": action})
