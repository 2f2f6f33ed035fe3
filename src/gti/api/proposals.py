"""Calls and proposals over the API: the same services as the pages.

Roles are checked by the services through `gti.accounts.permissions`: a refused role answers 403,
an object outside the caller's view 404, refused input 422 with messages per field, a move the
object's state does not allow 409.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gti.accounts import permissions
from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.portfolio import services as portfolio
from gti.proposals import queries, services
from gti.proposals.inputs import ProposalInput
from gti.proposals.models import Call, Proposal
from gti.strategy.models import City

router = Router(tags=["calls and proposals"], auth=TokenAuth())


class Envelope(Schema):
    priority: str
    amount: Decimal


class CriterionOut(Schema):
    block: str
    code: str
    name: dict[str, str]
    weight: Decimal
    max_score: int


class CallOut(Schema):
    reference: str
    city: str | None = Field(description="Empty for a call of every GTI city of the programme")
    cities: list[str]
    procedure: str
    title: str
    description: str
    opens_at: datetime.datetime
    preregistration_closes_at: datetime.datetime | None
    closes_at: datetime.datetime
    state: str
    is_open: bool
    preregistration_open: bool
    themes: list[str]
    specific_objectives: list[str]
    envelopes: list[Envelope]
    criteria: list[CriterionOut]


class CallIn(Input):
    city: str | None = Field(None, description="Empty: every GTI city of the programme")
    procedure: str | None = Field(None, description="A procedure of the programme; its default")
    title: str
    description: str = ""
    opens_at: datetime.datetime
    preregistration_closes_at: datetime.datetime | None = None
    closes_at: datetime.datetime
    themes: list[str]
    specific_objectives: list[str] = []
    envelopes: dict[str, Decimal]


class ProposalOut(ProposalInput):
    reference: str
    call: str
    city: str
    strategy_version: int
    state: str
    submitted_at: datetime.datetime | None
    consolidated_score: Decimal | None
    block_scores: dict[str, Decimal]
    meets_minimums: bool | None
    needs_consensus: bool
    erdf_granted: Decimal | None
    screening_reasons: list[dict]


class DeclarationOut(Schema):
    """What a declaration answers: nothing of the proposal itself."""

    reference: str
    conflict: bool
    assignment_active: bool


class ConsensusIn(Input):
    note: str


class Reason(Input):
    reason: str = ""


class Verdict(Input):
    result: str
    note: str = ""


class ScreeningIn(Input):
    checklist: dict[str, Verdict]
    reason: str = ""


class AssignIn(Input):
    assessors: list[str]


class DeclarationIn(Input):
    conflict: bool
    reason: str = ""


class ScoreIn(Input):
    score: int
    justification: str


class ScoresIn(Input):
    scores: dict[str, ScoreIn]


class ProposalFilter(Schema):
    city: str | None = None
    call: str | None = None
    state: str | None = None
    theme: str | None = None
    objective: str | None = None
    area: str | None = None
    promoter: str | None = None
    sort: str | None = None


def _call_out(call: Call) -> dict:
    return {
        "reference": call.reference,
        "city": call.city.code if call.city_id else None,
        "cities": [c.code for c in call.cities],
        "procedure": call.rules.code,
        "title": call.title,
        "description": call.description,
        "opens_at": call.opens_at,
        "preregistration_closes_at": call.preregistration_closes_at,
        "closes_at": call.closes_at,
        "state": call.state,
        "is_open": services.is_open(call),
        "preregistration_open": services.preregistration_open(call),
        "themes": [t.code for t in call.themes.all()],
        "specific_objectives": [so.code for so in call.specific_objectives.all()],
        "envelopes": [
            {"priority": e.priority.code, "amount": e.amount} for e in call.envelopes.all()
        ],
        "criteria": [
            {
                "block": c.block,
                "code": c.code,
                "name": {"nl": c.name_nl, "en": c.name_en},
                "weight": c.weight,
                "max_score": c.max_score,
            }
            for c in call.criteria.all()
        ],
    }


def _proposal_out(proposal: Proposal, user) -> dict:
    data = services.snapshot(proposal)
    if not permissions.can(user, "proposal.view_contact", proposal):
        # Personal data only for the roles that need it (GDPR art. 5(1)(c)).
        data.update(contact_name="", contact_email=None, contact_phone="")
    return {
        **data,
        "reference": proposal.reference,
        "call": proposal.call.reference,
        "city": proposal.city.code,
        "strategy_version": proposal.strategy.version,
        "state": proposal.state,
        "submitted_at": proposal.submitted_at,
        "consolidated_score": proposal.consolidated_score,
        "block_scores": proposal.block_scores,
        "meets_minimums": proposal.meets_minimums,
        "needs_consensus": proposal.needs_consensus,
        "erdf_granted": proposal.erdf_granted,
        "screening_reasons": proposal.screening_reasons,
    }


def _call(request, reference) -> Call:
    return get_object_or_404(queries.calls_visible_to(request.user), reference=reference)


def _proposal(request, reference, *, assigned=False) -> Proposal:
    """A proposal the caller may see; `assigned` also admits an assessor who has not declared."""
    qs = Proposal.objects.visible_to(request.user)
    if assigned:
        qs = Proposal.objects.filter(
            Q(pk__in=qs.values("pk"))
            | Q(assignments__assessor=request.user, assignments__active=True)
        ).distinct()
    return get_object_or_404(qs.select_related("call", "city", "strategy"), reference=reference)


def _out(request, proposal) -> dict:
    """The proposal as it is now in the database (after a change)."""
    return _proposal_out(
        queries.with_contents(Proposal.objects.filter(pk=proposal.pk)).get(), request.user
    )


# --- calls ------------------------------------------------------------------------------------


@router.get("/calls", response=listing(CallOut, READ), summary="Calls the caller may see")
@paged
def list_calls(request):
    calls = queries.calls_visible_to(request.user).prefetch_related(*queries.CALL_DETAILS)
    return Rows(calls, _call_out, prepare=queries.with_cities)


@router.get("/calls/{reference}", response={200: CallOut, **READ}, summary="One call")
def get_call(request, reference: str):
    calls = queries.calls_visible_to(request.user).prefetch_related(*queries.CALL_DETAILS)
    return _call_out(get_object_or_404(calls, reference=reference))


@router.post(
    "/calls",
    response={201: CallOut, **CHANGE},
    summary="Create a draft call (who launches calls under the chosen procedure)",
)
def create_call(request, payload: CallIn):
    city = None
    if payload.city:
        city = City.objects.filter(code=payload.city).first()
        if city is None:
            raise services.Invalid.one("city", _("unknown city %(code)s") % {"code": payload.city})
    call = services.create_call(by=request.user, **{**payload.dict(), "city": city})
    return Status(201, _call_out(call))


@router.post("/calls/{reference}/publish", response={200: CallOut, **CHANGE}, summary="Publish")
def publish_call(request, reference: str):
    return _call_out(services.publish_call(_call(request, reference), by=request.user))


@router.post("/calls/{reference}/close", response={200: CallOut, **CHANGE}, summary="Close")
def close_call(request, reference: str, payload: Reason):
    call = services.close_call(_call(request, reference), by=request.user, reason=payload.reason)
    return _call_out(call)


# --- proposals --------------------------------------------------------------------------------


@router.get(
    "/proposals", response=listing(ProposalOut, READ), summary="Proposals the caller may see"
)
@paged
def list_proposals(request, filters: Query[ProposalFilter]):
    proposals, _ = queries.filter_proposals(request.user, filters.dict(exclude_none=True))
    return Rows(queries.with_contents(proposals), lambda p: _proposal_out(p, request.user))


@router.get("/proposals/{reference}", response={200: ProposalOut, **READ}, summary="One proposal")
def get_proposal(request, reference: str):
    return _proposal_out(_proposal(request, reference), request.user)


@router.post(
    "/calls/{reference}/proposals",
    response={201: ProposalOut, **CHANGE},
    summary="Start a proposal in an open call without pre-registration (applicant); `city` "
    "chooses among the cities of a call for several",
)
def create_proposal(request, reference: str, payload: ProposalInput, city: str | None = None):
    call = _call(request, reference)
    chosen = None
    if city:
        chosen = next((c for c in call.cities if c.code == city), None)
        if chosen is None:
            raise services.Invalid.one("city", _("choose one of the call's cities"))
    proposal = services.save_proposal(
        call, payload.model_dump(mode="json"), by=request.user, city=chosen
    )
    return Status(201, _out(request, proposal))


class ProposalUpdate(ProposalInput):
    reason: str = ""


@router.put(
    "/proposals/{reference}",
    response={200: ProposalOut, **CHANGE},
    summary="Replace a draft (applicant) or correct one under screening (secretariat, reason)",
)
def update_proposal(request, reference: str, payload: ProposalUpdate):
    proposal = _proposal(request, reference)
    data = payload.model_dump(mode="json", exclude={"reason"})
    services.save_proposal(
        proposal.call, data, by=request.user, proposal=proposal, reason=payload.reason
    )
    return _out(request, proposal)


@router.post(
    "/proposals/{reference}/submit",
    response={200: ProposalOut, **CHANGE},
    summary="Submit (applicant)",
)
def submit(request, reference: str):
    return _out(request, services.submit_proposal(_proposal(request, reference), by=request.user))


@router.post(
    "/proposals/{reference}/withdraw",
    response={200: ProposalOut, **CHANGE},
    summary="Withdraw (applicant)",
)
def withdraw(request, reference: str, payload: Reason):
    proposal = _proposal(request, reference)
    return _out(
        request, portfolio.withdraw_proposal(proposal, by=request.user, reason=payload.reason)
    )


@router.post(
    "/proposals/{reference}/return",
    response={200: ProposalOut, **CHANGE},
    summary="Return for correction (who checks admissibility)",
)
def return_(request, reference: str, payload: Reason):
    proposal = _proposal(request, reference)
    return _out(
        request, services.return_for_correction(proposal, by=request.user, reason=payload.reason)
    )


@router.post(
    "/proposals/{reference}/start-screening",
    response={200: ProposalOut, **CHANGE},
    summary="Start the admissibility check",
)
def start_screening(request, reference: str):
    proposal = _proposal(request, reference)
    return _out(request, services.start_screening(proposal, by=request.user))


@router.post(
    "/proposals/{reference}/screen",
    response={200: ProposalOut, **CHANGE},
    summary="Record the admissibility checklist and decide",
)
def screen(request, reference: str, payload: ScreeningIn):
    proposal = _proposal(request, reference)
    checklist = {code: (v.result, v.note) for code, v in payload.checklist.items()}
    proposal = services.screen_proposal(
        proposal, by=request.user, checklist=checklist, reason=payload.reason
    )
    return _out(request, proposal)


@router.post(
    "/proposals/{reference}/assign",
    response={200: ProposalOut, **CHANGE},
    summary="Assign experts by user name (who runs the call)",
)
def assign(request, reference: str, payload: AssignIn):
    proposal = _proposal(request, reference)
    permissions.require(request.user, "proposal.assign", proposal)  # before naming anyone
    users = list(get_user_model().objects.filter(username__in=payload.assessors))
    found = {u.username for u in users}
    missing = [name for name in payload.assessors if name not in found]
    if missing:
        raise services.Invalid(
            {"assessors": [str(_("unknown user %(name)s") % {"name": n}) for n in missing]}
        )
    return _out(request, services.assign_assessors(proposal, by=request.user, assessors=users))


def _assignment(request, reference):
    proposal = _proposal(request, reference, assigned=True)
    assignment = proposal.assignments.filter(assessor=request.user, active=True).first()
    if assignment is None:
        permissions.require(request.user, "proposal.assess", proposal)  # 403 for other roles
    return assignment


@router.post(
    "/proposals/{reference}/declaration",
    response={200: DeclarationOut, **CHANGE},
    summary="Declare on conflicts of interest (assigned expert); answers nothing of the proposal",
)
def declare(request, reference: str, payload: DeclarationIn):
    assignment = _assignment(request, reference)
    if payload.conflict:
        assignment = services.declare_conflict(assignment, by=request.user, reason=payload.reason)
    else:
        assignment = services.declare_no_conflict(assignment, by=request.user)
    return {
        "reference": assignment.proposal.reference,
        "conflict": assignment.conflict_declared,
        "assignment_active": assignment.active,
    }


@router.post(
    "/proposals/{reference}/consensus",
    response={200: ProposalOut, **CHANGE},
    summary="Close the consensus round with what the experts agreed (who runs the call)",
)
def consensus(request, reference: str, payload: ConsensusIn):
    proposal = _proposal(request, reference)
    return _out(request, services.close_consensus(proposal, by=request.user, note=payload.note))


@router.post(
    "/proposals/{reference}/scores",
    response={200: ProposalOut, **CHANGE},
    summary="Score every criterion with a justification (assigned expert)",
)
def score(request, reference: str, payload: ScoresIn):
    assignment = _assignment(request, reference)
    scores = {code: (s.score, s.justification) for code, s in payload.scores.items()}
    services.score_proposal(assignment, by=request.user, scores=scores)
    return _out(request, assignment.proposal)
