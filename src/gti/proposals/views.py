"""Pages for calls and proposals. Thin: each view checks the role through `permissions`, calls a
service, and shows its errors by field. Objects outside a person's view answer 404."""

from __future__ import annotations

import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from gti.accounts import permissions
from gti.accounts.models import Role
from gti.documents import services as documents
from gti.documents.views import section
from gti.errors import Invalid, Refused
from gti.portfolio import services as portfolio
from gti.proposals import excel, procedure, queries, rules, services
from gti.proposals.forms import STEP_FORMS, STEPS, ScoreForm, ScreeningForm
from gti.proposals.models import Assignment, Call, Proposal
from gti.proposals.services.proposals import validate
from gti.proposals.services.screening import automatic_findings
from gti.strategy.models import City, Programme, Strategy

S = Proposal.State


def _show_errors(form, errors: dict[str, list[str]]) -> None:
    for path, messages_ in errors.items():
        field = form.field_for(path) if hasattr(form, "field_for") else None
        if field is None and path in form.fields:
            field = path
        for message in messages_:
            form.add_error(field, message if field else f"{path}: {message}")


# --- calls ------------------------------------------------------------------------------------


def call_list(request):
    """Role: public (published calls); the secretariat also sees its drafts."""
    calls = queries.calls_visible_to(request.user).prefetch_related("themes")
    programme = Programme.objects.current().order_by("code").first()
    can_create = programme is not None and any(
        permissions.can(request.user, "call.create", procedure=services.procedure_named(
            programme, p["code"]))
        for p in programme.source.get("procedures", [])
    )  # fmt: skip
    return render(
        request, "proposals/call_list.html", {"calls": calls, "can_create_call": can_create}
    )


def call_detail(request, reference):
    """Role: public for published calls."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    may_apply = permissions.can(request.user, "proposal.create", call)
    return render(
        request,
        "proposals/call_detail.html",
        {
            "call": call,
            "city": call.city,
            "rules": call.rules,
            "is_open": services.is_open(call),
            "preregistration_open": services.preregistration_open(call),
            "can_preregister": services.preregistration_open(call) and may_apply,
            "can_apply": services.is_open(call) and may_apply and not call.rules.pre_registration,
            "can_manage": permissions.can(request.user, "call.publish", call),
            "criteria": call.criteria.all(),
            "blocks": call.rules.assessment.blocks,
            "documents": section(request.user, call),
        },
    )


MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallForm(forms.Form):
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"))
    city = forms.ChoiceField(
        label=gettext_lazy("For"),
        required=False,
        help_text=gettext_lazy("Every GTI city of the programme, or one city."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at (Brussels time)"), widget=MOMENT)
    preregistration_closes_at = forms.DateTimeField(
        label=gettext_lazy("Pre-registration closes at (Brussels time)"),
        widget=MOMENT,
        required=False,
        help_text=gettext_lazy("Only for a procedure with a pre-registration (vooraanmelding)."),
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Full proposals close at (Brussels time)"), widget=MOMENT
    )
    specific_objectives = forms.MultipleChoiceField(
        label=gettext_lazy("Specific objectives"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    themes = forms.MultipleChoiceField(
        label=gettext_lazy("Admitted themes"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, programme, strategies, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [(p.code, str(p.name)) for p in procedures]
        self.fields["city"].choices = [("", gettext_lazy("every GTI city"))] + [
            (s.city.code, s.city.name) for s in strategies
        ]
        self.fields["themes"].choices = [
            (t.code, f"{s.city.name}: {t.name}") for s in strategies for t in s.themes.all()
        ]
        self.fields["specific_objectives"].choices = [
            (so.code, f"{so.code}: {so.title}")
            for p in programme.priorities.all()
            for so in p.specific_objectives.all()
        ]
        for p in programme.priorities.all():
            self.fields[f"envelope_{p.code}"] = forms.DecimalField(
                label=gettext_lazy("Call envelope, ERDF for %(code)s (EUR)") % {"code": p.code},
                max_digits=14,
                decimal_places=2,
                min_value=0,
            )

    def field_for(self, path):
        if path.startswith("envelopes."):
            return "envelope_" + path.split(".", 1)[1]
        return path if path in self.fields else None


@login_required
def call_create(request):
    """Role: who launches calls under a procedure of the programme (the managing authority; the
    secretariat for a call its city runs itself). The service checks the chosen procedure."""
    programme = Programme.objects.current().order_by("code").first()
    if programme is None:
        raise Http404
    procedures = [services.procedure_named(programme, p["code"]) for p in programme.source.get(
        "procedures", [])]  # fmt: skip
    if not any(permissions.can(request.user, "call.create", procedure=p) for p in procedures):
        raise PermissionDenied
    strategies = list(
        Strategy.objects.current()
        .filter(programme=programme)
        .select_related("city")
        .prefetch_related("themes")
    )
    default = services.default_procedure(programme)
    now = timezone.localtime()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    initial = {
        "procedure": default.code,
        "city": request.GET.get("city", ""),
        "opens_at": now.replace(minute=0, second=0, microsecond=0),
        "preregistration_closes_at": noon + datetime.timedelta(days=30),
        "closes_at": noon + datetime.timedelta(days=90),
        "themes": [t.code for s in strategies for t in s.themes.all()],
    }
    form = CallForm(
        request.POST or None,
        programme=programme,
        strategies=strategies,
        procedures=procedures,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            call = services.create_call(
                by=request.user,
                city=City.objects.filter(code=d["city"]).first() if d["city"] else None,
                procedure=d["procedure"],
                title=d["title"],
                description=d["description"],
                opens_at=d["opens_at"],
                preregistration_closes_at=d["preregistration_closes_at"],
                closes_at=d["closes_at"],
                themes=d["themes"],
                specific_objectives=d["specific_objectives"],
                envelopes={
                    k.removeprefix("envelope_"): v
                    for k, v in d.items()
                    if k.startswith("envelope_")
                },
            )
        except Invalid as exc:
            _show_errors(form, exc.errors)
        except PermissionDenied as exc:
            form.add_error("procedure", str(exc))
        else:
            messages.success(
                request, _("Call %(ref)s created as a draft.") % {"ref": call.reference}
            )
            return redirect("proposals:call", reference=call.reference)
    return render(request, "proposals/call_form.html", {"form": form})


@login_required
@require_POST
def call_transition(request, reference, action):
    """Role: secretariat (publish, close)."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    move = {"publish": services.publish_call, "close": services.close_call}.get(action)
    if move is None:
        raise Http404
    try:
        move(call, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Done: %(ref)s is now %(state)s.")
            % {"ref": call.reference, "state": Call.objects.get(pk=call.pk).get_state_display()},
        )
    return redirect("proposals:call", reference=call.reference)


# --- proposals --------------------------------------------------------------------------------


def _proposal(request, reference) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("call", "city", "strategy"),
        reference=reference,
    )


@login_required
def proposal_list(request):
    """Role: any signed-in person; each sees only what `visible_to` allows."""
    proposals, applied = queries.filter_proposals(request.user, request.GET)
    strategies = (
        Strategy.objects.current()
        .select_related("city")
        .prefetch_related("themes__specific_objectives", "areas")
    )
    return render(
        request,
        "proposals/proposal_list.html",
        {
            "proposals": proposals[:500],
            "count": proposals.count(),
            "applied": applied,
            "sort": request.GET.get("sort", "-updated"),
            "states": S.choices,
            "strategies": strategies,
            "calls": queries.calls_visible_to(request.user),
            "themes": {t.code: t for s in strategies for t in s.themes.all()}.values(),
            "areas": [a for s in strategies for a in s.areas.all()],
            "objective_codes": sorted(
                {
                    so.code
                    for s in strategies
                    for t in s.themes.all()
                    for so in t.specific_objectives.all()
                }
            ),
            "sorts": [
                ("-updated", _("last changed")),
                ("reference", _("reference")),
                ("title", _("title")),
                ("promoter", _("promoter")),
                ("state", _("state")),
                ("-erdf", _("ERDF, highest first")),
                ("erdf", _("ERDF, lowest first")),
                ("-score", _("score, highest first")),
                ("score", _("score, lowest first")),
            ],
        },
    )


def _step_form(step, call, proposal, data=None, strategy=None):
    form_class, initial_of = STEP_FORMS[step]
    current = services.snapshot(proposal) if proposal else {}
    return form_class(
        data,
        call=call,
        strategy=proposal.strategy if proposal else strategy,
        proposal=proposal,
        current=current,
        initial=initial_of(current),
    )


@login_required
def proposal_new(request, call):
    """Role: applicant in the call's city, while the call is open. Step 1 creates the draft.
    A call for several cities asks which (`?city=`); a two-step call opens proposals from
    pre-registrations instead."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=call)
    permissions.require(request.user, "proposal.create", call)
    if call.rules.pre_registration:
        messages.info(request, _("This call has two steps: start with a pre-registration."))
        return redirect("proposals:call", reference=call.reference)
    cities = {c.code: c for c in call.cities}
    city = cities.get(request.GET.get("city", "")) or (call.city if call.city_id else None)
    if city is None:
        return render(request, "proposals/choose_city.html", {"call": call, "cities": cities})
    strategy = services.strategy_in_force(city, call.programme)
    form = _step_form("general", call, None, request.POST or None, strategy=strategy)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.save_proposal(call, form.to_input(), by=request.user, city=city)
        except Invalid as exc:
            _show_errors(form, exc.errors)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Draft %(ref)s saved.") % {"ref": proposal.reference})
            return redirect("proposals:edit", reference=proposal.reference, step="strategy")
    return render(
        request,
        "proposals/proposal_form.html",
        {"form": form, "call": call, "steps": STEPS, "step": "general", "proposal": None},
    )


@login_required
def proposal_edit(request, reference, step):
    """Role: the applicant (own draft) or the secretariat (correction under screening)."""
    proposal = _proposal(request, reference)
    call = proposal.call
    if step not in dict(STEPS):
        raise Http404
    mode = services.edit_mode(proposal, request.user)
    if mode is None:
        raise PermissionDenied
    correcting = mode == "correct"
    if step == "review":
        return _review(request, proposal)
    form = _step_form(step, call, proposal, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {**services.snapshot(proposal), **form.to_input()}
        try:
            if request.htmx:  # inline validation while typing: check, save nothing
                validate(call, proposal.strategy, data, rules.Stage.SAVE)
            else:
                services.save_proposal(
                    call,
                    data,
                    by=request.user,
                    proposal=proposal,
                    reason=request.POST.get("reason", ""),
                )
        except Invalid as exc:
            _show_errors(form, exc.errors)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            if not request.htmx:
                messages.success(request, _("Saved."))
                names = [s for s, _label in STEPS]
                following = names[names.index(step) + 1]
                return redirect("proposals:edit", reference=proposal.reference, step=following)
    template = "proposals/_step_fields.html" if request.htmx else "proposals/proposal_form.html"
    return render(
        request,
        template,
        {
            "form": form,
            "call": call,
            "proposal": proposal,
            "steps": STEPS,
            "step": step,
            "correcting": correcting,
        },
    )


def _review(request, proposal):
    problems = []
    try:
        current = services.strategy_in_force(proposal.city, proposal.call.programme)
        validate(proposal.call, current, services.snapshot(proposal), rules.Stage.SUBMIT)
    except Invalid as exc:
        problems = [(field, ", ".join(msgs)) for field, msgs in exc.errors.items()]
    # The submission service's rule on annexes, shown before submitting.
    problems += [
        ("annexes", _("required annex missing: %(kind)s") % {"kind": kind})
        for kind in documents.missing_annexes(proposal)
    ]
    return render(
        request,
        "proposals/proposal_review.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "steps": STEPS,
            "step": "review",
            "problems": problems,
            "is_open": services.is_open(proposal.call),
        },
    )


@login_required
def proposal_detail(request, reference):
    """Role: whoever may see the proposal (see `Proposal.objects.visible_to`)."""
    proposal = _proposal(request, reference)
    user = request.user
    context = {
        "proposal": proposal,
        "city": proposal.city,
        "blocks": services.assessment_summary(proposal) if proposal.block_scores else [],
        "data": services.snapshot(proposal),
        "show_contact": permissions.can(user, "proposal.view_contact", proposal),
        "can_edit": services.edit_mode(proposal, user) == "edit",
        "can_withdraw": proposal.state in procedure.moves(proposal.call.rules)["withdrawn"][0]
        and permissions.can(user, "proposal.withdraw", proposal),
        "can_screen": permissions.can(user, "proposal.screen", proposal),
        "can_assign": permissions.can(user, "proposal.assign", proposal),
        "my_assignment": Assignment.objects.filter(
            proposal=proposal, assessor=user, active=True
        ).first(),
        "checks": proposal.screening_checks.all(),
        "assignments": proposal.assignments.select_related("assessor"),
        "documents": section(user, proposal),
    }
    # The grant of an approved proposal (monitoring): its link, or the managing authority's
    # button to open it.
    grant = getattr(proposal, "grant", None) if proposal.state == Proposal.State.APPROVED else None
    context["grant"] = grant if grant and permissions.can(user, "grant.view", grant) else None
    context["can_open_grant"] = (
        proposal.state == Proposal.State.APPROVED
        and grant is None
        and permissions.can(user, "grant.prepare", proposal)
    )
    return render(request, "proposals/proposal_detail.html", context)


@login_required
@require_POST
def proposal_action(request, reference, action):
    """Role: as the service decides (applicant: submit, withdraw; secretariat: return, screen)."""
    proposal = _proposal(request, reference)
    reason = request.POST.get("reason", "")
    try:
        if action == "submit":
            services.submit_proposal(proposal, by=request.user)
        elif action == "withdraw":
            portfolio.withdraw_proposal(proposal, by=request.user, reason=reason)
        elif action == "return":
            services.return_for_correction(proposal, by=request.user, reason=reason)
        elif action == "start-screening":
            services.start_screening(proposal, by=request.user)
        else:
            raise Http404
    except Invalid as exc:
        for field, msgs in exc.errors.items():
            messages.error(request, f"{field}: {', '.join(msgs)}")
        target = "proposals:edit" if action == "submit" else "proposals:detail"
        kwargs = {"step": "review"} if action == "submit" else {}
        return redirect(target, reference=proposal.reference, **kwargs)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        proposal.refresh_from_db()
        messages.success(
            request,
            _("%(ref)s is now %(state)s.")
            % {"ref": proposal.reference, "state": proposal.get_state_display()},
        )
    return redirect("proposals:detail", reference=proposal.reference)


@login_required
def screening(request, reference):
    """Role: secretariat of the city. The screening report and the checklist."""
    proposal = _proposal(request, reference)
    permissions.require(request.user, "proposal.screen", proposal)
    initial = {}
    for check in proposal.screening_checks.all():
        initial[f"result_{check.item}"] = check.result
        initial[f"note_{check.item}"] = check.note
    form = ScreeningForm(
        request.POST or None, items=services.checklist_items(proposal), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.screen_proposal(
                proposal,
                by=request.user,
                checklist=form.checklist(),
                reason=form.cleaned_data["reason"],
            )
        except Invalid as exc:
            for path, msgs in exc.errors.items():
                code = path.split(".", 1)[1] if path.startswith("checklist.") else None
                field = f"result_{code}" if code and f"result_{code}" in form.fields else None
                for message in msgs:
                    form.add_error(field, message)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(ref)s is %(state)s.")
                % {"ref": proposal.reference, "state": proposal.get_state_display()},
            )
            return redirect("proposals:detail", reference=proposal.reference)
    return render(
        request,
        "proposals/screening.html",
        {
            "proposal": proposal,
            "city": proposal.city,
            "form": form,
            "findings": automatic_findings(proposal),
        },
    )


class AssignForm(forms.Form):
    assessors = forms.MultipleChoiceField(
        label=gettext_lazy("Experts"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("At least two; each declares first that there is no conflict."),
    )


@login_required
def assessment(request, reference):
    """Role: who runs the call (assign experts, close a consensus round) and the assigned experts
    (declare, score)."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "city"), reference=reference
    )
    user = request.user
    assignment = Assignment.objects.filter(proposal=proposal, assessor=user, active=True).first()
    is_secretariat = permissions.can(user, "proposal.assign", proposal)
    if not (is_secretariat or assignment):
        if Proposal.objects.visible_to(user).filter(pk=proposal.pk).exists():
            raise PermissionDenied
        raise Http404
    posted = set(request.POST) if request.method == "POST" else set()
    if (posted & {"assign", "consensus"} and not is_secretariat) or (
        posted & {"score", "declare"} and not assignment
    ):
        raise PermissionDenied
    context = {
        "proposal": proposal,
        "city": proposal.city,
        "assignment": assignment,
        "can_see_scores": is_secretariat or permissions.can(user, "portfolio.view", proposal),
        "blocks": services.assessment_summary(proposal) if proposal.block_scores else [],
    }
    criteria = list(proposal.call.criteria.select_related("call"))
    if is_secretariat and "consensus" in posted:
        try:
            services.close_consensus(proposal, by=user, note=request.POST.get("note", ""))
        except (Invalid, Refused) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Consensus round closed."))
        return redirect("proposals:assessment", reference=reference)
    if is_secretariat:
        User = get_user_model()
        taken = proposal.assignments.values_list("assessor_id", flat=True)
        candidates = (
            User.objects.filter(role_grants__role=Role.ASSESSOR, is_active=True)
            .filter(Q(role_grants__city__isnull=True) | Q(role_grants__city=proposal.city))
            .exclude(pk__in=taken)
            .distinct()
            .order_by("username")
        )
        assign_form = AssignForm(request.POST or None if "assign" in request.POST else None)
        assign_form.fields["assessors"].choices = [
            (u.pk, u.get_full_name() or u.username) for u in candidates
        ]
        if request.method == "POST" and "assign" in request.POST and assign_form.is_valid():
            chosen = list(User.objects.filter(pk__in=assign_form.cleaned_data["assessors"]))
            try:
                services.assign_assessors(proposal, by=user, assessors=chosen)
            except Invalid as exc:
                for msgs in exc.errors.values():
                    for message in msgs:
                        assign_form.add_error("assessors", message)
            except Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Experts assigned."))
                return redirect("proposals:assessment", reference=reference)
        context["assign_form"] = assign_form
        assignments = list(
            proposal.assignments.select_related("assessor").prefetch_related("scores__criterion")
        )
        names = {b.code: str(b.name) for b in proposal.call.rules.assessment.blocks}
        for a in assignments:
            scores = list(a.scores.all())
            a.blocks, a.total = [], None
            if a.scored_at and scores:
                per_block, a.total = services.expert_scores(proposal.call, scores)
                a.blocks = [(names.get(k, k), v) for k, v in per_block.items()]
        context["assignments"] = assignments
    if assignment:
        score_form = None
        if request.method == "POST" and "declare" in request.POST:
            if request.POST["declare"] == "no-conflict":
                services.declare_no_conflict(assignment, by=user)
                messages.success(request, _("Declared: no conflict of interest."))
                return redirect("proposals:assessment", reference=reference)
            reason = request.POST.get("reason", "")
            try:
                services.declare_conflict(assignment, by=user, reason=reason)
            except (Invalid, Refused) as exc:
                messages.error(request, str(exc))
                return redirect("proposals:assessment", reference=reference)
            messages.success(request, _("Conflict of interest recorded; the assignment ends."))
            return redirect("accounts:dashboard")
        if assignment.declared_at:
            initial = {}
            for s in assignment.scores.select_related("criterion"):
                initial[f"score_{s.criterion.code}"] = s.score
                initial[f"justification_{s.criterion.code}"] = s.justification
            data = request.POST if "score" in request.POST else None
            score_form = ScoreForm(data, criteria=criteria, initial=initial)
            if data is not None and score_form.is_valid():
                try:
                    services.score_proposal(assignment, by=user, scores=score_form.scores())
                except Invalid as exc:
                    for path, msgs in exc.errors.items():
                        code = path.split(".", 1)[1]
                        for message in msgs:
                            score_form.add_error(f"score_{code}", message)
                except Refused as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("Scores saved."))
                    return redirect("proposals:assessment", reference=reference)
            context["data"] = services.snapshot(proposal)
        context["score_form"] = score_form
    proposal.refresh_from_db()
    context["proposal"] = proposal
    return render(request, "proposals/assessment.html", context)


@login_required
def call_template(request, reference):
    """Role: any signed-in person who sees the call. The Excel template for its city."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    buffer = io.BytesIO()
    excel.write_template(
        buffer, [services.strategy_in_force(c, call.programme) for c in call.cities]
    )
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"gti-voorstellen-{call.reference}.xlsx"
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled Excel template"),
        help_text=gettext_lazy("All proposals of the file are imported as drafts, or none."),
    )


@login_required
def call_import(request, reference):
    """Role: applicant in the call's city, while the call is open."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require(request.user, "proposal.create", call)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, created = [], []
    if request.method == "POST" and form.is_valid():
        try:
            created = excel.import_file(form.cleaned_data["file"], call, by=request.user)
        except excel.ImportRefused as exc:
            problems = exc.problems
        except Refused as exc:
            messages.error(request, str(exc))
        if created:
            messages.success(
                request,
                ngettext(
                    "%(n)s proposal imported as a draft.",
                    "%(n)s proposals imported as drafts.",
                    len(created),
                )
                % {"n": len(created)},
            )
    return render(
        request,
        "proposals/call_import.html",
        {"call": call, "city": call.city, "form": form, "problems": problems, "created": created},
    )
