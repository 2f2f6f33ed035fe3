"""Portfolio pages. Role: the secretariat prepares (envelopes, scenarios, meetings), the steering
committee decides, the managing authority and auditors read."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gti.accounts import permissions
from gti.errors import Invalid, Refused
from gti.portfolio import services
from gti.portfolio.models import Decision, Meeting, Scenario
from gti.proposals import queries
from gti.proposals.models import Proposal
from gti.strategy.models import City, Priority, Strategy


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(" ", "").replace(",", ".")) if text.strip() else None
    except InvalidOperation:
        return None


@login_required
def envelopes(request, city):
    """Envelopes of a city with what is committed and what remains."""
    city = get_object_or_404(City, code=city)
    permissions.require(request.user, "portfolio.view", city=city)
    strategy = get_object_or_404(Strategy.objects.current().select_related("programme"), city=city)
    programme = strategy.programme
    can_prepare = permissions.can(request.user, "portfolio.prepare", city=city)
    errors, proposal = {}, None
    if request.method == "POST" and can_prepare:
        permissions.require(request.user, "portfolio.prepare", city=city)
        if "split" in request.POST:
            total = _money(request.POST.get("total", ""))
            if total is None or total < 0:
                errors["total"] = _("give the city's total ERDF amount")
            else:
                proposal = services.proposed_split(programme, total)
        else:
            for priority in programme.priorities.all():
                raw = request.POST.get(f"amount_{priority.code}", "")
                amount = _money(raw)
                if not raw.strip():
                    continue
                if amount is None:
                    errors[priority.code] = _("not an amount")
                    continue
                try:
                    services.set_envelope(
                        by=request.user, programme=programme, city=city, priority=priority,
                        amount=amount,
                    )  # fmt: skip
                except Invalid as exc:
                    errors[priority.code] = "; ".join(m for ms in exc.errors.values() for m in ms)
            if not errors:
                messages.success(request, _("Envelopes saved."))
                return redirect("portfolio:envelopes", city=city.code)
    rows = []
    existing = {e.priority_id: e for e in services.envelopes_of_city(city, programme)}
    for priority in programme.priorities.all():
        envelope = existing.get(priority.pk)
        rows.append(
            {
                "priority": priority,
                "envelope": envelope,
                "proposed": (proposal or {}).get(priority.code),
                "error": errors.get(priority.code),
            }
        )
    calls = queries.calls_visible_to(request.user).filter(city=city)
    return render(
        request,
        "portfolio/envelopes.html",
        {
            "city": city,
            "programme": programme,
            "rows": rows,
            "themed": [e for e in existing.values() if e.theme],
            "can_prepare": can_prepare,
            "split_error": errors.get("total"),
            "split_proposed": proposal is not None,
            "calls": calls,
            "meetings": Meeting.objects.filter(call__city=city).select_related("call"),
        },
    )


def _call(request, reference):
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require(request.user, "portfolio.view", call)
    return call


def _pairs(text: str, field: str, errors: dict) -> list[list[str]]:
    pairs = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = [
            p for p in line.replace(",", " ").split() if p.lower() not in {"requires", "vereist"}
        ]
        if not parts:
            continue
        if len(parts) != 2:
            errors.setdefault(field, []).append(_("line %(n)s: give two references") % {"n": n})
            continue
        pairs.append(parts)
    return pairs


@login_required
def scenarios(request, reference):
    """A call's scenarios; the secretariat builds and runs a new one."""
    call = _call(request, reference)
    can_prepare = permissions.can(request.user, "portfolio.prepare", call)
    candidates = list(services.candidates(call))
    errors: dict[str, list[str]] = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        permissions.require(request.user, "portfolio.prepare", call)
        options = {"value": form.get("value", "score"), "minimums": [], "scalable": {}}
        options["envelopes"] = form.getlist("envelopes")
        if options["value"] == "custom":
            options["values"] = {}
            for p in candidates:
                raw = form.get(f"value_{p.reference}", "").strip()
                number = _money(raw) if raw else None
                if raw and number is None:
                    errors.setdefault(f"value_{p.reference}", []).append(_("not a number"))
                options["values"][p.reference] = float(number if number is not None else 0)
        for n in range(3):
            count = form.get(f"min_count_{n}", "").strip()
            if not count:
                continue
            if not count.isdigit():
                errors.setdefault(f"min_count_{n}", []).append(_("a whole number"))
                continue
            minimum = {"id": f"min-{n + 1}", "count": int(count)}
            for key in ("theme", "area", "priority"):
                if form.get(f"min_{key}_{n}"):
                    minimum[key] = form[f"min_{key}_{n}"]
            options["minimums"].append(minimum)
        options["exclusions"] = _pairs(form.get("exclusions", ""), "exclusions", errors)
        options["dependencies"] = _pairs(form.get("dependencies", ""), "dependencies", errors)
        for p in candidates:
            raw = form.get(f"scalable_{p.reference}", "").strip()
            if raw:
                amount = _money(raw)
                if amount is None:
                    errors.setdefault(f"scalable_{p.reference}", []).append(_("not an amount"))
                else:
                    options["scalable"][p.reference] = float(amount)
        if not errors:
            try:
                scenario = services.run_scenario(
                    call, by=request.user, name=form.get("name", ""), options=options
                )
            except Invalid as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, _("Scenario %(name)s computed.") % {"name": scenario.name}
                )
                return redirect("portfolio:scenario", pk=scenario.pk)
    strategy = call.strategy
    return render(
        request,
        "portfolio/scenarios.html",
        {
            "call": call,
            "city": call.city,
            "scenarios": call.scenarios.all(),
            "candidates": candidates,
            "can_prepare": can_prepare,
            "errors": errors,
            "form": form,
            "themes": strategy.themes.all(),
            "areas": strategy.areas.all(),
            "priorities": Priority.objects.filter(programme=strategy.programme),
            "min_rows": range(3),
            "envelopes": services.envelopes_of(call),
            "chosen_envelopes": form.getlist("envelopes") if form else None,
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


class MeetingForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    members = forms.CharField(
        label=gettext_lazy("Members present (one per line)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    quorum = forms.IntegerField(label=gettext_lazy("Quorum (members needed)"), min_value=1)
    scenario = forms.ChoiceField(label=gettext_lazy("Prepare the decisions from scenario"),
                                 required=False)  # fmt: skip


@login_required
def meeting_new(request, reference):
    call = _call(request, reference)
    permissions.require(request.user, "portfolio.prepare", call)
    form = MeetingForm(request.POST or None, initial={"scenario": request.GET.get("scenario")})
    form.fields["scenario"].choices = [("", "—")] + [(s.pk, s.name) for s in call.scenarios.all()]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.create_meeting(
                call, by=request.user, date=d["date"], members=d["members"].splitlines(),
                quorum=d["quorum"],
                scenario=call.scenarios.filter(pk=d["scenario"]).first() if d["scenario"] else None,
            )  # fmt: skip
        except Invalid as exc:
            for field, msgs in exc.errors.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
        else:
            return redirect("portfolio:meeting", pk=meeting.pk)
    return render(
        request, "portfolio/meeting_form.html", {"form": form, "call": call, "city": call.city}
    )


@login_required
def meeting(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("call__city"), pk=pk)
    call = _call(request, meeting.call.reference)
    user = request.user
    can_edit = meeting.state == "draft" and (
        permissions.can(user, "portfolio.prepare", call)
        or permissions.can(user, "portfolio.decide", call)
    )
    can_confirm = meeting.state == "draft" and permissions.can(user, "portfolio.decide", call)
    if request.method == "POST":
        try:
            if "confirm" in request.POST:
                services.confirm_meeting(meeting, by=user)
                messages.success(request, _("Decisions confirmed; the amounts are committed."))
            else:
                proposal = get_object_or_404(
                    Proposal, call=call, reference=request.POST.get("proposal")
                )
                rank = request.POST.get("rank", "").strip()
                services.set_decision(
                    meeting, by=user, proposal=proposal, outcome=request.POST.get("outcome", ""),
                    amount=_money(request.POST.get("amount", "")),
                    rank=int(rank) if rank.isdigit() else None,
                    reason=request.POST.get("reason", ""),
                )  # fmt: skip
                messages.success(request, _("Decision saved."))
        except Invalid as exc:
            for field, msgs in exc.errors.items():
                messages.error(request, f"{field}: {'; '.join(msgs)}")
        except Refused as exc:
            messages.error(request, str(exc))
        return redirect("portfolio:meeting", pk=meeting.pk)
    decided = {d.proposal_id: d for d in meeting.decisions.select_related("proposal")}
    rows = [(p, decided.get(p.pk)) for p in Proposal.objects.filter(call=call).filter(
        pk__in=list(decided) + list(services.candidates(call).values_list("pk", flat=True))
    ).order_by("-consolidated_score")]  # fmt: skip
    withdrawn = [
        (p, services.best_replacement(p))
        for p in Proposal.objects.filter(
            call=call, state=Proposal.State.WITHDRAWN, decisions__outcome=Decision.Outcome.SELECTED
        ).distinct()
    ]
    return render(
        request,
        "portfolio/meeting.html",
        {
            "meeting": meeting,
            "call": call,
            "city": call.city,
            "rows": rows,
            "can_edit": can_edit,
            "can_confirm": can_confirm,
            "outcomes": Decision.Outcome.choices,
            "envelopes": services.envelopes_of(call),
            "withdrawn": withdrawn,
        },
    )
