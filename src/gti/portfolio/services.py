"""Envelopes and commitments, selection scenarios, and the steering committee's decisions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Annotated

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gti.accounts import audit, permissions
from gti.accounts.models import Role
from gti.errors import Invalid, Refused, refuse_state
from gti.portfolio import optimizer
from gti.portfolio import options as scenario_options
from gti.portfolio.models import Commitment, Decision, Envelope, Meeting, Scenario, Vote
from gti.proposals import procedure
from gti.proposals.models import Call, CallEnvelope, CoFinancing, Proposal
from gti.proposals.services.proposals import transition
from gti.strategy.models import Area, City, Priority, Programme, Strategy

S = Proposal.State
CENT = Decimal("0.01")


def stored_amount(stored) -> Decimal:
    """An amount of a stored scenario: decimal text (or, in scenarios saved before amounts were
    kept as text, a JSON number, whose shortest repr is the decimal that was written)."""
    return Decimal(str(stored)).quantize(CENT)


# --- envelopes --------------------------------------------------------------------------------


def proposed_split(programme: Programme, total: Decimal) -> dict[str, Decimal]:
    """A proposal, not a rule: a city's amount split by the programme's shares. The 60/40 of EFRO
    Vlaanderen (GTI strategy section 2) is the split of all the programme's GTI resources, not of
    each city's; the secretariat changes the amounts before saving them. The last priority takes
    the rounding."""
    priorities = list(programme.priorities.all())
    split, given = {}, Decimal("0")
    for p in priorities[:-1]:
        split[p.code] = (total * p.share).quantize(CENT)
        given += split[p.code]
    split[priorities[-1].code] = total - given
    return split


class EnvelopeLine(BaseModel):
    """One envelope to set: a priority of the programme, optionally one theme, and its amount."""

    model_config = ConfigDict(extra="forbid")

    priority: str
    amount: Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
    theme: str = ""


def set_envelopes(*, by, programme: Programme, city: City, lines: list) -> list[Envelope]:
    """Create or change a city's envelopes, all or none: every line is checked first (a known
    priority, an amount not negative and not below what decisions already committed), then all
    are saved in one transaction. Errors name the line: `lines[n].amount`."""
    permissions.require(by, "portfolio.envelopes", city=city)
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[int, EnvelopeLine]] = []
    for n, line in enumerate(lines):
        try:
            parsed.append((n, EnvelopeLine.model_validate(line)))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "amount"
                errors.setdefault(f"lines[{n}].{where}", []).append(err["msg"])
    if not lines:
        errors["lines"] = [str(_("give at least one envelope"))]
    priorities = {p.code: p for p in programme.priorities.all()}
    seen = set()
    for n, line in enumerate(lines):
        code = line.get("priority") if isinstance(line, dict) else getattr(line, "priority", None)
        if isinstance(code, str) and code not in priorities:
            errors.setdefault(f"lines[{n}].priority", []).append(str(_("unknown priority")))
    for n, line in parsed:
        if (line.priority, line.theme) in seen:
            errors.setdefault(f"lines[{n}].priority", []).append(str(_("given twice")))
        seen.add((line.priority, line.theme))
        if line.amount < 0:
            errors.setdefault(f"lines[{n}].amount", []).append(str(_("must not be negative")))
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        existing = {
            (e.priority.code, e.theme): e
            for e in Envelope.objects.select_for_update()
            .filter(programme=programme, city=city)
            .select_related("priority", "city")
        }
        for n, line in parsed:
            envelope = existing.get((line.priority, line.theme))
            amount = line.amount.quantize(CENT)
            if envelope is not None and amount < envelope.committed:
                errors.setdefault(f"lines[{n}].amount", []).append(
                    str(_("%(amount)s is below the %(committed)s already committed to "
                          "%(envelope)s")
                        % {"amount": amount, "committed": envelope.committed,
                           "envelope": envelope})
                )  # fmt: skip
        if errors:
            raise Invalid(errors)
        saved = []
        for _n, line in parsed:
            amount = line.amount.quantize(CENT)
            envelope = existing.get((line.priority, line.theme))
            before = envelope.amount if envelope else None
            if envelope is None:
                envelope = Envelope.objects.create(
                    programme=programme, city=city, priority=priorities[line.priority],
                    theme=line.theme, amount=amount,
                )  # fmt: skip
            elif envelope.amount != amount:
                envelope.amount = amount
                envelope.save(update_fields=["amount"])
            else:
                saved.append(envelope)
                continue
            audit.record(
                "portfolio.envelope.set",
                envelope,
                by=by,
                before={"amount": before} if before is not None else {},
                after={"amount": amount},
                city=city.code,
            )
            saved.append(envelope)
    return saved


def set_envelope(
    *, by, programme: Programme, city: City, priority: Priority, amount, theme: str = ""
) -> Envelope:
    """Create or change one envelope (see `set_envelopes`); errors name `amount`."""
    try:
        (envelope,) = set_envelopes(
            by=by, programme=programme, city=city,
            lines=[{"priority": priority.code, "amount": amount, "theme": theme}],
        )  # fmt: skip
    except Invalid as exc:
        raise Invalid(
            {key.removeprefix("lines[0]."): msgs for key, msgs in exc.errors.items()}
        ) from None
    return envelope


def with_committed(envelopes):
    """Envelopes that know what is committed to them (`committed`) from the same query; for
    reading only (PostgreSQL refuses FOR UPDATE with the sum)."""
    active = Q(commitments__released_at=None)
    total = Sum("commitments__amount", filter=active)
    return envelopes.select_related("priority", "city").annotate(
        committed_total=Coalesce(total, Value(Decimal("0")), output_field=DecimalField())
    )


def envelopes_of_city(city: City, programme: Programme):
    return with_committed(Envelope.objects.filter(city=city, programme=programme))


def envelope_totals(programme: Programme) -> dict[str, Decimal]:
    """The cities' envelopes added up per priority (code → amount): the programme's figures."""
    totals = (
        Envelope.objects.filter(programme=programme)
        .values("priority__code")
        .annotate(total=Sum("amount"))
    )
    return {t["priority__code"]: t["total"] for t in totals}


def envelopes_of(call: Call):
    """The city envelopes a call's proposals draw on: those of each of its cities."""
    return Envelope.objects.filter(
        programme=call.programme, city__in=[c.pk for c in call.cities]
    ).select_related("priority", "city")


def call_envelope_use(call: Call) -> dict[str, Decimal]:
    """ERDF granted to the call's approved projects, per priority code."""
    return _envelope_use([call])[call.pk]


def _envelope_use(calls) -> dict[int, dict[str, Decimal]]:
    """Per call, the ERDF granted to its approved projects per priority code (one query)."""
    used: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    approved = Proposal.objects.filter(call__in=calls, state=S.APPROVED).select_related(
        "specific_objective__priority"
    )
    for p in approved:
        used[p.call_id][p.specific_objective.priority.code] += p.erdf_granted or p.erdf_requested
    return used


def call_envelopes(call: Call) -> list[dict]:
    """The call's own envelopes with what its decisions used and what remains."""
    return calls_envelopes([call])[call.pk]


def calls_envelopes(calls) -> dict[int, list[dict]]:
    """`call_envelopes` of several calls in two queries, by call id."""
    calls = list(calls)
    used = _envelope_use(calls)
    out: dict[int, list[dict]] = {call.pk: [] for call in calls}
    envelopes = CallEnvelope.objects.filter(call__in=calls).select_related("priority")
    for e in envelopes:
        spent = used[e.call_id].get(e.priority.code, Decimal("0.00"))
        out[e.call_id].append(
            {
                "priority": e.priority,
                "amount": e.amount,
                "used": spent,
                "remaining": e.amount - spent,
            }
        )
    return out


def names(call: Call) -> dict:
    """Names for the codes a scenario holds: envelopes, themes and areas of the call's strategy,
    and the programme's priorities in their order (read from the data, never from a page)."""
    strategies = list(
        Strategy.objects.current().filter(programme=call.programme, city__in=call.cities)
    )
    priorities = list(call.programme.priorities.all())
    return {
        "envelopes": {e.key: e.label for e in envelopes_of(call)},
        "themes": {t.code: t.name for s in strategies for t in s.themes.all()},
        "areas": {a.code: a.name for a in Area.all_areas.filter(strategy__in=strategies)},
        "priorities": priorities,
        "priority_labels": {p.code: p.label for p in priorities},
    }


# --- scenarios --------------------------------------------------------------------------------


def candidates(call: Call):
    """What the final decision can approve, and so what a scenario chooses from: proposals that
    passed every earlier step of the call's procedure (or wait on the reserve list), meet the
    minimum scores and have no consensus round open."""
    return (
        Proposal.objects.filter(
            call=call,
            state__in=procedure.decision_from(call.rules) | {S.RESERVE},
            meets_minimums=True,
            needs_consensus=False,
        )
        .select_related("city", "theme", "specific_objective__priority")
        .prefetch_related("areas")
        .order_by("reference")
    )


def build_instance(call: Call, options) -> dict:
    """The optimiser's instance for `call` under the scenario `options` (`options.parse`):

    value: "score" (default) or "custom" with `values` {reference: number};
    envelopes: envelope keys to apply (default: all of the city and of the call), amounts = what
    remains; minimums: [{id, count, theme?, area?, priority?}];
    exclusions: [[ref, ref], …] alternatives; dependencies: [[ref, required ref], …];
    scalable: {reference: minimum ERDF}.
    """
    options = scenario_options.parse(options)
    proposals = list(candidates(call))
    refs = {p.reference for p in proposals}
    errors: dict[str, list[str]] = {}

    def known(ref, where):
        if ref not in refs:
            errors.setdefault(where, []).append(
                str(_("%(ref)s is not a candidate proposal of this call") % {"ref": ref})
            )
            return False
        return True

    values = options.values if options.value == "custom" else {}
    for ref in values:
        known(ref, f"values.{ref}")
    scalable = options.scalable
    for ref in scalable:
        known(ref, f"scalable.{ref}")
    excludes, requires = defaultdict(list), defaultdict(list)
    for n, (a, b) in enumerate(options.exclusions):
        if all([known(a, f"exclusions[{n}]"), known(b, f"exclusions[{n}]")]) and a != b:
            excludes[a].append(b)
    for n, (a, b) in enumerate(options.dependencies):
        if all([known(a, f"dependencies[{n}]"), known(b, f"dependencies[{n}]")]) and a != b:
            requires[a].append(b)
    chosen = options.envelopes
    envelopes = [e for e in envelopes_of(call) if chosen is None or e.key in chosen]
    if chosen is not None:
        call_keys = {f"{call.reference}-{e.priority.code}" for e in call.envelopes.all()}
        for key in set(chosen) - {e.key for e in envelopes} - call_keys:
            errors.setdefault("envelopes", []).append(
                str(_("unknown envelope %(key)s") % {"key": key})
            )
    if errors:
        raise Invalid(errors)
    instance = {
        "proposals": [
            {
                "id": p.reference,
                "city": p.city.code,
                "priority": p.specific_objective.priority.code if p.specific_objective else None,
                "theme": p.theme.code if p.theme else None,
                "areas": [a.code for a in p.areas.all()],
                "score": float(p.consolidated_score or 0),
                "erdf": p.erdf_requested,
                **({"value": values[p.reference]} if p.reference in values else {}),
                **({"min_erdf": scalable[p.reference]} if p.reference in scalable else {}),
                "excludes": excludes.get(p.reference, []),
                "requires": requires.get(p.reference, []),
            }
            for p in proposals
        ],
        "envelopes": [
            {
                "id": e.key,
                "amount": e.remaining,
                "city": e.city.code,
                "priority": e.priority.code,
                **({"theme": e.theme} if e.theme else {}),
            }
            for e in envelopes
        ]
        + [
            # The call's own envelope binds every proposal of its priority, in every city.
            {
                "id": f"{call.reference}-{e['priority'].code}",
                "amount": e["remaining"],
                "priority": e["priority"].code,
            }
            for e in call_envelopes(call)
            if chosen is None or f"{call.reference}-{e['priority'].code}" in chosen
        ],
        "minimums": [m.model_dump(exclude_none=True) for m in options.minimums],
    }
    try:
        optimizer.parse_instance(instance)
    except optimizer.InstanceError as exc:
        raise Invalid.one("options", str(exc)) from None
    return instance


def run_scenario(call: Call, *, by, name: str, options: dict) -> Scenario:
    """Build, solve and save a scenario under `name` (unique per call)."""
    permissions.require(by, "portfolio.prepare", call)
    if not name.strip():
        raise Invalid.one("name", _("required"))
    if Scenario.objects.filter(call=call, name=name.strip()).exists():
        raise Invalid.one("name", _("a scenario of this call already has this name"))
    options = scenario_options.parse(options)
    instance = build_instance(call, options)
    result = optimizer.solve(optimizer.parse_instance(instance))
    with transaction.atomic():
        try:
            with transaction.atomic():  # the name may have been taken while the solver ran
                scenario = Scenario.objects.create(
                    call=call, name=name.strip(), options=options.stored(), instance=instance,
                    result=result, created_by=by,
                )  # fmt: skip
        except IntegrityError:
            raise Invalid.one("name", _("a scenario of this call already has this name")) from None
        audit.record(
            "portfolio.scenario.created",
            scenario,
            by=by,
            after={
                "name": scenario.name,
                "status": result["status"],
                "objective": result["objective"],
            },  # fmt: skip
            city=call.city_codes,
        )
    return scenario


def summary(scenario: Scenario) -> dict:
    """What the comparison page shows of one scenario: the optimum beside rank-and-fill."""
    proposals = {p["id"]: p for p in scenario.instance["proposals"]}

    def spread(selected: list[dict]) -> dict:
        per_priority, per_theme, per_area = (
            defaultdict(Decimal),
            defaultdict(Decimal),
            defaultdict(int),
        )
        per_envelope = defaultdict(Decimal)
        for s in selected:
            p, erdf = proposals[s["id"]], stored_amount(s["erdf"])
            per_priority[p["priority"]] += erdf
            per_theme[p["theme"]] += erdf
            for area in p["areas"]:
                per_area[area] += 1
            for e in scenario.instance["envelopes"]:
                if all(p.get(k) == e[k] for k in ("city", "priority", "theme") if k in e):
                    per_envelope[e["id"]] += erdf
        total = sum(per_priority.values(), Decimal(0))
        return {
            "refs": [s["id"] for s in selected],
            "total": total,
            "per_priority": dict(per_priority),
            "shares": {k: (v / total if total else Decimal(0)) for k, v in per_priority.items()},
            "per_theme": dict(per_theme),
            "per_area": dict(per_area),
            "per_envelope": dict(per_envelope),
        }

    result = scenario.result
    return {
        "scenario": scenario,
        "status": result["status"],
        "objective": result["objective"],
        "greedy_objective": result["greedy"]["objective"],
        "optimal": spread(result["selected"]),
        "greedy": spread(result["greedy"]["selected"]),
        "envelopes": [
            {**e, "amount": stored_amount(e["amount"])} for e in scenario.instance["envelopes"]
        ],
        "explanations": result["explanations"],
        "binding": result["binding"],
    }


# --- validation and decision rounds ----------------------------------------------------------

Outcome = Decision.Outcome
Choice = Vote.Choice
MOVE = {
    Outcome.FITS: "validated",
    Outcome.DOES_NOT_FIT: "not_validated",
    Outcome.APPROVED: "approved",
    Outcome.RESERVE: "reserve",
    Outcome.REJECTED: "rejected",
}


def steering_quorum(call: Call, city) -> int:
    """Members without a conflict of interest who must sign for the city's steering committee:
    the city's own quorum where its strategy sets one, never below the procedure's."""
    rules = call.rules
    floor = rules.validation.quorum if rules.validation else rules.decision.signatures
    strategy = city and Strategy.objects.current().filter(city=city).first()
    return max(floor, getattr(strategy, "steering_committee_quorum", 0) or 0)


def prepare_permission(meeting: Meeting) -> str:
    return (
        "validation.prepare"
        if meeting.purpose == Meeting.Purpose.VALIDATION
        else ("portfolio.prepare")
    )


def sign_permission(meeting: Meeting) -> str:
    return "validation.sign" if meeting.purpose == Meeting.Purpose.VALIDATION else "decision.sign"


def open_validation(call: Call, *, by, city, date: datetime.date) -> Meeting:
    """The city's steering committee validates the fit with its GTI strategy: a round with a
    decision "fits" prepared for every proposal of the city that passed the assessment, which
    the secretariat may change (with reasons) before the members sign."""
    permissions.require(by, "validation.prepare", city=city)
    if call.rules.validation is None:
        raise Invalid.one("purpose", _("this call's procedure has no validation by the city"))
    if city.pk not in {c.pk for c in call.cities}:
        raise Invalid.one("city", _("not a city of this call"))
    ready = Proposal.objects.filter(
        call=call, city=city, state=S.ASSESSED, meets_minimums=True, needs_consensus=False
    )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            call=call,
            purpose=Meeting.Purpose.VALIDATION,
            body=Role.STEERING_COMMITTEE,
            city=city,
            date=date,
            quorum=steering_quorum(call, city),
            created_by=by,
        )
        Decision.objects.bulk_create(
            Decision(meeting=meeting, proposal=p, outcome=Outcome.FITS) for p in ready
        )
        audit.record(
            "portfolio.meeting.created",
            meeting,
            by=by,
            after={"purpose": meeting.purpose, "date": date, "quorum": meeting.quorum,
                   "proposals": [p.reference for p in ready]},
            city=city.code,
        )  # fmt: skip
    return meeting


def open_decision_round(
    call: Call, *, by, date: datetime.date, scenario: Scenario | None = None,
    approve: Proposal | None = None,
) -> Meeting:  # fmt: skip
    """The final decision: prepared by hand or from a scenario (its chosen proposals approved
    with their amounts, the other candidates on the reserve list in order of value), then made
    binding by the signatures the procedure asks of the deciding body. `approve` prepares the
    approval of one proposal at its requested amount (a reserve taking released money)."""
    permissions.require(by, "portfolio.prepare", call)
    rules = call.rules
    if scenario is not None and (
        scenario.call_id != call.pk or scenario.result["status"] != "optimal"
    ):
        raise Invalid.one("scenario", _("choose a solved scenario of this call"))
    body = rules.decision.by
    quorum = rules.decision.signatures
    if body == Role.STEERING_COMMITTEE:
        quorum = max(quorum, steering_quorum(call, call.city))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            call=call, purpose=Meeting.Purpose.DECISION, body=body, city=call.city, date=date,
            quorum=quorum, scenario=scenario, created_by=by,
        )  # fmt: skip
        if scenario is not None:
            by_ref = {p.reference: p for p in candidates(call)}
            chosen = {s["id"]: stored_amount(s["erdf"]) for s in scenario.result["selected"]
                      if s["id"] in by_ref}  # fmt: skip
            values = {p["id"]: p.get("value", p["score"]) for p in scenario.instance["proposals"]}
            reserve = sorted(
                (r for r in values if r not in chosen and r in by_ref), key=lambda r: -values[r]
            )
            Decision.objects.bulk_create(
                [
                    Decision(meeting=meeting, proposal=by_ref[r], outcome=Outcome.APPROVED,
                             amount=min(a, by_ref[r].erdf_requested))
                    for r, a in chosen.items()
                ]
                + [
                    Decision(meeting=meeting, proposal=by_ref[r], outcome=Outcome.RESERVE,
                             reserve_rank=n)
                    for n, r in enumerate(reserve, 1)
                ]
            )  # fmt: skip
        audit.record(
            "portfolio.meeting.created",
            meeting,
            by=by,
            after={"purpose": meeting.purpose, "body": body, "date": date, "quorum": quorum,
                   "scenario": scenario.name if scenario else None},
            city=call.city_codes,
        )  # fmt: skip
        if approve is not None:
            set_decision(
                meeting, by=by, proposal=approve, outcome=Outcome.APPROVED,
                amount=approve.erdf_requested, reason=str(_("reserve taking released money")),
            )  # fmt: skip
    return meeting


def _revised_plan(proposal: Proposal, amount: Decimal, plan) -> list[dict]:
    """A lower amount needs a revised financing plan: co-financing that, with the ERDF granted,
    still makes the total cost."""
    errors: dict[str, list[str]] = {}
    rows = []
    for n, line in enumerate(plan or []):
        source, value = line.get("source"), line.get("amount")
        if source not in CoFinancing.Source.values:
            errors[f"co_financing[{n}].source"] = [str(_("unknown source"))]
            continue
        try:
            value = Decimal(str(value)).quantize(CENT)
        except (InvalidOperation, ValueError, TypeError):
            errors[f"co_financing[{n}].amount"] = [str(_("not an amount"))]
            continue
        if value < 0:
            errors[f"co_financing[{n}].amount"] = [str(_("must not be negative"))]
        rows.append({"source": source, "amount": str(value)})
    if errors:
        raise Invalid(errors)
    total = proposal.total_cost
    funded = amount + sum((Decimal(r["amount"]) for r in rows), Decimal("0"))
    if funded != total:
        raise Invalid.one(
            "co_financing",
            _("ERDF %(erdf)s plus co-financing makes %(funded)s, not the total cost %(total)s: "
              "revise the financing plan")
            % {"erdf": amount, "funded": funded, "total": total},
        )  # fmt: skip
    return rows


def _locked_draft(meeting: Meeting, doing) -> Meeting:
    """The round, locked and read again: what it allows is decided under the lock."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state != Meeting.State.DRAFT:
        raise refuse_state(meeting, doing)
    return meeting


def set_decision(
    meeting: Meeting, *, by, proposal: Proposal, outcome: str, amount=None, rank=None,
    reason: str = "", co_financing: list[dict] | None = None,
) -> Decision:  # fmt: skip
    """Prepare one decision of a draft round. Changing a decision clears the votes already
    signed on it: the members sign what is decided, not what was."""
    permissions.require(by, prepare_permission(meeting), meeting)
    rules = meeting.call.rules
    validation = meeting.purpose == Meeting.Purpose.VALIDATION
    allowed = (
        {Outcome.FITS, Outcome.DOES_NOT_FIT}
        if validation
        else {Outcome.APPROVED, Outcome.RESERVE, Outcome.REJECTED}
    )
    if outcome not in allowed:
        raise Invalid.one(
            "outcome", _("choose one of: %(list)s") % {"list": ", ".join(sorted(allowed))}
        )
    if proposal.call_id != meeting.call_id or (
        meeting.city_id and proposal.city_id != meeting.city_id
    ):
        raise Invalid.one("proposal", _("not a proposal of this round"))
    if validation:
        states = {S.ASSESSED}
    elif outcome == Outcome.REJECTED:
        states = procedure.decision_from(rules) | {S.ASSESSED, S.NOT_VALIDATED, S.RESERVE}
    else:
        states = procedure.decision_from(rules) | {S.RESERVE}
    if proposal.state not in states:
        raise Invalid.one(
            "proposal",
            _("%(ref)s is %(state)s: it cannot get this decision")
            % {"ref": proposal.reference, "state": proposal.get_state_display()},
        )
    errors: dict[str, list[str]] = {}
    if outcome in {Outcome.FITS, Outcome.APPROVED, Outcome.RESERVE}:
        if proposal.needs_consensus:
            errors["proposal"] = [str(_("the experts' consensus round is still open"))]
        elif not proposal.meets_minimums:
            errors["proposal"] = [str(_("the proposal does not reach the minimum scores"))]
    plan = []
    if outcome == Outcome.APPROVED:
        try:
            amount = Decimal(str(amount)).quantize(CENT)
        except (InvalidOperation, ValueError, TypeError):
            amount = None
        if amount is None or amount <= 0 or amount > proposal.erdf_requested:
            errors["amount"] = [
                str(_("an amount above zero and at most the %(erdf)s requested")
                    % {"erdf": proposal.erdf_requested})
            ]  # fmt: skip
        elif amount < proposal.erdf_requested:
            plan = _revised_plan(proposal, amount, co_financing)
    if outcome == Outcome.RESERVE and not (isinstance(rank, int) and rank >= 1):
        errors["rank"] = [str(_("give the reserve a rank of 1 or more"))]
    if outcome in {Outcome.REJECTED, Outcome.DOES_NOT_FIT} and not reason.strip():
        errors["reason"] = [str(_("give the reasons"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        meeting = _locked_draft(meeting, _("changing a decision"))
        old = Decision.objects.filter(meeting=meeting, proposal=proposal).first()
        before = (
            {"outcome": old.outcome, "amount": old.amount, "rank": old.reserve_rank,
             "reason": old.reason}
            if old else {}
        )  # fmt: skip
        decision, _created = Decision.objects.update_or_create(
            meeting=meeting, proposal=proposal,
            defaults={
                "outcome": outcome,
                "amount": amount if outcome == Outcome.APPROVED else None,
                "co_financing": plan,
                "reserve_rank": rank if outcome == Outcome.RESERVE else None,
                "reason": reason.strip(),
            },
        )  # fmt: skip
        cleared = decision.votes.count()
        decision.votes.all().delete()
        audit.record(
            "portfolio.decision.set",
            proposal,
            by=by,
            before=before,
            after={"outcome": outcome, "amount": decision.amount, "rank": decision.reserve_rank,
                   "co_financing": plan, "votes_cleared": cleared, "meeting": meeting.pk},
            reason=reason,
            city=proposal.city.code,
        )  # fmt: skip
    return decision


def sign_meeting(meeting: Meeting, *, by, votes: dict[str, tuple[str, str]]) -> list[Vote]:
    """A member signs the round: a vote on every decision (proposal reference → (for | against
    | conflict, note)); a declared conflict of interest is an abstention and needs a note. A
    member may sign again, replacing their votes, while the round is a draft."""
    permissions.require(by, sign_permission(meeting), meeting)
    with transaction.atomic():
        meeting = _locked_draft(meeting, _("signing"))
        decisions = {d.proposal.reference: d for d in meeting.decisions.select_related("proposal")}
        errors: dict[str, list[str]] = {}
        if not decisions:
            errors["votes"] = [str(_("there is nothing to sign yet"))]
        for ref in decisions:
            if ref not in votes:
                errors[f"votes.{ref}"] = [str(_("vote on every proposal"))]
        for ref, (choice, note) in votes.items():
            if ref not in decisions:
                errors[f"votes.{ref}"] = [str(_("not a proposal of this round"))]
            elif choice not in Choice.values:
                errors[f"votes.{ref}"] = [str(_("choose for, against or conflict"))]
            elif choice == Choice.CONFLICT and not note.strip():
                errors[f"votes.{ref}"] = [str(_("describe the conflict of interest"))]
        if errors:
            raise Invalid(errors)
        signed = []
        for ref, (choice, note) in votes.items():
            vote, _created = Vote.objects.update_or_create(
                decision=decisions[ref], member=by, defaults={"choice": choice, "note": note}
            )
            signed.append(vote)
        audit.record(
            "portfolio.meeting.signed",
            meeting,
            by=by,
            after={ref: choice for ref, (choice, _note) in votes.items()},
            reason="; ".join(f"{r}: {n}" for r, (c, n) in votes.items() if c == Choice.CONFLICT),
            city=meeting.city.code if meeting.city_id else meeting.call.city_codes,
        )
    return signed


def withdraw_signature(meeting: Meeting, *, by, reason: str) -> int:
    """A member takes their signature back while the round is a draft (signed too soon, or a
    conflict noticed late); their votes go, the trail keeps them. Returns the votes removed."""
    permissions.require(by, sign_permission(meeting), meeting)
    if not reason.strip():
        raise Invalid.one("reason", _("give the reasons"))
    with transaction.atomic():
        meeting = _locked_draft(meeting, _("signing"))
        votes = Vote.objects.filter(decision__meeting=meeting, member=by)
        before = {v.decision.proposal.reference: v.choice
                  for v in votes.select_related("decision__proposal")}  # fmt: skip
        if not before:
            raise Invalid.one("signature", _("you have not signed this round"))
        votes.delete()
        audit.record(
            "portfolio.meeting.signature_withdrawn", meeting, by=by, before=before, after={},
            reason=reason, city=meeting.city.code if meeting.city_id else meeting.call.city_codes,
        )  # fmt: skip
    return len(before)


def tally(meeting: Meeting) -> dict[int, dict]:
    """Per decision: the votes for and against, the abstentions for a conflict, whether the
    signers without a conflict reach the quorum and whether the decision is adopted."""
    out = {}
    for d in meeting.decisions.prefetch_related("votes"):
        counts = {c: 0 for c in Choice.values}
        for v in d.votes.all():
            counts[v.choice] += 1
        voting = counts[Choice.FOR] + counts[Choice.AGAINST]
        out[d.pk] = {
            **counts,
            "quorum": voting >= meeting.quorum,
            "adopted": voting >= meeting.quorum and counts[Choice.FOR] > counts[Choice.AGAINST],
        }
    return out


def envelopes_for(proposal: Proposal, envelopes) -> list[Envelope]:
    """The city envelopes a proposal draws on: its city's, of its priority, and its theme's."""
    priority = proposal.specific_objective.priority_id if proposal.specific_objective else None
    theme = proposal.theme.code if proposal.theme else ""
    return [
        e for e in envelopes
        if e.city_id == proposal.city_id and e.priority_id == priority and e.theme in {"", theme}
    ]  # fmt: skip


def confirm_meeting(meeting: Meeting, *, by) -> Meeting:
    """A member who signed confirms the round. Every decision needs the quorum of signers
    without a conflict and a majority for it; a validation moves the proposals to validated or
    not validated; a decision commits the amounts to the city and call envelopes and moves each
    proposal to approved, reserve or rejected. Everything is re-read under the locks."""
    permissions.require(by, sign_permission(meeting), meeting)
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))  # the city may be empty
            .select_related("call", "city")
            .get(pk=meeting.pk)
        )
        if meeting.state != Meeting.State.DRAFT:
            raise refuse_state(meeting, _("confirming"))
        if not Vote.objects.filter(decision__meeting=meeting, member=by).exists():
            raise Refused(_("Sign the round before you confirm it."))
        decisions = list(
            meeting.decisions.select_related(
                "proposal__specific_objective__priority", "proposal__theme", "proposal__city"
            )
        )
        votes = tally(meeting)
        errors: dict[str, list[str]] = {}
        if not decisions:
            errors["decisions"] = [str(_("there are no decisions to confirm"))]
        for d in decisions:
            t, ref = votes[d.pk], d.proposal.reference
            if not t["quorum"]:
                errors.setdefault(f"decisions.{ref}", []).append(
                    str(_("%(n)s members without a conflict signed, the quorum is %(q)s")
                        % {"n": t["for"] + t["against"], "q": meeting.quorum})
                )  # fmt: skip
            elif not t["adopted"]:
                errors.setdefault(f"decisions.{ref}", []).append(
                    str(_("not adopted: %(for)s for, %(against)s against")
                        % {"for": t["for"], "against": t["against"]})
                )  # fmt: skip
        need: dict[int, Decimal] = defaultdict(Decimal)
        envelopes = []
        if meeting.purpose == Meeting.Purpose.DECISION:
            locked = Proposal.objects.select_for_update().filter(
                pk__in=[d.proposal_id for d in decisions]
            )
            states = {p.pk: p for p in locked}
            envelopes = list(envelopes_of(meeting.call).select_for_update(of=("self",)))
            per_priority: dict[str, Decimal] = defaultdict(Decimal)
            for d in decisions:
                p = states[d.proposal_id]
                if d.outcome != Outcome.REJECTED and (p.needs_consensus or not p.meets_minimums):
                    errors.setdefault(f"decisions.{p.reference}", []).append(
                        str(_("no longer meets the conditions to be approved or reserved"))
                    )
                if d.outcome != Outcome.APPROVED:
                    continue
                drawn = envelopes_for(d.proposal, envelopes)
                if not drawn:
                    errors.setdefault(f"decisions.{p.reference}", []).append(
                        str(_("no envelope of the city for its priority"))
                    )
                for e in drawn:
                    need[e.pk] += d.amount
                per_priority[d.proposal.specific_objective.priority.code] += d.amount
            for e in envelopes:
                if need[e.pk] > e.remaining:
                    errors.setdefault(f"envelopes.{e.key}", []).append(
                        str(_("%(need)s asked, %(left)s left")
                            % {"need": need[e.pk], "left": e.remaining})
                    )  # fmt: skip
            for e in call_envelopes(meeting.call):
                asked = per_priority.get(e["priority"].code, Decimal("0"))
                if asked > e["remaining"]:
                    errors.setdefault(f"call_envelope.{e['priority'].code}", []).append(
                        str(_("%(need)s asked, %(left)s left in the call's envelope")
                            % {"need": asked, "left": e["remaining"]})
                    )  # fmt: skip
        if errors:
            raise Invalid(errors)
        permission = sign_permission(meeting)
        for d in decisions:
            if d.outcome == Outcome.APPROVED:
                for e in envelopes_for(d.proposal, envelopes):
                    Commitment.objects.create(
                        envelope=e, proposal=d.proposal, decision=d, amount=d.amount
                    )

            def grant(p, d=d):
                if d.outcome != Outcome.APPROVED:
                    return []
                p.erdf_granted = d.amount
                if d.co_financing:
                    p.co_financing.all().delete()
                    CoFinancing.objects.bulk_create(
                        CoFinancing(proposal=p, source=r["source"], amount=Decimal(r["amount"]))
                        for r in d.co_financing
                    )
                return ["erdf_granted"]

            t = votes[d.pk]
            transition(
                d.proposal,
                by=by,
                permission=permission,
                action=MOVE[d.outcome],
                reason=d.reason,
                extra_after={
                    "amount": d.amount,
                    "co_financing": d.co_financing,
                    "reserve_rank": d.reserve_rank,
                    "meeting": meeting.pk,
                    "votes": {"for": t["for"], "against": t["against"], "conflict": t["conflict"]},
                },  # fmt: skip
                update=grant,
            )
        meeting.state = Meeting.State.CONFIRMED
        meeting.confirmed_by = by
        meeting.confirmed_at = timezone.now()
        meeting.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        audit.record(
            "portfolio.meeting.confirmed",
            meeting,
            by=by,
            before={"state": "draft"},
            after={"state": "confirmed", "committed": {str(k): v for k, v in need.items()},
                   "signers": sorted({v.member.get_username() for v in
                                      Vote.objects.filter(decision__meeting=meeting)
                                      .select_related("member")})},
            city=meeting.city.code if meeting.city_id else meeting.call.city_codes,
        )  # fmt: skip
    return meeting


def withdraw_proposal(proposal: Proposal, *, by, reason: str = "") -> Proposal:
    """The applicant withdraws; an approved project gives its committed ERDF back, and a round
    still being prepared drops its decision on the proposal (so that round can be confirmed).
    A move of the portfolio: it calls the proposal's transition, never the reverse."""

    def release(p):
        release_commitments(p, by=by)
        drop_from_open_rounds(p, by=by)
        return []

    return transition(
        proposal, by=by, permission="proposal.withdraw", action="withdrawn", reason=reason,
        update=release,
    )  # fmt: skip


def release_commitments(proposal: Proposal, *, by) -> Decimal:
    """An approved project that withdraws gives its committed ERDF back to the envelopes."""
    released = Decimal("0")
    for c in Commitment.objects.select_for_update().filter(proposal=proposal, released_at=None):
        c.released_at = timezone.now()
        c.save(update_fields=["released_at"])
        released = max(released, c.amount)
        audit.record(
            "portfolio.commitment.released",
            c.envelope,
            by=by,
            before={"committed": c.amount},
            after={"committed": "0.00", "proposal": proposal.reference},
            city=proposal.city.code,
        )
    return released


def remove_decision(meeting: Meeting, *, by, proposal: Proposal, reason: str) -> None:
    """Take a proposal out of a round still being prepared (e.g. it waits for a later round),
    with the votes signed on it; the proposal keeps its state."""
    permissions.require(by, prepare_permission(meeting), meeting)
    if not reason.strip():
        raise Invalid.one("reason", _("give the reasons"))
    with transaction.atomic():
        meeting = _locked_draft(meeting, _("changing a decision"))
        decision = Decision.objects.filter(meeting=meeting, proposal=proposal).first()
        if decision is None:
            raise Invalid.one("proposal", _("not a proposal of this round"))
        audit.record(
            "portfolio.decision.removed", proposal, by=by,
            before={"outcome": decision.outcome, "amount": decision.amount,
                    "meeting": meeting.pk, "votes": decision.votes.count()},
            after={}, reason=reason, city=proposal.city.code,
        )  # fmt: skip
        decision.delete()


def drop_from_open_rounds(proposal: Proposal, *, by) -> None:
    """A withdrawn proposal leaves the rounds still being prepared, with its votes."""
    for d in Decision.objects.filter(proposal=proposal, meeting__state=Meeting.State.DRAFT):
        audit.record(
            "portfolio.decision.dropped",
            proposal,
            by=by,
            before={"outcome": d.outcome, "meeting": d.meeting_id},
            after={},
            reason=str(_("withdrawn")),
            city=proposal.city.code,
        )
        d.delete()


def best_replacement(proposal: Proposal) -> Proposal | None:
    """The best-ranked reserve of the same call that fits what is left in its city's envelopes
    and in the call's envelope: the managing authority can approve it in a new decision round."""
    return reserve_that_fits(proposal.call)


def reserve_that_fits(call: Call) -> Proposal | None:
    """The call's best-ranked reserve that fits what is left in its city's envelopes and in the
    call's envelope (the same for every project of the call that withdrew)."""
    envelopes = list(with_committed(envelopes_of(call)))
    call_left = {e["priority"].code: e["remaining"] for e in call_envelopes(call)}
    reserves = (
        Proposal.objects.filter(call=call, state=S.RESERVE)
        .select_related("specific_objective__priority", "theme")
        .order_by("decisions__reserve_rank", "-consolidated_score")
    )
    for candidate in reserves:
        drawn = envelopes_for(candidate, envelopes)
        priority = candidate.specific_objective.priority.code
        if (
            drawn
            and all(candidate.erdf_requested <= e.remaining for e in drawn)
            and candidate.erdf_requested <= call_left.get(priority, candidate.erdf_requested)
        ):
            return candidate
    return None
