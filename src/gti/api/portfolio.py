"""Envelopes, scenarios and the validation and decision rounds over the API: the portfolio
services. Roles as on the pages, read from `permissions` and the call's procedure; a round or
scenario outside the caller's cities answers 404."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from gti.accounts import permissions
from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.errors import Invalid
from gti.portfolio import services
from gti.portfolio.models import Meeting, Scenario
from gti.portfolio.options import ScenarioOptions
from gti.portfolio.services import EnvelopeLine
from gti.proposals import queries
from gti.proposals.models import Proposal
from gti.strategy.models import City, Strategy

router = Router(tags=["portfolio"], auth=TokenAuth())


class EnvelopeOut(Schema):
    key: str
    city: str
    priority: str
    theme: str
    amount: Decimal
    committed: Decimal
    remaining: Decimal


class EnvelopesIn(Input):
    lines: list[EnvelopeLine] = Field(min_length=1)


class CallEnvelopeOut(Schema):
    key: str
    priority: str
    amount: Decimal
    used: Decimal
    remaining: Decimal


class ScenarioIn(Input):
    name: str
    # A factory, not an object: generated clients take no object as a default.
    options: ScenarioOptions = Field(default_factory=ScenarioOptions)


class ScenarioOut(Schema):
    id: int
    call: str
    name: str
    options: dict
    result: dict


class ValidationIn(Input):
    city: str
    date: datetime.date


class DecisionRoundIn(Input):
    date: datetime.date
    scenario: int | None = None


class PlanLine(Input):
    source: str
    amount: Decimal


class DecisionIn(Input):
    proposal: str
    outcome: Literal["fits", "does_not_fit", "approved", "reserve", "rejected"]
    amount: Decimal | None = None
    rank: Annotated[int, Field(ge=1)] | None = None
    reason: str = ""
    co_financing: list[PlanLine] | None = None


class VoteIn(Input):
    choice: Literal["for", "against", "conflict"]
    note: str = ""


class SignIn(Input):
    votes: dict[str, VoteIn]


class VoteOut(Schema):
    member: str
    choice: str
    note: str


class DecisionOut(Schema):
    proposal: str
    title: str
    city: str
    outcome: str
    amount: Decimal | None
    co_financing: list[dict]
    reserve_rank: int | None
    reason: str
    votes: list[VoteOut]
    tally: dict[str, int | bool]  # for, against, conflict, quorum, adopted


class MeetingOut(Schema):
    id: int
    call: str
    purpose: str
    body: str
    city: str | None
    date: datetime.date
    state: str
    quorum: int
    scenario: int | None
    decisions: list[DecisionOut]


def _envelope_out(e) -> dict:
    return {"key": e.key, "city": e.city.code, "priority": e.priority.code, "theme": e.theme,
            "amount": e.amount, "committed": e.committed, "remaining": e.remaining}  # fmt: skip


def _scenario_out(s: Scenario) -> dict:
    return {"id": s.pk, "call": s.call.reference, "name": s.name, "options": s.options,
            "result": s.result}  # fmt: skip


def _meeting_out(m: Meeting, user) -> dict:
    m = Meeting.objects.select_related("call", "city").get(pk=m.pk)
    votes = services.tally(m)
    decisions = (
        m.decisions.filter(proposal__in=Proposal.objects.visible_to(user))  # a joint round
        .select_related("proposal__city")
        .prefetch_related("votes__member")
    )
    return {
        "id": m.pk, "call": m.call.reference, "purpose": m.purpose, "body": m.body,
        "city": m.city.code if m.city_id else None, "date": m.date, "state": m.state,
        "quorum": m.quorum, "scenario": m.scenario_id,
        "decisions": [
            {"proposal": d.proposal.reference, "title": d.proposal.title,
             "city": d.proposal.city.code, "outcome": d.outcome, "amount": d.amount,
             "co_financing": d.co_financing, "reserve_rank": d.reserve_rank, "reason": d.reason,
             "votes": [{"member": v.member.get_username(), "choice": v.choice, "note": v.note}
                       for v in d.votes.all()],
             "tally": votes[d.pk]}
            for d in decisions
        ],
    }  # fmt: skip


def _city(request, code) -> tuple[City, Strategy]:
    city = get_object_or_404(City, code=code)
    permissions.require_in_view(request.user, "portfolio.view", city=city)
    return city, get_object_or_404(Strategy.objects.current(), city=city)


def _call(request, reference):
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require_in_view(request.user, "portfolio.view", call)
    return call


def _meeting(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("call__city", "city"), pk=pk)
    _call(request, meeting.call.reference)
    permissions.require_in_view(request.user, "portfolio.view", meeting)
    return meeting


@router.get("/portfolio/{city}/envelopes", response=listing(EnvelopeOut, READ), summary="Envelopes")
@paged
def list_envelopes(request, city: str):
    city, strategy = _city(request, city)
    return Rows(services.envelopes_of_city(city, strategy.programme), _envelope_out)


@router.put(
    "/portfolio/{city}/envelopes",
    response={200: list[EnvelopeOut], **CHANGE},
    summary="Set the city's envelopes, all lines at once: all saved or none (who runs calls)",
)
def put_envelopes(request, city: str, payload: EnvelopesIn):
    city, strategy = _city(request, city)
    services.set_envelopes(
        by=request.user, programme=strategy.programme, city=city,
        lines=[line.model_dump() for line in payload.lines],
    )  # fmt: skip
    return [_envelope_out(e) for e in services.envelopes_of_city(city, strategy.programme)]


@router.get(
    "/calls/{reference}/envelopes",
    response=listing(CallEnvelopeOut, READ),
    summary="The call's own envelopes with what its decisions used",
)
@paged
def list_call_envelopes(request, reference: str):
    call = _call(request, reference)
    return [
        {"key": f"{call.reference}-{e['priority'].code}", "priority": e["priority"].code,
         "amount": e["amount"], "used": e["used"], "remaining": e["remaining"]}
        for e in services.call_envelopes(call)
    ]  # fmt: skip


@router.get(
    "/calls/{reference}/scenarios", response=listing(ScenarioOut, READ), summary="Scenarios"
)
@paged
def list_scenarios(request, reference: str):
    return Rows(_call(request, reference).scenarios.order_by("-created_at", "-pk"), _scenario_out)


@router.post(
    "/calls/{reference}/scenarios",
    response={201: ScenarioOut, **CHANGE},
    summary="Build, solve and save a scenario (who runs the call)",
)
def create_scenario(request, reference: str, payload: ScenarioIn):
    call = _call(request, reference)
    scenario = services.run_scenario(call, by=request.user, name=payload.name,
                                     options=payload.options)  # fmt: skip
    return Status(201, _scenario_out(scenario))


@router.get("/scenarios/{pk}", response={200: ScenarioOut, **READ}, summary="One scenario")
def get_scenario(request, pk: int):
    scenario = get_object_or_404(Scenario.objects.select_related("call"), pk=pk)
    _call(request, scenario.call.reference)
    return _scenario_out(scenario)


@router.post(
    "/calls/{reference}/validations",
    response={201: MeetingOut, **CHANGE},
    summary="Prepare the steering committee's validation of one city (the city's secretariat)",
)
def create_validation(request, reference: str, payload: ValidationIn):
    call = _call(request, reference)
    city = next((c for c in call.cities if c.code == payload.city), None)
    if city is None:
        raise Invalid.one("city", _("not a city of this call"))
    meeting = services.open_validation(call, by=request.user, city=city, date=payload.date)
    return Status(201, _meeting_out(meeting, request.user))


@router.post(
    "/calls/{reference}/decision-rounds",
    response={201: MeetingOut, **CHANGE},
    summary="Prepare the decision round, by hand or from a scenario (who runs the call)",
)
def create_decision_round(request, reference: str, payload: DecisionRoundIn):
    call = _call(request, reference)
    scenario = None
    if payload.scenario is not None:
        scenario = call.scenarios.filter(pk=payload.scenario).first()
        if scenario is None:
            raise Invalid.one("scenario", _("choose a solved scenario of this call"))
    meeting = services.open_decision_round(
        call, by=request.user, date=payload.date, scenario=scenario
    )
    return Status(201, _meeting_out(meeting, request.user))


@router.get(
    "/meetings/{pk}",
    response={200: MeetingOut, **READ},
    summary="A round: decisions, votes per member, tally",
)
def get_meeting(request, pk: int):
    return _meeting_out(_meeting(request, pk), request.user)


@router.put(
    "/meetings/{pk}/decisions",
    response={200: MeetingOut, **CHANGE},
    summary="Prepare one decision of a draft round; its votes are cleared",
)
def put_decision(request, pk: int, payload: DecisionIn):
    meeting = _meeting(request, pk)
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user), call=meeting.call, reference=payload.proposal
    )
    plan = payload.co_financing
    services.set_decision(
        meeting, by=request.user, proposal=proposal, outcome=payload.outcome,
        amount=payload.amount, rank=payload.rank, reason=payload.reason,
        co_financing=[line.model_dump() for line in plan] if plan is not None else None,
    )  # fmt: skip
    return _meeting_out(meeting, request.user)


@router.post(
    "/meetings/{pk}/sign",
    response={200: MeetingOut, **CHANGE},
    summary="Sign the round with a vote per proposal (members of the body)",
)
def sign(request, pk: int, payload: SignIn):
    meeting = _meeting(request, pk)
    services.sign_meeting(
        meeting, by=request.user,
        votes={ref: (v.choice, v.note) for ref, v in payload.votes.items()},
    )  # fmt: skip
    return _meeting_out(meeting, request.user)


@router.post(
    "/meetings/{pk}/confirm",
    response={200: MeetingOut, **CHANGE},
    summary="Confirm the round (a member who signed): quorum and majority per decision",
)
def confirm(request, pk: int):
    meeting = services.confirm_meeting(_meeting(request, pk), by=request.user)
    return _meeting_out(meeting, request.user)
