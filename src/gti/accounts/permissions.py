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


class Step(str):
    """A step of the call's procedure: the role that takes it is read from the procedure."""


RUN, VALIDATE, DECIDE = Step("run"), Step("validate"), Step("decide")

# action -> roles that may do it (in the object's city), or steps of the call's procedure whose
# role may. Ownership and assignment checks follow.
ACTIONS: dict[str, set[str]] = {
    "call.create": {RUN},
    "call.edit": {RUN},
    "call.publish": {RUN},
    "call.close": {RUN},
    "preregistration.create": {A},
    "preregistration.view": {A, S, MA, AU},  # applicant: own
    "preregistration.advise": {MA, S},  # the managing authority, with the city
    "proposal.create": {A},
    "proposal.edit": {A},  # own draft only
    "proposal.submit": {A},  # own only
    "proposal.withdraw": {A},  # own only
    "proposal.view": {A, S, AS, SC, MA, AU},  # applicant: own; assessor: assigned, declared
    "proposal.view_contact": {A, S, MA, AU},  # personal data: promoter contact details
    "proposal.screen": {RUN},  # admissibility
    "proposal.return": {RUN},
    "proposal.assign": {RUN},  # experts of the Technical Working Group
    "proposal.consensus": {RUN},  # closes a consensus round
    "proposal.assess": {AS},  # assigned only
    "assignment.act": {AS},  # own, active assignment only
    "audit.view": {AU, MA, S},
    "audit.verify": {AU, MA},  # walk the whole chain from the audit trail page
    "portfolio.view": {S, SC, MA, AU},
    "portfolio.envelopes": {RUN},
    "portfolio.prepare": {RUN},  # scenarios and decision rounds
    "validation.prepare": {S},  # the steering committee's validation round of its city
    "validation.sign": {VALIDATE},
    "decision.sign": {DECIDE},
    "users.manage": {S},  # accounts of the city, the applicant role, revoke, deactivate
    "users.request": {S, MA},  # ask a role for someone; a second person decides
    "users.approve": {MA},  # never the person who asked (administrators may too)
    "strategy.approve": {SC},  # sign a new strategy version (GTI strategy, footnote 21)
    "grant.prepare": {MA},  # open a grant from the decision, prepare an amendment
    "grant.approve": {MA},  # never the person who prepared the version
    "grant.view": {A, S, SC, MA, AU},  # applicant: own; also reads the progress reports and claims
    "report.edit": {A},  # the beneficiary: start, save and submit own progress reports
    "claim.edit": {A},  # own: draft, declare, submit
    "claim.verify": {MA},  # management verification; never the submitter
    "claim.pay": {MA},  # never the verifier
    "payment_application.view": {MA, AU},  # the programme's, not a city's
    "payment_application.prepare": {MA},
    "payment_application.submit": {MA},  # never the person who prepared it
    "dashboard.view": {S, SC, MA, AU},  # over the proposals each may see
    "annual_report.view": {S, SC, MA, AU},  # as the dashboard: a city's roles see their city
    "report.review": {MA},  # accept or return with remarks, never the submitter
    "grant.close": {MA},  # once the final claim is paid, the final report accepted, duties done
    "export.excel": {S, MA, AU},  # the secretariat: what it sees of its own city
    # participation
    "involvement.record": {S, MA, A},  # applicant: own draft proposal only (the city: not drafts)
    "consultation.manage": {S, MA},  # a call's consultation dates and its letter codes
    "consultation.moderate": {S},  # hide a resident's comment, with a reason
    # notifications
    "notifications.read": {A, S, AS, SC, MA, AU},  # own messages only
    "notifications.preferences": {A, S, AS, SC, MA, AU},  # own language and choices
    "deadlines.view": {A, S, AS, SC, MA, AU},  # own list, calendar feed: what each may see
    # documents
    "document.call": {RUN},  # call text, guidance, templates; the annexes the call asks
    "document.annex": {A},  # own proposal's annexes while a draft: upload, replace, remove
    "document.grant": {MA},  # decision documents on a grant
    # participatory budgeting
    "budgeting.manage": {S},  # rounds, their phases, code letters, the voter list, .pb import
    "budgeting.review": {S},  # the feasibility review of ideas
    "budgeting.paper_enter": {S},  # a paper ballot typed in at the booth
    "budgeting.paper_confirm": {S},  # typed in again by a second official, never the first
}


MISSING = object()


def follow(obj, *paths: str):
    """The value at the first dotted path `obj` has (`"call.city_id"`), else `MISSING`."""
    for path in paths:
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return MISSING


def procedure_for(obj=None):
    """The procedure that decides who takes a step: the call's, else the programme's default."""
    found = follow(obj, "rules", "call.rules", "proposal.call.rules", "meeting.call.rules")
    if found is not MISSING:
        return found
    from gti.proposals.services.calls import default_procedure

    return default_procedure()


def allowed_roles(action: str, obj=None, procedure=None) -> set[str]:
    wanted = ACTIONS[action]
    if not any(isinstance(r, Step) for r in wanted):
        return wanted
    procedure = procedure or procedure_for(obj)
    return {procedure.role_for(r) if isinstance(r, Step) else r for r in wanted} - {""}


# What nobody does to what they applied for themselves, whatever their other roles.
NEVER_OWN = {"preregistration.advise"}

# What an applicant may do only to their own proposals.
OWN_ONLY = {
    "preregistration.view",
    "proposal.edit",
    "proposal.submit",
    "proposal.withdraw",
    "proposal.view",
    "proposal.view_contact",
    "grant.view",
    "claim.edit",
    "report.edit",
    "document.annex",
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
    found = follow(
        obj, "city_id", "call.city_id", "proposal.city_id", "assignment.proposal.city_id"
    )
    return None if found is MISSING else found


def _owner(user, obj) -> bool:
    """The applicant of a proposal or pre-registration (or of the proposal a child belongs to)."""
    owned = obj if hasattr(obj, "applicant_id") else getattr(obj, "proposal", None)
    return getattr(owned, "applicant_id", None) == user.pk


def _role_allows(user, role: str, action: str, obj) -> bool:
    """Whether holding `role` lets `user` do `action` to `obj`: each role held is judged by its
    own rule, so a second role neither widens nor narrows the first."""
    proposal = getattr(obj, "proposal", obj)
    if action == "involvement.record":
        # A call's moments are the city's; a proposal's the applicant's while it is their draft,
        # the city's once it is submitted (a draft is the applicant's own).
        owned = obj if hasattr(obj, "applicant_id") else getattr(obj, "proposal", None)
        if owned is None:
            return role != A
        is_draft = owned.state == "draft"
        return (_owner(user, owned) and is_draft) if role == A else not is_draft
    if role == A and action in OWN_ONLY:
        return _owner(user, obj)
    if role == AS and action == "proposal.view":
        return proposal.revealed_to(user)  # rule kept with the proposal (its querysets use it)
    if role == AS and action == "proposal.assess":
        return proposal.assigned_to(user)
    if action in {"proposal.view", "proposal.view_contact"}:
        # Drafts are the applicant's own (as in Proposal.objects.visible_to).
        return getattr(proposal, "state", None) != "draft"
    return True


def can(user, action: str, obj=None, *, city=None, procedure=None) -> bool:
    allowed = allowed_roles(action, obj, procedure)
    held = roles(user, city if obj is None else city_of(obj)) & allowed
    if not held:
        return False
    if obj is None:
        return True
    if action == "assignment.act":
        return obj.assessor_id == user.pk and obj.active
    if action in NEVER_OWN and _owner(user, obj):
        return False  # whoever also applies never advises on their own pre-registration
    return any(_role_allows(user, role, action, obj) for role in held)


def require(user, action: str, obj=None, *, city=None, procedure=None) -> None:
    if not can(user, action, obj, city=city, procedure=procedure):
        raise PermissionDenied(_("You may not do this: %(action)s.") % {"action": action})


def require_in_view(user, action: str, obj=None, *, city=None) -> None:
    """As `require`, but 404 when the person holds the role only for other cities than the
    object's: an object outside a person's view is not there for them (pages and API alike)."""
    if can(user, action, obj, city=city):
        return
    if can(user, action):
        from django.http import Http404

        raise Http404
    require(user, action, obj, city=city)
