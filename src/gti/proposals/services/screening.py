"""Eligibility screening: the programme's automatic rules plus the secretariat's checklist."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gti.accounts import permissions
from gti.errors import Invalid, refuse_state
from gti.proposals import rules
from gti.proposals.models import Proposal, ScreeningCheck
from gti.proposals.services.proposals import (
    context_for,
    draft_of,
    stored_input,
    transition,
)

S = Proposal.State


def start_screening(proposal: Proposal, *, by) -> Proposal:
    return transition(
        proposal,
        by=by,
        permission="proposal.screen",
        allowed_from={S.SUBMITTED},
        to=S.IN_SCREENING,
        action="screening_started",
    )


def automatic_findings(proposal: Proposal) -> list[rules.Violation]:
    """What the programme's rules say of the proposal as it stands (shown on the report page)."""
    return rules.check(
        draft_of(stored_input(proposal)), context_for(proposal.call), rules.Stage.SCREEN
    )


def screen_proposal(
    proposal: Proposal, *, by, checklist: dict[str, tuple[str, str]], reason: str = ""
) -> Proposal:
    """Record the checklist (principle code → (pass|fail|n/a, note)) and decide eligibility.

    Eligible when no automatic rule fails and no mandatory principle fails; a preferred principle
    ("bij voorkeur") that fails is recorded and shown to assessors but does not exclude.
    """
    proposal = Proposal.objects.select_related("call__strategy").get(pk=proposal.pk)
    permissions.require(by, "proposal.screen", proposal)
    if proposal.state != S.IN_SCREENING:
        raise refuse_state(proposal, _("screening"))
    principles = {p.code: p for p in proposal.call.strategy.principles.all()}
    errors: dict[str, list[str]] = {}
    valid = set(ScreeningCheck.Result.values)
    for code in principles:
        if code not in checklist:
            errors[f"checklist.{code}"] = [str(_("give a verdict for every principle"))]
    for code, (result, note) in checklist.items():
        if code not in principles:
            errors[f"checklist.{code}"] = [str(_("not a principle of this city"))]
        elif result not in valid:
            errors[f"checklist.{code}"] = [str(_("choose pass, fail or not applicable"))]
        elif result == ScreeningCheck.Result.FAIL and not note.strip():
            errors[f"checklist.{code}"] = [str(_("say why the principle is not met"))]
        elif result == ScreeningCheck.Result.NOT_APPLICABLE and principles[code].mandatory:
            errors[f"checklist.{code}"] = [str(_("a mandatory principle always applies"))]
    if errors:
        raise Invalid(errors)

    findings = automatic_findings(proposal)
    reasons = [{"rule": v.rule, "field": v.field, "message": v.message} for v in findings]
    for code, (result, note) in checklist.items():
        if result == ScreeningCheck.Result.FAIL and principles[code].mandatory:
            reasons.append(
                {"rule": "principle_not_met", "field": f"checklist.{code}", "message": note}
            )
    eligible = not reasons

    def store(p):
        p.screening_reasons = reasons
        return ["screening_reasons"]

    with transaction.atomic():
        for code, (result, note) in checklist.items():
            ScreeningCheck.objects.update_or_create(
                proposal=proposal,
                principle=principles[code],
                defaults={"result": result, "note": note, "checked_by": by},
            )
        return transition(
            proposal,
            by=by,
            permission="proposal.screen",
            allowed_from={S.IN_SCREENING},
            to=S.ELIGIBLE if eligible else S.INELIGIBLE,
            action="eligible" if eligible else "ineligible",
            reason=reason,
            extra_after={
                "checklist": {code: list(v) for code, v in checklist.items()},
                "reasons": reasons,
            },
            update=store,
        )
