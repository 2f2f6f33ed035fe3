"""Envelopes and commitments, selection scenarios, and the steering committee's decisions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.errors import Invalid, refuse_state
from gti.portfolio import optimizer
from gti.portfolio.models import Commitment, Decision, Envelope, Meeting, Scenario
from gti.proposals.models import Call, Proposal
from gti.proposals.services.proposals import transition
from gti.strategy.models import Area, City, Priority, Programme

S = Proposal.State
CENT = Decimal("0.01")


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


def set_envelope(
    *, by, programme: Programme, city: City, priority: Priority, amount, theme: str = ""
) -> Envelope:
    """Create or change an envelope. Refused below what decisions already committed."""
    permissions.require(by, "portfolio.prepare", city=city)
    try:
        amount = Decimal(str(amount)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise Invalid.one("amount", _("not an amount")) from None
    if amount < 0:
        raise Invalid.one("amount", _("must not be negative"))
    with transaction.atomic():
        envelope, created = Envelope.objects.select_for_update().get_or_create(
            programme=programme, city=city, priority=priority, theme=theme,
            defaults={"amount": amount},
        )  # fmt: skip
        before = None if created else envelope.amount
        if not created:
            committed = envelope.committed
            if amount < committed:
                raise Invalid.one(
                    "amount",
                    _("%(amount)s is below the %(committed)s already committed to %(envelope)s")
                    % {"amount": amount, "committed": committed, "envelope": envelope},
                )
            envelope.amount = amount
            envelope.save(update_fields=["amount"])
        audit.record(
            "portfolio.envelope.set",
            envelope,
            by=by,
            before={"amount": before} if before is not None else {},
            after={"amount": amount},
            city=city.code,
        )
    return envelope


def envelopes_of_city(city: City, programme: Programme):
    return Envelope.objects.filter(city=city, programme=programme).select_related(
        "priority", "city"
    )


def envelope_totals(programme: Programme) -> dict[str, Decimal]:
    """The cities' envelopes added up per priority (code → amount): the programme's figures."""
    totals = (
        Envelope.objects.filter(programme=programme)
        .values("priority__code")
        .annotate(total=Sum("amount"))
    )
    return {t["priority__code"]: t["total"] for t in totals}


def envelopes_of(call: Call):
    return envelopes_of_city(call.city, call.strategy.programme)


def names(call: Call) -> dict:
    """Names for the codes a scenario holds: envelopes, themes and areas of the call's strategy,
    and the programme's priorities in their order (read from the data, never from a page)."""
    strategy = call.strategy
    return {
        "envelopes": {e.key: e.label for e in envelopes_of(call)},
        "themes": {t.code: t.name for t in strategy.themes.all()},
        "areas": {a.code: a.name for a in Area.all_areas.filter(strategy=strategy)},
        "priorities": list(strategy.programme.priorities.all()),
        "priority_labels": {p.code: p.label for p in strategy.programme.priorities.all()},
    }


# --- scenarios --------------------------------------------------------------------------------


def candidates(call: Call):
    """The assessed proposals of a call: what a scenario chooses from."""
    return (
        Proposal.objects.filter(call=call, state=S.ASSESSED)
        .select_related("theme", "specific_objective__priority")
        .prefetch_related("areas")
        .order_by("reference")
    )


def build_instance(call: Call, options: dict) -> dict:
    """The optimiser's instance for `call` under the scenario `options`:

    value: "score" (default) or "custom" with `values` {reference: number};
    envelopes: envelope keys to apply (default: all of the city), amounts = what remains;
    minimums: [{id, count, theme?, area?, priority?}];
    exclusions: [[ref, ref], …] alternatives; dependencies: [[ref, required ref], …];
    scalable: {reference: minimum ERDF}.
    """
    proposals = list(candidates(call))
    refs = {p.reference for p in proposals}
    errors: dict[str, list[str]] = {}

    def known(ref, where):
        if ref not in refs:
            errors.setdefault(where, []).append(
                str(_("%(ref)s is not an assessed proposal of this call") % {"ref": ref})
            )
            return False
        return True

    values = options.get("values", {}) if options.get("value") == "custom" else {}
    for ref in values:
        known(ref, f"values.{ref}")
    scalable = options.get("scalable", {})
    for ref in scalable:
        known(ref, f"scalable.{ref}")
    excludes, requires = defaultdict(list), defaultdict(list)
    for n, pair in enumerate(options.get("exclusions", [])):
        if (
            len(pair) == 2
            and all(known(r, f"exclusions[{n}]") for r in pair)
            and pair[0] != pair[1]
        ):
            excludes[pair[0]].append(pair[1])
    for n, pair in enumerate(options.get("dependencies", [])):
        if (
            len(pair) == 2
            and all(known(r, f"dependencies[{n}]") for r in pair)
            and pair[0] != pair[1]
        ):
            requires[pair[0]].append(pair[1])
    chosen = options.get("envelopes")
    envelopes = [e for e in envelopes_of(call) if chosen is None or e.key in chosen]
    if chosen is not None:
        for key in set(chosen) - {e.key for e in envelopes}:
            errors.setdefault("envelopes", []).append(
                str(_("unknown envelope %(key)s") % {"key": key})
            )
    if errors:
        raise Invalid(errors)
    instance = {
        "proposals": [
            {
                "id": p.reference,
                "city": call.city.code,
                "priority": p.specific_objective.priority.code if p.specific_objective else None,
                "theme": p.theme.code if p.theme else None,
                "areas": [a.code for a in p.areas.all()],
                "score": float(p.consolidated_score or 0),
                "erdf": float(p.erdf_requested),
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
                "amount": float(e.remaining),
                "city": e.city.code,
                "priority": e.priority.code,
                **({"theme": e.theme} if e.theme else {}),
            }
            for e in envelopes
        ],
        "minimums": [dict(m) for m in options.get("minimums", [])],
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
    instance = build_instance(call, options)
    result = optimizer.solve(optimizer.parse_instance(instance))
    with transaction.atomic():
        scenario = Scenario.objects.create(
            call=call, name=name.strip(), options=options, instance=instance, result=result,
            created_by=by,
        )  # fmt: skip
        audit.record(
            "portfolio.scenario.created",
            scenario,
            by=by,
            after={
                "name": scenario.name,
                "status": result["status"],
                "objective": result["objective"],
            },  # fmt: skip
            city=call.city.code,
        )
    return scenario


def summary(scenario: Scenario) -> dict:
    """What the comparison page shows of one scenario: the optimum beside rank-and-fill."""
    proposals = {p["id"]: p for p in scenario.instance["proposals"]}

    def spread(selected: list[dict]) -> dict:
        per_priority, per_theme, per_area = defaultdict(float), defaultdict(float), defaultdict(int)
        per_envelope = defaultdict(float)
        for s in selected:
            p = proposals[s["id"]]
            per_priority[p["priority"]] += s["erdf"]
            per_theme[p["theme"]] += s["erdf"]
            for area in p["areas"]:
                per_area[area] += 1
            for e in scenario.instance["envelopes"]:
                if all(p.get(k) == e[k] for k in ("city", "priority", "theme") if k in e):
                    per_envelope[e["id"]] += s["erdf"]
        total = sum(per_priority.values())
        return {
            "refs": [s["id"] for s in selected],
            "total": total,
            "per_priority": dict(per_priority),
            "shares": {k: (v / total if total else 0.0) for k, v in per_priority.items()},
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
        "envelopes": scenario.instance["envelopes"],
        "explanations": result["explanations"],
        "binding": result["binding"],
    }


# --- the steering committee -------------------------------------------------------------------


def create_meeting(
    call: Call, *, by, date: datetime.date, members: list[str], quorum: int,
    scenario: Scenario | None = None,
) -> Meeting:  # fmt: skip
    """A draft meeting; from a scenario, its decisions are prepared: the selected proposals with
    their amounts, the others on the reserve list in order of value."""
    permissions.require(by, "portfolio.prepare", call)
    members = [m.strip() for m in members if m.strip()]
    errors = {}
    if quorum < 1:
        errors["quorum"] = [str(_("at least one member"))]
    if scenario is not None and (
        scenario.call_id != call.pk or scenario.result["status"] != "optimal"
    ):
        errors["scenario"] = [str(_("choose a solved scenario of this call"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            call=call, date=date, members_present=members, quorum=quorum, scenario=scenario,
            created_by=by,
        )  # fmt: skip
        if scenario is not None:
            chosen = {s["id"]: s["erdf"] for s in scenario.result["selected"]}
            values = {p["id"]: p.get("value", p["score"]) for p in scenario.instance["proposals"]}
            reserve = sorted((r for r in values if r not in chosen), key=lambda r: -values[r])
            by_ref = {p.reference: p for p in candidates(call)}
            Decision.objects.bulk_create(
                [
                    Decision(meeting=meeting, proposal=by_ref[r], outcome=Decision.Outcome.SELECTED,
                             amount=Decimal(str(a)).quantize(CENT))
                    for r, a in chosen.items()
                ]
                + [
                    Decision(meeting=meeting, proposal=by_ref[r], outcome=Decision.Outcome.RESERVE,
                             reserve_rank=n)
                    for n, r in enumerate(reserve, 1)
                ]
            )  # fmt: skip
        audit.record(
            "portfolio.meeting.created",
            meeting,
            by=by,
            after={
                "date": date,
                "members": members,
                "quorum": quorum,
                "scenario": scenario.name if scenario else None,
            },  # fmt: skip
            city=call.city.code,
        )
    return meeting


def set_decision(
    meeting: Meeting, *, by, proposal: Proposal, outcome: str, amount=None, rank=None, reason=""
) -> Decision:
    """Set one decision by hand, while the meeting is a draft (secretariat or committee)."""
    if not (
        permissions.can(by, "portfolio.prepare", meeting.call)
        or permissions.can(by, "portfolio.decide", meeting.call)
    ):
        permissions.require(by, "portfolio.decide", meeting.call)
    if meeting.state != Meeting.State.DRAFT:
        raise refuse_state(meeting, _("changing a decision"))
    if proposal.call_id != meeting.call_id or proposal.state != S.ASSESSED:
        raise Invalid.one("proposal", _("only assessed proposals of this call"))
    if outcome not in Decision.Outcome.values:
        raise Invalid.one("outcome", _("choose selected, reserve or rejected"))
    errors = {}
    if outcome == Decision.Outcome.SELECTED:
        try:
            amount = Decimal(str(amount)).quantize(CENT)
        except (InvalidOperation, ValueError, TypeError):
            amount = None
        if amount is None or amount <= 0 or amount > proposal.erdf_requested:
            errors["amount"] = [
                str(_("an amount above zero and at most the %(erdf)s requested")
                    % {"erdf": proposal.erdf_requested})
            ]  # fmt: skip
    if outcome == Decision.Outcome.RESERVE and not rank:
        errors["rank"] = [str(_("give the reserve a rank"))]
    if outcome == Decision.Outcome.REJECTED and not reason.strip():
        errors["reason"] = [str(_("say why the proposal is rejected"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        decision, _created = Decision.objects.update_or_create(
            meeting=meeting, proposal=proposal,
            defaults={
                "outcome": outcome,
                "amount": amount if outcome == Decision.Outcome.SELECTED else None,
                "reserve_rank": rank if outcome == Decision.Outcome.RESERVE else None,
                "reason": reason,
            },
        )  # fmt: skip
        audit.record(
            "portfolio.decision.set",
            decision.proposal,
            by=by,
            after={"outcome": outcome, "amount": decision.amount, "rank": decision.reserve_rank},
            reason=reason,
            city=meeting.call.city.code,
        )
    return decision


def envelopes_for(proposal: Proposal, envelopes) -> list[Envelope]:
    """The envelopes a proposal draws on: its priority's, and its theme's if there is one."""
    priority = proposal.specific_objective.priority_id if proposal.specific_objective else None
    theme = proposal.theme.code if proposal.theme else ""
    return [e for e in envelopes if e.priority_id == priority and e.theme in {"", theme}]


def confirm_meeting(meeting: Meeting, *, by) -> Meeting:
    """The committee confirms: amounts are committed to the envelopes and every proposal decided
    on moves to selected, reserve or rejected, each with its audit event."""
    permissions.require(by, "portfolio.decide", meeting.call)
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update().select_related("call__city").get(pk=meeting.pk)
        )
        if meeting.state != Meeting.State.DRAFT:
            raise refuse_state(meeting, _("confirming"))
        decisions = list(
            meeting.decisions.select_related("proposal__specific_objective", "proposal__theme")
        )
        errors = {}
        if len(meeting.members_present) < meeting.quorum:
            errors["members_present"] = [
                str(_("%(n)s members present, the quorum is %(q)s")
                    % {"n": len(meeting.members_present), "q": meeting.quorum})
            ]  # fmt: skip
        if not decisions:
            errors["decisions"] = [str(_("there are no decisions to confirm"))]
        envelopes = list(envelopes_of(meeting.call).select_for_update())
        need = defaultdict(Decimal)
        for d in decisions:
            if d.proposal.state != S.ASSESSED:
                errors.setdefault("decisions", []).append(
                    str(_("%(ref)s is no longer assessed") % {"ref": d.proposal.reference})
                )
            if d.outcome == Decision.Outcome.SELECTED:
                drawn = envelopes_for(d.proposal, envelopes)
                if not drawn:
                    errors.setdefault("decisions", []).append(
                        str(
                            _("%(ref)s: no envelope for its priority")
                            % {"ref": d.proposal.reference}
                        )
                    )
                for e in drawn:
                    need[e.pk] += d.amount
        for e in envelopes:
            if need[e.pk] > e.remaining:
                errors.setdefault(f"envelopes.{e.key}", []).append(
                    str(
                        _("%(need)s asked, %(left)s left")
                        % {"need": need[e.pk], "left": e.remaining}
                    )
                )
        if errors:
            raise Invalid(errors)
        target = {
            Decision.Outcome.SELECTED: S.SELECTED,
            Decision.Outcome.RESERVE: S.RESERVE,
            Decision.Outcome.REJECTED: S.REJECTED,
        }
        for d in decisions:
            for e in envelopes_for(d.proposal, envelopes) if d.outcome == "selected" else []:
                Commitment.objects.create(
                    envelope=e, proposal=d.proposal, decision=d, amount=d.amount
                )
            transition(
                d.proposal,
                by=by,
                permission="portfolio.decide",
                allowed_from={S.ASSESSED},
                to=target[d.outcome],
                action=target[d.outcome],
                reason=d.reason,
                extra_after={
                    "amount": d.amount,
                    "reserve_rank": d.reserve_rank,
                    "meeting": str(meeting),
                },  # fmt: skip
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
            after={"state": "confirmed", "committed": {k: v for k, v in need.items()}},
            city=meeting.call.city.code,
        )
    return meeting


def release_commitments(proposal: Proposal, *, by) -> Decimal:
    """A selected project that withdraws gives its committed ERDF back to the envelopes."""
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
            city=proposal.call.city.code,
        )
    return released


def best_replacement(proposal: Proposal) -> Proposal | None:
    """The best-ranked reserve of the same call that fits what is left in its envelopes."""
    envelopes = list(envelopes_of(proposal.call))
    reserves = (
        Proposal.objects.filter(call=proposal.call, state=S.RESERVE)
        .select_related("specific_objective", "theme")
        .order_by("decisions__reserve_rank", "-consolidated_score")
    )
    for candidate in reserves:
        drawn = envelopes_for(candidate, envelopes)
        if drawn and all(candidate.erdf_requested <= e.remaining for e in drawn):
            return candidate
    return None
