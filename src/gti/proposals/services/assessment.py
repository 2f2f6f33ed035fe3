"""Assessment by the experts of the advisory body (the Technical Working Group): at least two per
proposal, each declaring on conflicts of interest before seeing it, scores per criterion with a
justification, consolidated per block of the call's procedure, the minimum scores, and a consensus
round when the experts differ by more than the margin."""

from __future__ import annotations

from decimal import ROUND_HALF_UP as HALF
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.accounts.models import Role
from gti.errors import Invalid, Refused, refuse_state
from gti.proposals import procedure
from gti.proposals.models import Assignment, Proposal, Score
from gti.proposals.services.proposals import transition

S = Proposal.State
CENT = Decimal("0.01")


def assign_assessors(proposal: Proposal, *, by, assessors: list) -> Proposal:
    """Admissible → in assessment with these experts; later calls add experts."""
    proposal = Proposal.objects.select_related("call", "city").get(pk=proposal.pk)
    permissions.require(by, "proposal.assign", proposal)
    city = proposal.city
    minimum = proposal.call.rules.assessment.min_experts
    if proposal.state not in {S.ADMISSIBLE, S.IN_ASSESSMENT}:
        raise refuse_state(proposal, _("assigning assessors"))
    errors = []
    current = set(proposal.assignments.filter(active=True).values_list("assessor_id", flat=True))
    previous = set(proposal.assignments.values_list("assessor_id", flat=True))
    for user in assessors:
        if Role.ASSESSOR not in permissions.roles(user, city):
            errors.append(str(_("%(user)s is not an expert for this city") % {"user": user}))
        elif user.pk in previous:
            errors.append(str(_("%(user)s is or was already assigned") % {"user": user}))
        elif user.pk == proposal.applicant_id:
            errors.append(str(_("%(user)s submitted this proposal") % {"user": user}))
    if len(current | {u.pk for u in assessors}) < minimum:
        errors.append(str(_("assign at least %(n)s experts") % {"n": minimum}))
    if errors:
        raise Invalid({"assessors": errors})
    with transaction.atomic():
        for user in assessors:
            assignment = Assignment.objects.create(proposal=proposal, assessor=user)
            audit.record(
                "proposals.assignment.created",
                assignment,
                by=by,
                after={"assessor": user.get_username()},
                city=city.code,
            )
        if proposal.state == S.ADMISSIBLE:
            proposal = transition(
                proposal,
                by=by,
                permission="proposal.assign",
                action="assessment_started",
                extra_after={"assessors": [u.get_username() for u in assessors]},
            )
    return proposal


def _own_assignment(assignment: Assignment, by) -> None:
    permissions.require(by, "assignment.act", assignment)


def declare_no_conflict(assignment: Assignment, *, by) -> Assignment:
    """The assessor declares no conflict of interest; only then the proposal opens to them."""
    assignment = Assignment.objects.select_related("proposal__call").get(pk=assignment.pk)
    _own_assignment(assignment, by)
    if assignment.declared_at:
        return assignment
    with transaction.atomic():
        assignment.declared_at = timezone.now()
        assignment.save(update_fields=["declared_at"])
        audit.record(
            "proposals.assignment.no_conflict_declared",
            assignment,
            by=by,
            after={"declared_at": assignment.declared_at},
            city=assignment.proposal.city.code,
        )
    return assignment


def declare_conflict(assignment: Assignment, *, by, reason: str) -> Assignment:
    """A declared conflict of interest ends the assignment; the secretariat assigns another."""
    assignment = Assignment.objects.select_related("proposal__call").get(pk=assignment.pk)
    _own_assignment(assignment, by)
    if not reason.strip():
        raise Invalid.one("reason", _("describe the conflict of interest"))
    if assignment.scored_at:
        raise Refused(_("Scores were already given; ask the secretariat."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=assignment.proposal_id)
        assignment.active = False
        assignment.conflict_declared = True
        assignment.save(update_fields=["active", "conflict_declared"])
        audit.record(
            "proposals.assignment.conflict_declared",
            assignment,
            by=by,
            before={"active": True},
            after={"active": False, "conflict_declared": True},
            reason=reason,
            city=assignment.proposal.city.code,
        )
        # The experts left may all have scored already: then the assessment is complete.
        if proposal.state == S.IN_ASSESSMENT:
            _consolidate(proposal, by, permission=None)
    return assignment


def expert_scores(call, scores: list[Score]) -> tuple[dict[str, Decimal], Decimal]:
    """One expert's points per block and total out of 100 (see `procedure.block_scores`)."""
    return procedure.block_scores(call.rules, {s.criterion.code: s.score for s in scores})


def score_proposal(assignment: Assignment, *, by, scores: dict[str, tuple[int, str]]) -> Assignment:
    """Record (or revise) an expert's scores: criterion code → (score, justification).

    When every active expert (at least the procedure's number) has scored, the scores are
    consolidated: the mean per block and of the totals, the minimum scores checked, and a spread
    of the totals above the call's margin opens a consensus round.
    """
    assignment = Assignment.objects.select_related("proposal__call").get(pk=assignment.pk)
    _own_assignment(assignment, by)
    proposal = assignment.proposal
    if not assignment.declared_at:
        raise Refused(_("Declare first that you have no conflict of interest."))
    criteria = list(proposal.call.criteria.all())
    errors: dict[str, list[str]] = {}
    for c in criteria:
        given = scores.get(c.code)
        field = f"scores.{c.code}"
        if given is None:
            errors[field] = [str(_("required"))]
            continue
        value, justification = given
        if not isinstance(value, int) or not 0 <= value <= c.max_score:
            errors[field] = [str(_("a whole number from 0 to %(max)s") % {"max": c.max_score})]
        elif not justification.strip():
            errors[field] = [str(_("write a justification"))]
    for code in set(scores) - {c.code for c in criteria}:
        errors[f"scores.{code}"] = [str(_("not a criterion of this call"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        # The proposal is locked while its scores change, so two experts scoring at the same
        # moment consolidate once, on both their scores.
        proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        # A consensus round lets the experts revise scores of an assessed proposal.
        consensus_round = proposal.state == S.ASSESSED and proposal.needs_consensus
        if proposal.state != S.IN_ASSESSMENT and not consensus_round:
            raise refuse_state(proposal, _("scoring"))
        if not assignment.active:
            raise Refused(_("This assignment has ended."))
        before = {s.criterion.code: s.score for s in assignment.scores.select_related("criterion")}
        for c in criteria:
            value, justification = scores[c.code]
            Score.objects.update_or_create(
                assignment=assignment,
                criterion=c,
                defaults={"score": value, "justification": justification.strip()},
            )
        assignment.scored_at = timezone.now()
        assignment.save(update_fields=["scored_at"])
        audit.record(
            "proposals.assignment.scored",
            assignment,
            by=by,
            before=before,
            after={code: v[0] for code, v in scores.items()},
            city=proposal.city.code,
        )
        _consolidate(proposal, by)
    return assignment


def consolidated(proposal: Proposal) -> dict | None:
    """The experts' scores brought together, or None while an active expert has not scored:
    {"blocks": {code: mean points}, "total": mean total, "totals": [each expert's total],
    "needs_consensus": spread above the margin, "shortfalls": minimums missed}."""
    rules = proposal.call.rules
    active = list(proposal.assignments.filter(active=True).prefetch_related("scores__criterion"))
    if len(active) < rules.assessment.min_experts or any(a.scored_at is None for a in active):
        return None
    per_expert = [expert_scores(proposal.call, list(a.scores.all())) for a in active]
    n = Decimal(len(per_expert))
    blocks = {
        b.code: (sum(e[0].get(b.code, Decimal(0)) for e in per_expert) / n).quantize(CENT, HALF)
        for b in rules.assessment.blocks
    }
    totals = [e[1] for e in per_expert]
    total = (sum(totals) / n).quantize(CENT, HALF)
    return {
        "blocks": blocks,
        "total": total,
        "totals": totals,
        "needs_consensus": max(totals) - min(totals) > proposal.call.consensus_margin,
        "shortfalls": procedure.shortfalls(rules, blocks, total),
    }


def _consolidate(proposal: Proposal, by, permission: str | None = "proposal.assess") -> None:
    result = consolidated(proposal)
    if result is None:
        return

    def store(p):
        p.consolidated_score = result["total"]
        p.block_scores = {k: str(v) for k, v in result["blocks"].items()}
        p.needs_consensus = result["needs_consensus"]
        p.meets_minimums = not result["shortfalls"]
        return ["consolidated_score", "block_scores", "needs_consensus", "meets_minimums"]

    transition(
        proposal,
        by=by,
        permission=permission,
        action="assessed",
        extra_after={
            "consolidated_score": result["total"],
            "blocks": result["blocks"],
            "totals": result["totals"],
            "needs_consensus": result["needs_consensus"],
            "meets_minimums": not result["shortfalls"],
        },
        update=store,
    )


def close_consensus(proposal: Proposal, *, by, note: str) -> Proposal:
    """The experts met and agree: the consensus round ends with its record, and the proposal
    can go on to validation and decision on its consolidated scores."""
    permissions.require(by, "proposal.consensus", proposal)
    if not note.strip():
        raise Invalid.one("note", _("record what the experts agreed"))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state != S.ASSESSED or not proposal.needs_consensus:
            raise Refused(
                _("No consensus round is open for %(ref)s.") % {"ref": proposal.reference}
            )
        proposal.needs_consensus = False
        proposal.save(update_fields=["needs_consensus", "updated_at"])
        audit.record(
            "proposals.proposal.consensus_reached",
            proposal,
            by=by,
            before={"needs_consensus": True},
            after={"needs_consensus": False},
            reason=note,
            city=proposal.city.code,
        )
    return proposal


def assessment_summary(proposal: Proposal) -> list[dict]:
    """Per block: name, consolidated points, maximum and minimum (for pages and the API)."""
    rules = proposal.call.rules
    return [
        {
            "code": b.code,
            "name": str(b.name),
            "score": Decimal(proposal.block_scores[b.code])
            if b.code in proposal.block_scores
            else None,
            "maximum": procedure.block_maximum(rules, b.code),
            "minimum": b.minimum,
        }
        for b in rules.assessment.blocks
    ]
