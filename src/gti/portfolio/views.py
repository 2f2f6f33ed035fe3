"""Portfolio pages: envelopes, scenarios, and the validation and decision rounds.

Roles come from `permissions` and the call's procedure: whoever runs the call sets envelopes,
computes scenarios and prepares the decision round; the city's secretariat prepares the steering
committee's validation; the members of the body named by the procedure sign and confirm; the
managing authority, the secretariat, the steering committee and auditors read. An object outside
the person's cities answers 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.errors import Invalid, Refused
from gti.portfolio import options as scenario_options
from gti.portfolio import services
from gti.portfolio.models import Decision, Meeting, Scenario, Vote
from gti.proposals import queries
from gti.proposals.models import CoFinancing, Proposal
from gti.strategy.models import City, Priority, Strategy


def _number(text: str) -> str:
    """A number as typed (spaces, a decimal comma) as the schemas read it."""
    return text.replace(" ", "").replace("\u202f", "").replace(",", ".").strip()


def _messages(errors: dict) -> list[tuple[str, str]]:
    return [(field, m) for field, msgs in errors.items() for m in msgs]


@login_required
def envelopes(request, city):
    """Envelopes of a city with what is committed and what remains, and per call of the city
    the call's own envelopes with what its decisions used."""
    city = get_object_or_404(City, code=city)
    permissions.require_in_view(request.user, "portfolio.view", city=city)
    strategy = get_object_or_404(Strategy.objects.current().select_related("programme"), city=city)
    programme = strategy.programme
    can_set = permissions.can(request.user, "portfolio.envelopes", city=city)
    errors: dict[str, str] = {}
    proposal = None
    if request.method == "POST":
        permissions.require(request.user, "portfolio.envelopes", city=city)
        if "split" in request.POST:
            total = _number(request.POST.get("total", ""))
            try:
                proposal = services.proposed_split(programme, Decimal(total))
                if Decimal(total) < 0:
                    raise ValueError
            except (ArithmeticError, ValueError):
                errors["total"] = _("give the city's total ERDF amount")
                proposal = None
        else:
            lines, codes = [], []
            for priority in programme.priorities.all():
                raw = request.POST.get(f"amount_{priority.code}", "")
                if raw.strip():
                    lines.append({"priority": priority.code, "amount": _number(raw)})
                    codes.append(priority.code)
            try:
                services.set_envelopes(by=request.user, programme=programme, city=city, lines=lines)
            except Invalid as exc:
                for field, msgs in exc.errors.items():
                    n = field.removeprefix("lines[").split("]")[0]
                    key = codes[int(n)] if n.isdigit() and int(n) < len(codes) else "total"
                    errors[key] = "; ".join(msgs)
            else:
                messages.success(request, _("Envelopes saved."))
                return redirect("portfolio:envelopes", city=city.code)
    rows = []
    plain = services.envelopes_of_city(city, programme).filter(theme="")
    existing = {e.priority_id: e for e in plain}
    for priority in programme.priorities.all():
        rows.append(
            {
                "priority": priority,
                "envelope": existing.get(priority.pk),
                "proposed": (proposal or {}).get(priority.code),
                "error": errors.get(priority.code),
                "typed": request.POST.get(f"amount_{priority.code}", "") if errors else "",
            }
        )
    calls = list(
        queries.calls_visible_to(request.user)
        .filter(programme=programme)
        .filter(Q(city=city) | Q(city=None))
    )
    envelopes_of_calls = services.calls_envelopes(calls)
    return render(
        request,
        "portfolio/envelopes.html",
        {
            "city": city,
            "programme": programme,
            "rows": rows,
            "themed": services.envelopes_of_city(city, programme).exclude(theme=""),
            "can_prepare": can_set,
            "split_error": errors.get("total"),
            "split_proposed": proposal is not None,
            "calls": [(c, envelopes_of_calls[c.pk]) for c in calls],
            "meetings": Meeting.objects.filter(call__in=calls)
            .filter(Q(city=city) | Q(city=None))
            .select_related("call", "city"),
        },
    )


def _call(request, reference):
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require_in_view(request.user, "portfolio.view", call)
    return call


def _pairs(text: str) -> list[list[str]]:
    """One pair per line ("A B", "A, B" or "B requires A"); a line of another length is passed
    on as it is, so the options schema names it."""
    pairs = []
    for line in text.splitlines():
        parts = [
            p for p in line.replace(",", " ").split() if p.lower() not in {"requires", "vereist"}
        ]
        if parts:
            pairs.append(parts)
    return pairs


def options_from_form(form, candidates) -> dict:
    """The scenario form as plain options; `options.parse` checks them like the API's."""
    options: dict = {"value": form.get("value", "score"), "envelopes": form.getlist("envelopes")}
    if options["value"] == "custom":
        options["values"] = {
            p.reference: _number(form.get(f"value_{p.reference}", "")) or "0" for p in candidates
        }
    options["minimums"] = []
    for n in range(3):
        count = form.get(f"min_count_{n}", "").strip()
        if not count:
            continue
        minimum = {"id": f"min-{n + 1}", "count": count}
        for key in ("theme", "area", "priority"):
            if form.get(f"min_{key}_{n}"):
                minimum[key] = form[f"min_{key}_{n}"]
        options["minimums"].append(minimum)
    options["exclusions"] = _pairs(form.get("exclusions", ""))
    options["dependencies"] = _pairs(form.get("dependencies", ""))
    options["scalable"] = {
        p.reference: _number(form.get(f"scalable_{p.reference}", ""))
        for p in candidates
        if form.get(f"scalable_{p.reference}", "").strip()
    }
    return options


def envelope_choices(call) -> list[dict]:
    """Every envelope a scenario of `call` can apply: the cities' and the call's own."""
    out = [
        {"key": e.key, "remaining": e.remaining}
        for e in services.with_committed(services.envelopes_of(call))
    ]
    out += [
        {"key": f"{call.reference}-{e['priority'].code}", "remaining": e["remaining"]}
        for e in services.call_envelopes(call)
    ]
    return out


def replacements(call) -> list[tuple]:
    """Approved projects that withdrew, each with the reserve that fits the released money."""
    withdrawn = Proposal.objects.filter(
        call=call,
        state=Proposal.State.WITHDRAWN,
        decisions__outcome=Decision.Outcome.APPROVED,
        decisions__meeting__state=Meeting.State.CONFIRMED,
    ).distinct()
    withdrawn = list(withdrawn)
    best = services.reserve_that_fits(call) if withdrawn else None
    return [(p, best) for p in withdrawn]


@login_required
def scenarios(request, reference):
    """A call's portfolio page: its envelopes, scenarios and rounds; whoever runs the call
    computes scenarios and prepares the decision, the city's secretariat the validation."""
    call = _call(request, reference)
    user = request.user
    can_prepare = permissions.can(user, "portfolio.prepare", call)
    candidates = list(services.candidates(call))
    errors: dict[str, list[str]] = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        permissions.require(user, "portfolio.prepare", call)
        try:
            options = scenario_options.parse(options_from_form(form, candidates))
            scenario = services.run_scenario(
                call, by=user, name=form.get("name", ""), options=options
            )
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Scenario %(name)s computed.") % {"name": scenario.name})
            return redirect("portfolio:scenario", pk=scenario.pk)
    # The themes and areas of every city of the call (a theme code may exist in both).
    strategies = list(Strategy.objects.current().filter(city__in=[c.pk for c in call.cities]))
    themes = {t.code: t for st in strategies for t in st.themes.all()}
    areas = [a for st in strategies for a in st.areas.all()]
    validation_cities = (
        [c for c in call.cities if permissions.can(user, "validation.prepare", city=c)]
        if call.rules.validation
        else []
    )
    return render(
        request,
        "portfolio/scenarios.html",
        {
            "call": call,
            "city": call.city or (call.cities[0] if len(call.cities) == 1 else None),
            "scenarios": call.scenarios.all(),
            "candidates": candidates,
            "can_prepare": can_prepare,
            "errors": errors,
            "form": form,
            "themes": list(themes.values()),
            "areas": areas,
            "priorities": Priority.objects.filter(programme=call.programme),
            "min_rows": range(3),
            "envelopes": envelope_choices(call),
            "chosen_envelopes": form.getlist("envelopes") if form else None,
            "call_envelopes": services.call_envelopes(call),
            "rounds": [
                m
                for m in call.meetings.select_related("city")
                if permissions.can(user, "portfolio.view", m)
            ],  # fmt: skip
            "validation_cities": validation_cities,
            "today": timezone.localdate(),
            "replacements": replacements(call),
        },
    )


@login_required
def scenario(request, pk):
    scenario = get_object_or_404(Scenario.objects.select_related("call__city"), pk=pk)
    _call(request, scenario.call.reference)
    titles = dict(Proposal.objects.filter(call=scenario.call).values_list("reference", "title"))
    return render(
        request,
        "portfolio/scenario.html",
        {
            "scenario": scenario,
            "call": scenario.call,
            "city": scenario.call.city,
            "s": services.summary(scenario),
            "titles": titles,
            "names": services.names(scenario.call),
            "can_prepare": permissions.can(request.user, "portfolio.prepare", scenario.call),
        },
    )


@login_required
def compare(request, reference):
    call = _call(request, reference)
    chosen = call.scenarios.filter(pk__in=request.GET.getlist("s")).order_by("created_at")
    summaries = [services.summary(s) for s in chosen]
    envelopes = summaries[0]["envelopes"] if summaries else []
    themes = sorted({t for s in summaries for t in s["optimal"]["per_theme"]} - {None})
    areas = sorted({a for s in summaries for a in s["optimal"]["per_area"]})
    return render(
        request,
        "portfolio/compare.html",
        {
            "call": call,
            "city": call.city,
            "summaries": summaries,
            "envelopes": envelopes,
            "themes": themes,
            "areas": areas,
            "names": services.names(call),
        },
    )


def _date(text: str):
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


@login_required
def round_new(request, reference):
    """Prepare a round from the call's portfolio page: the steering committee's validation of
    one city, or the decision (by hand, from a scenario, or approving a reserve)."""
    call = _call(request, reference)
    if request.method != "POST":
        return redirect("portfolio:scenarios", reference=call.reference)
    user, form = request.user, request.POST
    date = _date(form.get("date", ""))
    try:
        if date is None:
            raise Invalid.one("date", _("give the date as YYYY-MM-DD"))
        if form.get("purpose") == Meeting.Purpose.VALIDATION:
            city = next((c for c in call.cities if c.code == form.get("city")), None)
            if city is None:
                raise Invalid.one("city", _("not a city of this call"))
            meeting = services.open_validation(call, by=user, city=city, date=date)
        else:
            scenario = None
            if form.get("scenario"):
                scenario = call.scenarios.filter(pk=form["scenario"]).first()
                if scenario is None:
                    raise Invalid.one("scenario", _("choose a solved scenario of this call"))
            approve = None
            if form.get("approve"):
                approve = get_object_or_404(
                    Proposal.objects.visible_to(user), call=call, reference=form["approve"]
                )
            meeting = services.open_decision_round(
                call, by=user, date=date, scenario=scenario, approve=approve
            )
    except Invalid as exc:
        for field, msg in _messages(exc.errors):
            messages.error(request, f"{field}: {msg}")
        return redirect("portfolio:scenarios", reference=call.reference)
    messages.success(request, _("Round prepared."))
    return redirect("portfolio:round", pk=meeting.pk)


def _plan_rows(proposal: Proposal, decision: Decision | None) -> list[dict]:
    """One amount per co-financing source: the revised plan where there is one, else the
    proposal's own plan."""
    given = {r["source"]: r["amount"] for r in (decision.co_financing if decision else [])}
    own = {c.source: c.amount for c in proposal.co_financing.all()}
    return [
        {"source": value, "label": label, "amount": given.get(value, own.get(value, ""))}
        for value, label in CoFinancing.Source.choices
    ]


def _decide(request, meeting: Meeting) -> None:
    form = request.POST
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user), call=meeting.call,
        reference=form.get("proposal", ""),
    )  # fmt: skip
    rank = form.get("rank", "").strip()
    plan = [
        {"source": source, "amount": _number(form.get(f"co_{source}", ""))}
        for source in CoFinancing.Source.values
        if form.get(f"co_{source}", "").strip()
    ]
    amount = _number(form.get("amount", ""))
    services.set_decision(
        meeting, by=request.user, proposal=proposal, outcome=form.get("outcome", ""),
        amount=amount or None, rank=int(rank) if rank.isdigit() else rank or None,
        reason=form.get("reason", ""), co_financing=plan,
    )  # fmt: skip
    messages.success(request, _("Decision saved; its votes are cleared."))


def _remove(request, meeting: Meeting) -> None:
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user), call=meeting.call,
        reference=request.POST.get("proposal", ""),
    )  # fmt: skip
    services.remove_decision(
        meeting, by=request.user, proposal=proposal, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Taken out of this round, with its votes."))


def _sign(request, meeting: Meeting) -> None:
    votes = {}
    for d in meeting.decisions.select_related("proposal"):
        ref = d.proposal.reference
        votes[ref] = (request.POST.get(f"vote_{ref}", ""), request.POST.get(f"note_{ref}", ""))
    services.sign_meeting(meeting, by=request.user, votes=votes)
    messages.success(request, _("Your signature is recorded."))


@login_required
def round_(request, pk):
    """A validation or decision round: the decisions, the signing form for the members of the
    body, the tally with who signed, confirmation, and after a decision the documents."""
    meeting = get_object_or_404(Meeting.objects.select_related("call__city", "city"), pk=pk)
    call = _call(request, meeting.call.reference)
    user = request.user
    permissions.require_in_view(user, "portfolio.view", meeting)
    draft = meeting.state == Meeting.State.DRAFT
    prepare = services.prepare_permission(meeting)
    sign = services.sign_permission(meeting)
    can_edit = draft and permissions.can(user, prepare, meeting)
    can_sign = draft and permissions.can(user, sign, meeting)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide":
                _decide(request, meeting)
            elif action == "remove":
                _remove(request, meeting)
            elif action == "sign":
                _sign(request, meeting)
            elif action == "unsign":
                services.withdraw_signature(meeting, by=user, reason=request.POST.get("reason", ""))
                messages.success(request, _("Your signature is withdrawn."))
            elif action == "confirm":
                services.confirm_meeting(meeting, by=user)
                messages.success(request, _("The round is confirmed."))
            else:
                raise Invalid.one("action", _("unknown action"))
        except Invalid as exc:
            for field, msg in _messages(exc.errors):
                messages.error(request, f"{field}: {msg}")
        except Refused as exc:
            messages.error(request, str(exc))
        return redirect("portfolio:round", pk=meeting.pk)
    # A joint round of several cities shows each person the decisions on what they may see.
    decisions = list(
        meeting.decisions.filter(proposal__in=Proposal.objects.visible_to(user))
        .select_related("proposal__city")
        .prefetch_related("proposal__co_financing", "votes__member")
    )
    votes = services.tally(meeting)
    mine = {v.decision_id: v for v in Vote.objects.filter(decision__meeting=meeting, member=user)}
    rows = [
        {
            "d": d,
            "p": d.proposal,
            "tally": votes[d.pk],
            "votes": list(d.votes.all()),
            "mine": mine.get(d.pk),
            "plan": _plan_rows(d.proposal, d),
        }
        for d in decisions
    ]
    decided = {d.proposal_id for d in decisions}
    addable = []
    if can_edit and meeting.purpose == Meeting.Purpose.DECISION:
        addable = [p for p in services.candidates(call) if p.pk not in decided]
    signers = sorted({v.member.get_username() for r in rows for v in r["votes"]})
    return render(
        request,
        "portfolio/round.html",
        {
            "meeting": meeting,
            "call": call,
            "city": meeting.city,
            "rows": rows,
            "addable": [(p, _plan_rows(p, None)) for p in addable],
            "can_edit": can_edit,
            "can_sign": can_sign,
            "signed": bool(mine),
            "signers": signers,
            "outcomes": [
                (v, label)
                for v, label in Decision.Outcome.choices
                if (v in {"fits", "does_not_fit"})
                == (meeting.purpose == Meeting.Purpose.VALIDATION)
            ],  # fmt: skip
            "choices": Vote.Choice.choices,
            "blocks": call.rules.assessment.blocks,
            "confirmed_decision": meeting.state == Meeting.State.CONFIRMED
            and meeting.purpose == Meeting.Purpose.DECISION,
        },
    )
