"""Admissibility (*ontvankelijkheid*): the programme's automatic rules plus a verdict with a note on
each item of the call's procedure (legal personality, CPR art. 63(6), state aid, CPR art. 9,
climate-proofing) and, where the procedure says so, on each principle of the city's strategy."""

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
Result = ScreeningCheck.Result


def start_screening(proposal: Proposal, *, by) -> Proposal:
    return transition(proposal, by=by, permission="proposal.screen", action="screening_started")


def automatic_findings(proposal: Proposal) -> list[rules.Violation]:
    """What the programme's rules say of the proposal as it stands (shown on the check's page)."""
    return rules.check(
        draft_of(stored_input(proposal)),
        context_for(proposal.call, proposal.strategy),
        rules.Stage.SCREEN,
    )


def checklist_items(proposal: Proposal) -> list[dict]:
    """The items to give a verdict on: code, text, legal basis, and whether the item is
    mandatory (a failed mandatory item makes the proposal inadmissible)."""
    items = [
        {
            "code": i.code,
            "text": str(i.text),
            "basis": i.basis,
            "mandatory": True,
            "principle": False,
        }
        for i in proposal.call.rules.admissibility_items
    ]
    if proposal.call.rules.principles_at_admissibility:
        items += [
            {
                "code": p.code,
                "text": p.text,
                "basis": "",
                "mandatory": p.mandatory,
                "principle": True,
            }
            for p in proposal.strategy.principles.all()
        ]
    return items


def screen_proposal(
    proposal: Proposal, *, by, checklist: dict[str, tuple[str, str]], reason: str = ""
) -> Proposal:
    """Record the checklist (item code → (pass|fail|n/a, note)) and decide admissibility.

    Admissible when no automatic rule fails and no mandatory item fails; a preferred principle
    ("bij voorkeur") that fails is recorded and shown to the experts but does not exclude. An
    inadmissible proposal keeps its reasons, which its letter states.
    """
    proposal = Proposal.objects.select_related("call", "strategy").get(pk=proposal.pk)
    permissions.require(by, "proposal.screen", proposal)
    if proposal.state != S.IN_SCREENING:
        raise refuse_state(proposal, _("checking admissibility"))
    items = {i["code"]: i for i in checklist_items(proposal)}
    errors: dict[str, list[str]] = {}
    for code in items:
        if code not in checklist:
            errors[f"checklist.{code}"] = [str(_("give a verdict for every item"))]
    for code, (result, note) in checklist.items():
        if code not in items:
            errors[f"checklist.{code}"] = [str(_("not an item of this check"))]
        elif result not in Result.values:
            errors[f"checklist.{code}"] = [str(_("choose met, not met or not applicable"))]
        elif result == Result.FAIL and not note.strip():
            errors[f"checklist.{code}"] = [str(_("say why the item is not met"))]
        elif (
            result == Result.NOT_APPLICABLE
            and items[code]["principle"]
            and items[code]["mandatory"]
        ):
            errors[f"checklist.{code}"] = [str(_("a mandatory principle always applies"))]
    if errors:
        raise Invalid(errors)

    findings = automatic_findings(proposal)
    reasons = [{"rule": v.rule, "field": v.field, "message": v.message} for v in findings]
    for code, (result, note) in checklist.items():
        if result == Result.FAIL and items[code]["mandatory"]:
            rule = "principle_not_met" if items[code]["principle"] else "item_not_met"
            reasons.append({"rule": rule, "field": f"checklist.{code}", "message": note})
    admissible = not reasons

    def store(p):
        p.screening_reasons = reasons
        return ["screening_reasons"]

    with transaction.atomic():
        for code, (result, note) in checklist.items():
            ScreeningCheck.objects.update_or_create(
                proposal=proposal,
                item=code,
                defaults={"result": result, "note": note, "checked_by": by},
            )
        return transition(
            proposal,
            by=by,
            permission="proposal.screen",
            action="admissible" if admissible else "inadmissible",
            reason=reason,
            extra_after={
                "checklist": {code: list(v) for code, v in checklist.items()},
                "reasons": reasons,
            },
            update=store,
        )
