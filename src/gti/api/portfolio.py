"""Envelopes, scenarios and steering-committee decisions over the API: the portfolio services.

Roles as on the pages: the secretariat prepares, the steering committee decides, the managing
authority and auditors read.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from gti.accounts import permissions
from gti.api.auth import TokenAuth
from gti.errors import Invalid
from gti.portfolio import services
from gti.portfolio.models import Meeting, Scenario
from gti.proposals import queries
from gti.proposals.models import Proposal
from gti.strategy.models import City, Priority, Strategy

router = Router(tags=["portfolio"], auth=TokenAuth())


class EnvelopeOut(Schema):
    key: str
    city: str
    priority: str
    theme: str
    amount: Decimal
    committed: Decimal
    remaining: Decimal


class EnvelopeIn(Schema):
    priority: str
    amount: Decimal
    theme: str = ""


class ScenarioIn(Schema):
    name: str
    options: dict = {}


class ScenarioOut(Schema):
    id: int
    call: str
    name: str
    options: dict
    result: dict


class MeetingIn(Schema):
    date: datetime.date
    members_present: list[str]
    quorum: int
    scenario: int | None = None


class DecisionOut(Schema):
    proposal: str
    outcome: str
    amount: Decimal | None
    reserve_rank: int | None
    reason: str


class MeetingOut(Schema):
    id: int
    call: str
    date: datetime.date
    state: str
    members_present: list[str]
    quorum: int
    decisions: list[DecisionOut]


class DecisionIn(Schema):
    proposal: str
    outcome: str
    amount: Decimal | None = None
    reserve_rank: int | None = None
    reason: str = ""


def _envelope_out(e) -> dict:
    return {"key": e.key, "city": e.city.code, "priority": e.priority.code, "theme": e.theme,
            "amount": e.amount, "committed": e.committed, "remaining": e.remaining}  # fmt: skip


def _scenario_out(s: Scenario) -> dict:
    return {"id": s.pk, "call": s.call.reference, "name": s.name, "options": s.options,
            "result": s.result}  # fmt: skip


def _meeting_out(m: Meeting) -> dict:
    return {
        "id": m.pk, "call": m.call.reference, "date": m.date, "state": m.state,
        "members_present": m.members_present, "quorum": m.quorum,
        "decisions": [
            {"proposal": d.proposal.reference, "outcome": d.outcome, "amount": d.amount,
             "reserve_rank": d.reserve_rank, "reason": d.reason}
            for d in m.decisions.select_related("proposal")
        ],
    }  # fmt: skip


def _city(request, code) -> tuple[City, Strategy]:
    city = get_object_or_404(City, code=code)
    permissions.require(request.user, "portfolio.view", city=city)
    return city, get_object_or_404(Strategy.objects.current(), city=city)


def _call(request, reference):
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require(request.user, "portfolio.view", call)
    return call


def _meeting(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("call__city"), pk=pk)
    _call(request, meeting.call.reference)
    return meeting


@router.get("/portfolio/{city}/envelopes", response=list[EnvelopeOut], summary="Envelopes")
def list_envelopes(request, city: str):
    city, strategy = _city(request, city)
    return [_envelope_out(e) for e in services.envelopes_of_city(city, strategy.programme)]


@router.put(
    "/portfolio/{city}/envelopes",
    response=EnvelopeOut,
    summary="Set an envelope (secretariat); refused below what is committed",
)
def put_envelope(request, city: str, payload: EnvelopeIn):
    city, strategy = _city(request, city)
    priority = get_object_or_404(Priority, programme=strategy.programme, code=payload.priority)
    envelope = services.set_envelope(
        by=request.user, programme=strategy.programme, city=city, priority=priority,
        amount=payload.amount, theme=payload.theme,
    )  # fmt: skip
    return _envelope_out(envelope)


@router.get("/calls/{reference}/scenarios", response=list[ScenarioOut], summary="Scenarios")
def list_scenarios(request, reference: str):
    return [_scenario_out(s) for s in _call(request, reference).scenarios.all()]


@router.post(
    "/calls/{reference}/scenarios",
    response={201: ScenarioOut},
    summary="Build, solve and save a scenario (secretariat)",
)
def create_scenario(request, reference: str, payload: ScenarioIn):
    call = _call(request, reference)
    scenario = services.run_scenario(call, by=request.user, name=payload.name,
                                     options=payload.options)  # fmt: skip
    return Status(201, _scenario_out(scenario))


@router.get("/scenarios/{pk}", response=ScenarioOut, summary="One scenario")
def get_scenario(request, pk: int):
    scenario = get_object_or_404(Scenario.objects.select_related("call"), pk=pk)
    _call(request, scenario.call.reference)
    return _scenario_out(scenario)


@router.post(
    "/calls/{reference}/meetings",
    response={201: MeetingOut},
    summary="Prepare a steering-committee meeting, from a scenario or empty (secretariat)",
)
def create_meeting(request, reference: str, payload: MeetingIn):
    call = _call(request, reference)
    scenario = call.scenarios.filter(pk=payload.scenario).first() if payload.scenario else None
    if payload.scenario and scenario is None:
        raise Invalid.one("scenario", "no such scenario of this call")
    meeting = services.create_meeting(
        call, by=request.user, date=payload.date, members=payload.members_present,
        quorum=payload.quorum, scenario=scenario,
    )  # fmt: skip
    return Status(201, _meeting_out(meeting))


@router.get("/meetings/{pk}", response=MeetingOut, summary="A meeting and its decisions")
def get_meeting(request, pk: int):
    return _meeting_out(_meeting(request, pk))


@router.put(
    "/meetings/{pk}/decisions",
    response=MeetingOut,
    summary="Set one decision by hand (secretariat or steering committee, draft meetings)",
)
def put_decision(request, pk: int, payload: DecisionIn):
    meeting = _meeting(request, pk)
    proposal = get_object_or_404(Proposal, call=meeting.call, reference=payload.proposal)
    services.set_decision(
        meeting, by=request.user, proposal=proposal, outcome=payload.outcome,
        amount=payload.amount, rank=payload.reserve_rank, reason=payload.reason,
    )  # fmt: skip
    return _meeting_out(meeting)


@router.post(
    "/meetings/{pk}/confirm",
    response=MeetingOut,
    summary="Confirm the decisions: commit the amounts, move the proposals (steering committee)",
)
def confirm(request, pk: int):
    return _meeting_out(services.confirm_meeting(_meeting(request, pk), by=request.user))
