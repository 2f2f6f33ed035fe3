"""Grants and their versions over the API: the monitoring services. The managing authority opens,
amends and approves (never the version it prepared); the proposal's people (applicant: own only)
and auditors read. A grant outside the caller's view answers 404."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from gti.accounts import permissions
from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.monitoring import lookups, money, services
from gti.monitoring.models import Grant, GrantVersion
from gti.monitoring.services import Amendment
from gti.proposals.models import Proposal

router = Router(tags=["grants"], auth=TokenAuth())


class GrantOpenIn(Input):
    proposal: str


class GrantAmendmentIn(Input):
    reason: str
    changes: Amendment


class GrantApproveIn(Input):
    in_force_from: money.Day | None = None  # YYYY-MM-DD; today when left out


class GrantIndicatorOut(Schema):
    code: str
    reference_value: Decimal
    target: Decimal


class GrantMilestoneOut(Schema):
    title: str
    due: datetime.date


class GrantChangeOut(Schema):
    field: str
    before: str
    after: str


class GrantVersionOut(Schema):
    number: int
    state: str
    erdf: Decimal
    rate: Decimal
    eligible_from: datetime.date
    eligible_until: datetime.date
    budget: dict[str, Decimal]
    partner_budget: dict[str, Decimal]
    indicators: list[GrantIndicatorOut]
    milestones: list[GrantMilestoneOut]
    special_conditions: str
    reason: str
    prepared_by: str
    prepared_at: datetime.datetime
    approved_by: str | None
    approved_at: datetime.datetime | None
    in_force_from: datetime.date | None
    changes: list[GrantChangeOut]  # from the version before


class GrantSummaryOut(Schema):
    proposal: str
    title: str
    city: str
    in_force: int | None  # the number of the version in force today
    erdf: Decimal | None  # … and its conditions
    rate: Decimal | None
    eligible_from: datetime.date | None
    eligible_until: datetime.date | None
    latest_version: int
    latest_state: str


class GrantOut(GrantSummaryOut):
    conditions: GrantVersionOut | None  # the version in force today, in full
    versions: list[GrantVersionOut]


def _version_out(v: GrantVersion, before: GrantVersion | None = None) -> dict:
    return {
        "number": v.number, "state": v.state, "erdf": v.erdf, "rate": v.rate,
        "eligible_from": v.eligible_from, "eligible_until": v.eligible_until,
        "budget": v.budget, "partner_budget": v.partner_budget, "indicators": v.indicators,
        "milestones": v.milestones, "special_conditions": v.special_conditions,
        "reason": v.reason, "prepared_by": v.prepared_by.get_username(),
        "prepared_at": v.prepared_at,
        "approved_by": v.approved_by.get_username() if v.approved_by_id else None,
        "approved_at": v.approved_at, "in_force_from": v.in_force_from,
        "changes": [{"field": f, "before": b, "after": a}
                    for f, b, a in services.changes(before, v)],
    }  # fmt: skip


def _summary(grant: Grant) -> dict:
    """From the grant's prefetched versions: one read for a whole page."""
    versions = list(grant.versions.all())
    now = services.in_force_among(versions, timezone.localdate())
    latest = services.latest(grant)
    proposal = grant.proposal
    return {
        "proposal": proposal.reference, "title": proposal.title, "city": proposal.city.code,
        "in_force": now.number if now else None, "erdf": now.erdf if now else None,
        "rate": now.rate if now else None,
        "eligible_from": now.eligible_from if now else None,
        "eligible_until": now.eligible_until if now else None,
        "latest_version": latest.number, "latest_state": latest.state,
    }  # fmt: skip


def _grant(request, reference) -> Grant:
    return lookups.grant_for(request.user, reference)


def _grant_out(grant: Grant) -> dict:
    grant = (
        Grant.objects.select_related("proposal__city")
        .prefetch_related("versions__prepared_by", "versions__approved_by")
        .get(pk=grant.pk)
    )
    versions = list(grant.versions.all())
    out = [_version_out(v, versions[n - 1] if n else None) for n, v in enumerate(versions)]
    summary = _summary(grant)
    now = next((v for v in out if v["number"] == summary["in_force"]), None)
    return summary | {"conditions": now, "versions": out}


@router.get("/grants", response=listing(GrantSummaryOut, READ), summary="Grants")
@paged
def list_grants(request, city: str = ""):
    """The grants the caller may see, with the conditions in force today."""
    permissions.require(request.user, "grant.view")
    grants = Grant.objects.visible_to(request.user).select_related("proposal__city")
    if city:
        grants = grants.filter(proposal__city__code=city)
    return Rows(grants.prefetch_related("versions").order_by("proposal__reference"), _summary)


@router.get(
    "/grants/{reference}",
    response={200: GrantOut, **READ},
    summary="One grant: the conditions in force and every version with what it changed",
)
def get_grant(request, reference: str):
    return _grant_out(_grant(request, reference))


@router.post(
    "/grants",
    response={201: GrantOut, **CHANGE},
    summary="Open the grant of an approved proposal: version 1 from the decision (managing "
    "authority)",
)
def open_grant(request, payload: GrantOpenIn):
    permissions.require(request.user, "grant.prepare")  # a role that opens none: 403
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("city"),
        reference=payload.proposal,
    )
    permissions.require_in_view(request.user, "grant.prepare", proposal)
    return Status(201, _grant_out(services.open_grant(proposal, by=request.user)))


@router.post(
    "/grants/{reference}/amendments",
    response={201: GrantVersionOut, **CHANGE},
    summary="Prepare an amendment: a new draft version with the changes and the reason "
    "(managing authority)",
)
def amend_grant(request, reference: str, payload: GrantAmendmentIn):
    grant = _grant(request, reference)
    changes = payload.changes.model_dump(mode="json", exclude_unset=True)
    version = services.amend(grant, by=request.user, reason=payload.reason, **changes)
    before = grant.versions.filter(number__lt=version.number).order_by("-number").first()
    return Status(201, _version_out(version, before))


@router.post(
    "/grants/{reference}/versions/{number}/approve",
    response={200: GrantVersionOut, **CHANGE},
    summary="Approve a draft version, in force from the date given or today (a second person "
    "of the managing authority, never its preparer)",
)
def approve_grant_version(request, reference: str, number: int, payload: GrantApproveIn):
    grant = _grant(request, reference)
    permissions.require(request.user, "grant.approve", grant)
    version = get_object_or_404(grant.versions.select_related("prepared_by"), number=number)
    version = services.approve_version(version, by=request.user,
                                       in_force_from=payload.in_force_from)  # fmt: skip
    before = grant.versions.filter(number__lt=version.number).order_by("-number").first()
    return _version_out(version, before)
