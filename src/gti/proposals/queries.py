"""Read-side questions the pages and the API ask: what waits for whom, lists, personal data."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from gti.accounts import permissions
from gti.accounts.audit import plain
from gti.accounts.models import AuditEvent, Role
from gti.proposals.models import (
    Assignment,
    Call,
    IndicatorTarget,
    PrincipleJustification,
    Proposal,
)
from gti.strategy.models import City

S = Proposal.State

# What `services.snapshot` reads of a proposal, each in one query for a whole list.
CONTENTS = (
    "areas",
    "partners",
    "budget_lines",
    "co_financing",
    Prefetch("indicator_targets", IndicatorTarget.objects.select_related("indicator")),
    Prefetch("justifications", PrincipleJustification.objects.select_related("principle")),
    "policy_references",
)

# What a call's answer reads besides the call.
CALL_DETAILS = ("themes", "specific_objectives", "envelopes__priority", "criteria")


def with_contents(proposals):
    """Proposals with their call, city, strategy version and everything entered."""
    return proposals.select_related(
        "call", "city", "strategy", "theme", "specific_objective"
    ).prefetch_related(*CONTENTS)


def with_cities(calls) -> list:
    """Give calls of every GTI city their cities (`Call.cities`) from one query."""
    calls = list(calls)
    wanted = {
        code for c in calls if not c.city_id for code in c.programme.source.get("gti_cities", [])
    }
    if wanted:
        found = list(City.objects.filter(code__in=wanted).order_by("code"))
        for call in calls:
            if not call.city_id:
                codes = call.programme.source.get("gti_cities", [])
                call.__dict__["cities"] = [c for c in found if c.code in codes]
    return calls


def calls_visible_to(user):
    """Published and closed calls for everyone; drafts too for those who may launch calls: the
    managing authority, and the secretariat for drafts of its own city."""
    visible = ~Q(state=Call.State.DRAFT)
    if getattr(user, "is_superuser", False) or (
        permissions.cities(user, Role.MANAGING_AUTHORITY) is None
        and Role.MANAGING_AUTHORITY in permissions.roles(user)
    ):
        return Call.objects.select_related("city", "programme")
    ids = permissions.cities(user, Role.SECRETARIAT)
    if ids is None:
        visible = Q()
    elif ids:
        visible |= Q(city_id__in=ids)
    return Call.objects.filter(visible).select_related("city", "programme")


def _panel(title, proposals, empty):
    return {"title": title, "proposals": list(proposals[:50]), "empty": empty}


def dashboard(user) -> list[dict]:
    """One panel per thing that waits for this person, by the roles they hold."""
    panels = []
    base = Proposal.objects.visible_to(user).select_related("call", "city", "theme")
    held = permissions.roles(user)
    if Role.APPLICANT in held:
        panels.append(
            _panel(
                _("My drafts"),
                base.filter(applicant=user, state=S.DRAFT),
                _("No drafts. Start a proposal from an open call."),
            )
        )
        panels.append(
            _panel(
                _("My submitted proposals"),
                base.filter(applicant=user).exclude(state=S.DRAFT),
                _("Nothing submitted yet."),
            )
        )

    def runs(qs):
        """Of these, the proposals whose call this person runs (admissibility, experts)."""
        return [p for p in qs[:200] if permissions.can(user, "proposal.screen", p)]

    if held & {Role.SECRETARIAT, Role.MANAGING_AUTHORITY} or user.is_superuser:
        panels.append(
            _panel(
                _("To check for admissibility"),
                runs(base.filter(state__in=[S.SUBMITTED, S.IN_SCREENING]).order_by("submitted_at")),
                _("No proposal waits for the admissibility check."),
            )
        )
        panels.append(
            _panel(
                _("Admissible: assign experts"),
                runs(base.filter(state=S.ADMISSIBLE)),
                _("No admissible proposal waits for experts."),
            )
        )
        panels.append(
            _panel(
                _("Assessed: consensus round needed"),
                runs(base.filter(state=S.ASSESSED, needs_consensus=True)),
                _("No experts differ beyond the margin."),
            )
        )
    if Role.ASSESSOR in held:
        waiting = (
            Assignment.objects.filter(
                assessor=user,
                active=True,
                proposal__state__in=[S.IN_ASSESSMENT, S.ASSESSED],
            )
            .filter(Q(scored_at=None) | Q(proposal__needs_consensus=True))
            .select_related("proposal__city")
        )
        panels.append(
            {
                "title": _("My assessments"),
                "assignments": list(waiting),
                "empty": _("No proposal waits for your assessment."),
            }
        )
    if held & {Role.STEERING_COMMITTEE, Role.SECRETARIAT}:
        panels.append(
            _panel(
                _("Assessed: for the steering committee"),
                base.filter(state=S.ASSESSED, meets_minimums=True, needs_consensus=False).order_by(
                    "-consolidated_score"
                ),
                _("No assessed proposal waits for the steering committee."),
            )
        )
    if Role.MANAGING_AUTHORITY in held:
        panels.append(
            _panel(
                _("Validated: waiting for the decision"),
                base.filter(state=S.VALIDATED).order_by("-consolidated_score"),
                _("No validated proposal waits for a decision."),
            )
        )
    if held & {Role.MANAGING_AUTHORITY, Role.AUDITOR}:
        panels.append(
            _panel(
                _("Recently changed proposals"),
                base.order_by("-updated_at"),
                _("No proposals yet."),
            )
        )
    return panels


SORTS = {
    "reference": "reference",
    "-reference": "-reference",
    "title": "title",
    "state": "state",
    "promoter": "promoter",
    "erdf": "erdf_requested",
    "-erdf": "-erdf_requested",
    "score": "consolidated_score",
    "-score": "-consolidated_score",
    "-updated": "-updated_at",
}


def filter_proposals(user, params) -> tuple:
    """Proposals this person may see, filtered by city, call, state, theme, specific objective,
    area and promoter, and sorted. Returns (queryset, the filters applied)."""
    qs = (
        Proposal.objects.visible_to(user)
        .select_related("city", "call", "theme", "specific_objective")
        .prefetch_related("areas")
    )
    applied = {}
    lookups = {
        "city": "city__code",
        "call": "call__reference",
        "state": "state",
        "theme": "theme__code",
        "objective": "specific_objective__code",
        "area": "areas__code",
    }
    for name, lookup in lookups.items():
        value = params.get(name)
        if value:
            qs = qs.filter(**{lookup: value})
            applied[name] = value
    if params.get("promoter"):
        qs = qs.filter(promoter__icontains=params["promoter"])
        applied["promoter"] = params["promoter"]
    sort = params.get("sort") or "-updated"
    qs = qs.order_by(SORTS.get(sort, "-updated_at"), "reference").distinct()
    return qs, applied


def personal_data(user) -> dict:
    """GDPR art. 15: what the platform holds about this person, never more than they may see: a
    proposal naming their e-mail as contact is theirs only when it is visible to them."""
    from gti.proposals.services import snapshot

    proposals = Proposal.objects.visible_to(user).filter(
        Q(applicant=user) | Q(contact_email__iexact=user.email or "-")
    )
    return plain(
        {
            "account": {
                "username": user.username,
                "name": user.get_full_name(),
                "email": user.email,
                "joined": user.date_joined,
                "last_login": user.last_login,
            },
            "roles": [
                {"role": g.role, "city": g.city.code if g.city_id else None, "since": g.granted_at}
                for g in user.role_grants.select_related("city")
            ],
            "api_tokens": [
                {"name": t.name, "created": t.created_at, "last_used": t.last_used_at}
                for t in user.api_tokens.order_by("created_at")
            ],
            "proposals": [
                {"reference": p.reference, "state": p.state, **snapshot(p)} for p in proposals
            ],
            "assessments": [
                {
                    "proposal": a.proposal.reference,
                    "conflict_declared": a.conflict_declared,
                    "scores": {s.criterion.code: s.score for s in a.scores.all()},
                }
                for a in user.assignments.select_related("proposal").prefetch_related(
                    "scores__criterion"
                )
            ],
            "audit_events_by_you": [
                {"when": e.created_at, "action": e.action, "object": e.object_label}
                for e in AuditEvent.objects.filter(actor=user).order_by("id")
            ],
        }
    )
