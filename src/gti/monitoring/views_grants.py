"""Grant pages.

Roles come from `permissions`: the managing authority prepares and approves, the proposal's people
(applicant: own only, the city's secretariat and steering committee) and auditors read. An object
outside the person's view answers 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gti.accounts import permissions
from gti.documents.views import section
from gti.errors import Invalid, Refused
from gti.monitoring import lookups
from gti.monitoring import services as grant_services
from gti.monitoring.models import Grant, GrantVersion
from gti.proposals.models import BudgetLine, Proposal
from gti.strategy.models import City

EXTRA_MILESTONES = 3  # empty rows the amendment form offers to add milestones


def _number(text: str) -> str:
    """A number as typed (spaces, a decimal comma) as the schemas read it."""
    return text.replace(" ", "").replace("\u202f", "").replace(",", ".").strip()


def _grant(request, reference) -> Grant:
    return lookups.grant_for(request.user, reference, "proposal__call__programme")


@login_required
def grants(request):
    """The grants the person may see, with the conditions in force today; filter by city."""
    permissions.require(request.user, "grant.view")
    today = timezone.localdate()
    shown = Grant.objects.visible_to(request.user).select_related("proposal__city")
    city = request.GET.get("city", "")
    if city:
        shown = shown.filter(proposal__city__code=city)
    rows = []
    for grant in shown.prefetch_related("versions").order_by("proposal__reference"):
        versions = list(grant.versions.all())
        rows.append(
            {
                "grant": grant,
                "in_force": grant_services.in_force_among(versions, today),
                "latest": grant_services.latest(grant),
            }
        )
    return render(
        request,
        "monitoring/grants.html",
        {
            "rows": rows,
            "cities": City.objects.filter(strategies__is_current=True).distinct(),
            "chosen_city": city,
            "today": today,
        },  # fmt: skip
    )


@login_required
def grant(request, reference):
    """The conditions in force, the history of versions with what each changed, and the
    managing authority's actions: amend (no draft waiting), approve (not the preparer)."""
    grant = _grant(request, reference)
    user = request.user
    today = timezone.localdate()
    versions = list(grant.versions.select_related("prepared_by", "approved_by"))
    history = [
        {"v": v, "changes": grant_services.changes(versions[n - 1] if n else None, v)}
        for n, v in enumerate(versions)
    ]
    in_force = grant_services.in_force_among(versions, today)
    draft = next((v for v in versions if v.state == GrantVersion.State.DRAFT), None)
    approved = [v for v in versions if v.state == GrantVersion.State.APPROVED]
    shown = in_force or (versions[-1] if versions else None)
    labels = dict(BudgetLine.Category.choices)
    return render(
        request,
        "monitoring/grant.html",
        {
            "grant": grant,
            "proposal": grant.proposal,
            "city": grant.proposal.city,
            "in_force": in_force,
            # before the first version takes force, the newest one is shown, with its state
            "shown": shown,
            "budget": [(labels.get(c, c), a) for c, a in shown.budget.items()] if shown else [],
            "history": history,
            "documents": section(user, grant),
            "draft": draft,
            "can_amend": draft is None
            and bool(approved)
            and permissions.can(user, "grant.prepare", grant),
            "can_approve": draft is not None
            and draft.prepared_by_id != user.pk
            and permissions.can(user, "grant.approve", grant),
            "prepared_by_me": draft is not None and draft.prepared_by_id == user.pk,
            "today": today,
        },
    )


@login_required
@require_POST
def grant_open(request, reference):
    """Open the grant of an approved proposal (the managing authority), from its page."""
    permissions.require(request.user, "grant.prepare")  # a role that opens none: 403
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("city"), reference=reference
    )
    permissions.require_in_view(request.user, "grant.prepare", proposal)
    try:
        grant_services.open_grant(proposal, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("proposals:detail", reference=proposal.reference)
    messages.success(request, _("Grant opened: version 1 waits for a second person's approval."))
    return redirect("monitoring:grant", reference=proposal.reference)


def _amounts(form, prefix: str, keys: list[str]) -> dict[str, str]:
    """One amount per key as typed; an empty input leaves the key out."""
    out = {}
    for n, key in enumerate(keys):
        typed = _number(form.get(f"{prefix}_{n}", ""))
        if typed:
            out[key] = typed
    return out


def _same_amounts(typed: dict[str, str], kept: dict[str, str]) -> bool:
    try:
        return {k: Decimal(v) for k, v in typed.items()} == {k: Decimal(v) for k, v in kept.items()}
    except InvalidOperation:
        return False


def amendment_from_form(form, current: GrantVersion) -> dict:
    """The amendment form as the changes `amend` reads: only what differs from the version it
    amends. The rate is typed as a percentage. Text that is not a number goes on as it is, so
    the schema names its field. A part of the form that is not sent keeps its value."""
    changes: dict = {}
    sent = set(form)
    if "erdf" in sent:
        erdf = _number(form["erdf"])
        try:
            if Decimal(erdf) != current.erdf:
                changes["erdf"] = erdf
        except InvalidOperation:
            changes["erdf"] = erdf
    if "rate" in sent:
        rate = _number(form["rate"])
        try:
            if Decimal(rate) / 100 != current.rate:
                changes["rate"] = str(Decimal(rate) / 100)
        except InvalidOperation:
            changes["rate"] = rate
    for name in ("eligible_from", "eligible_until"):
        if name in sent and form[name].strip() != getattr(current, name).isoformat():
            changes[name] = form[name].strip()
    if any(k.startswith("budget_") for k in sent):
        budget = _amounts(form, "budget", list(BudgetLine.Category.values))
        if not _same_amounts(budget, current.budget):
            changes["budget"] = budget
    if any(k.startswith("partner_") for k in sent):
        partner_budget = _amounts(form, "partner", current.partners())
        if not _same_amounts(partner_budget, current.partner_budget):
            changes["partner_budget"] = partner_budget
    if any(k.startswith("milestone_") for k in sent):
        milestones = []
        for n in range(len(current.milestones) + EXTRA_MILESTONES):
            title = form.get(f"milestone_title_{n}", "").strip()
            due = form.get(f"milestone_due_{n}", "").strip()
            if title or due:
                milestones.append({"title": title, "due": due})
        if milestones != current.milestones:
            changes["milestones"] = milestones
    if "special_conditions" in sent:
        special = form["special_conditions"].replace("\r\n", "\n").strip()
        if special != current.special_conditions:
            changes["special_conditions"] = special
    return changes


def _error_place(place: str, current: GrantVersion) -> str:
    """The form input an error of `amend` is about (`budget.works` → `budget_2`)."""
    head, _dot, key = place.partition(".")
    if head == "budget" and key in BudgetLine.Category.values:
        return f"budget_{list(BudgetLine.Category.values).index(key)}"
    if head == "partner_budget" and key in current.partner_budget:
        return f"partner_{current.partners().index(key)}"
    if place.startswith("milestones["):
        n, _bracket, rest = place.removeprefix("milestones[").partition("]")
        return f"milestone_{rest.lstrip('.') or 'title'}_{n}"
    return place


@login_required
def grant_amend(request, reference):
    """The amendment form (the managing authority): the conditions of the latest approved
    version to change, with the reason; refused input is shown by field, nothing saved."""
    grant = _grant(request, reference)
    permissions.require(request.user, "grant.prepare", grant)
    current = grant.versions.filter(state=GrantVersion.State.APPROVED).order_by("-number").first()
    if current is None:
        messages.error(request, _("%(grant)s has no approved version to amend yet.") % {
            "grant": grant})  # fmt: skip
        return redirect("monitoring:grant", reference=reference)
    form = request.POST if request.method == "POST" else None
    errors: dict[str, list[str]] = {}
    if form is not None:
        try:
            version = grant_services.amend(
                grant, by=request.user, reason=form.get("reason", ""),
                **amendment_from_form(form, current),
            )  # fmt: skip
        except Invalid as exc:
            errors = exc.errors
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:grant", reference=reference)
        else:
            messages.success(
                request,
                _("Version %(number)s prepared: a second person of the managing authority "
                  "approves it.") % {"number": version.number},
            )  # fmt: skip
            return redirect("monitoring:grant", reference=reference)
    by_input: dict[str, list[str]] = {}
    for place, msgs in errors.items():
        by_input.setdefault(_error_place(place, current), []).extend(msgs)

    def typed(name, default):
        return form.get(name, "") if form is not None else default

    categories = [
        {"name": f"budget_{n}", "label": label, "value": typed(f"budget_{n}",
         current.budget.get(value, "")), "errors": by_input.get(f"budget_{n}", [])}
        for n, (value, label) in enumerate(BudgetLine.Category.choices)
    ]  # fmt: skip
    partners = [
        {"name": f"partner_{n}", "label": name, "value": typed(f"partner_{n}", amount),
         "errors": by_input.get(f"partner_{n}", [])}
        for n, (name, amount) in enumerate(current.partner_rows())
    ]  # fmt: skip
    milestones = []
    for n in range(len(current.milestones) + EXTRA_MILESTONES):
        kept = current.milestones[n] if n < len(current.milestones) else {}
        milestones.append(
            {
                "n": n,
                "title": typed(f"milestone_title_{n}", kept.get("title", "")),
                "due": typed(f"milestone_due_{n}", kept.get("due", "")),
                "errors": by_input.get(f"milestone_title_{n}", [])
                + by_input.get(f"milestone_due_{n}", []),
            }
        )
    fields = {
        "erdf": typed("erdf", f"{current.erdf:.2f}"),
        "rate": typed("rate", f"{(current.rate * 100).normalize():f}"),
        "eligible_from": typed("eligible_from", current.eligible_from.isoformat()),
        "eligible_until": typed("eligible_until", current.eligible_until.isoformat()),
        "special_conditions": typed("special_conditions", current.special_conditions),
        "reason": typed("reason", ""),
    }
    return render(
        request,
        "monitoring/grant_amend.html",
        {
            "grant": grant,
            "proposal": grant.proposal,
            "city": grant.proposal.city,
            "current": current,
            "fields": fields,
            "categories": categories,
            "partners": partners,
            "milestones": milestones,
            "errors": by_input,
            "error_list": [(place, m) for place, msgs in errors.items() for m in msgs],
        },
    )


@login_required
@require_POST
def grant_approve(request, reference, number):
    """A second person of the managing authority approves a draft version, in force from the
    date given (today when left empty)."""
    grant = _grant(request, reference)
    permissions.require(request.user, "grant.approve", grant)
    version = grant.versions.filter(number=number).first()
    if version is None:
        raise Http404
    typed = request.POST.get("in_force_from", "").strip()
    try:
        day = datetime.date.fromisoformat(typed) if typed else None
    except ValueError:
        messages.error(request, f"{_('in force from')}: {_('give the date as YYYY-MM-DD')}")
        return redirect("monitoring:grant", reference=reference)
    try:
        grant_services.approve_version(version, by=request.user, in_force_from=day)
    except Invalid as exc:
        for field, msgs in exc.errors.items():
            for m in msgs:
                messages.error(request, f"{field}: {m}")
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(number)s approved.") % {"number": number})
    return redirect("monitoring:grant", reference=reference)
