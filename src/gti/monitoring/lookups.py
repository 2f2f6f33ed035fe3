"""How pages and API routes find a grant, a claim or a progress report for a person: a role
that reads no grant anywhere is refused (403), one outside the person's view is not found
(404)."""

from django.shortcuts import get_object_or_404

from gti.accounts import permissions
from gti.monitoring.models import Claim, Grant, ProgressReport


def grant_for(user, reference: str, *related: str) -> Grant:
    permissions.require(user, "grant.view")
    grant = get_object_or_404(
        Grant.objects.visible_to(user).select_related("proposal__city", *related),
        proposal__reference=reference,
    )
    permissions.require_in_view(user, "grant.view", grant)
    return grant


def claim_for(user, pk: int, queryset=None) -> Claim:
    permissions.require(user, "grant.view")
    claim = get_object_or_404((queryset or Claim.objects).visible_to(user), pk=pk)
    permissions.require_in_view(user, "grant.view", claim)
    return claim


def report_for(user, pk: int, *related: str) -> ProgressReport:
    permissions.require(user, "grant.view")
    report = get_object_or_404(
        ProgressReport.objects.visible_to(user).select_related("grant__proposal", *related), pk=pk
    )
    permissions.require_in_view(user, "grant.view", report)
    return report
