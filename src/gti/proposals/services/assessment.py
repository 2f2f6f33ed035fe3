"""Assessment: at least two assessors, a declaration on conflicts of interest, scores per
criterion, a consolidated weighted score and a flag when the assessors differ too much."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.accounts.models import Role
from gti.errors import Invalid, Refused, refuse_state
from gti.proposals.models import Assignment, Proposal, Score
from gti.proposals.services.proposals import transition

S = Proposal.State
MIN_ASSESSORS = 2


def assign_assessors(proposal: Proposal, *, by, assessors: list) -> Proposal:
    """Eligible → in assessment with these assessors; later calls add assessors."""
    proposal = Proposal.objects.select_related("call__city").get(pk=proposal.pk)
    permissions.require(by, "proposal.assign", proposal)
    city = proposal.call.city
    if proposal.state not in {S.ELIGIBLE, S.IN_ASSESSMENT}:
        raise refuse_state(proposal, _("assigning assessors"))
    errors = []
    current = set(proposal.assignments.filter(active=True).values_list("assessor_id", flat=True))
    previous = set(proposal.assignments.values_list("assessor_id", flat=True))
    for user in assessors:
        if Role.ASSESSOR not in permissions.roles(user, city):
            errors.append(str(_("%(user)s is not an assessor in this city") % {"user": user}))
        elif user.pk in previous:
            errors.append(str(_("%(user)s is or was already assigned") % {"user": user}))
        elif user.pk == proposal.applicant_id:
            errors.append(str(_("%(user)s submitted this proposal") % {"user": user}))
    if len(current | {u.pk for u in assessors}) < MIN_ASSESSORS:
        errors.append(str(_("assign at least two assessors")))
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
        if proposal.state == S.ELIGIBLE:
            proposal = transition(
                proposal,
                by=by,
                permission="proposal.assign",
                allowed_from={S.ELIGIBLE},
                to=S.IN_ASSESSMENT,
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
            city=assignment.proposal.call.city.code,
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
            city=assignment.proposal.call.city.code,
        )
    return assignment


def assessor_total(scores: list[Score], criteria) -> Decimal:
    """One assessor's score out of 100: weighted mean of score / maximum over the criteria."""
    by_criterion = {s.criterion_id: s.score for s in scores}
    weights = sum((c.weight for c in criteria), Decimal(0))
    total = sum(
        (c.weight * Decimal(by_criterion[c.pk]) / c.max_score for c in criteria), Decimal(0)
    )
    return (100 * total / weights).quantize(Decimal("0.01"), ROUND_HALF_UP)


def score_proposal(assignment: Assignment, *, by, scores: dict[str, tuple[int, str]]) -> Assignment:
    """Record (or revise) an assessor's scores: criterion code → (score, justification).

    When every active assessor (at least two) has scored, the consolidated score is the mean of
    their totals, the proposal becomes assessed, and a spread above the call's margin flags it
    for a consensus round.
    """
    assignment = Assignment.objects.select_related("proposal__call").get(pk=assignment.pk)
    _own_assignment(assignment, by)
    proposal = assignment.proposal
    # A consensus round lets the assessors revise scores of an assessed proposal.
    consensus_round = proposal.state == S.ASSESSED and proposal.needs_consensus
    if proposal.state != S.IN_ASSESSMENT and not consensus_round:
        raise refuse_state(proposal, _("scoring"))
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
            city=proposal.call.city.code,
        )
        _consolidate(proposal, by, criteria)
    return assignment


def _consolidate(proposal: Proposal, by, criteria) -> None:
    active = list(proposal.assignments.filter(active=True).prefetch_related("scores"))
    if len(active) < MIN_ASSESSORS or any(a.scored_at is None for a in active):
        return
    totals = [assessor_total(list(a.scores.all()), criteria) for a in active]
    consolidated = (sum(totals) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    spread = max(totals) - min(totals)
    needs_consensus = spread > proposal.call.consensus_margin

    def store(p):
        p.consolidated_score = consolidated
        p.needs_consensus = needs_consensus
        return ["consolidated_score", "needs_consensus"]

    transition(
        proposal,
        by=by,
        permission="proposal.assess",
        allowed_from={S.IN_ASSESSMENT, S.ASSESSED},
        to=S.ASSESSED,
        action="assessed",
        extra_after={
            "consolidated_score": consolidated,
            "totals": totals,
            "needs_consensus": needs_consensus,
        },
        update=store,
    )
