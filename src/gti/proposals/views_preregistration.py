"""Pages of the pre-registration (*vooraanmelding*), the first step of a two-step call. Thin: the
rules live in `services.preregistration`; each view states its role."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gti.accounts import permissions
from gti.errors import Invalid, Refused
from gti.proposals import queries, services
from gti.proposals.models import Call, PreRegistration
from gti.proposals.services.proposals import strategy_in_force
from gti.strategy.models import SpecificObjective

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class PreRegistrationForm(forms.Form):
    city = forms.ChoiceField(label=gettext_lazy("City"))
    promoter = forms.CharField(label=gettext_lazy("Promoter organisation"), max_length=200)
    partners = forms.CharField(
        label=gettext_lazy("Partners"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("One organisation a line."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    idea = forms.CharField(
        label=gettext_lazy("Project idea"), widget=forms.Textarea(attrs={"rows": 6})
    )
    theme = forms.ChoiceField(label=gettext_lazy("Theme"))
    specific_objective = forms.ChoiceField(label=gettext_lazy("Specific objective"))
    total_cost = forms.DecimalField(label=gettext_lazy("Indicative total cost (EUR)"), **MONEY)
    erdf_requested = forms.DecimalField(label=gettext_lazy("Indicative ERDF (EUR)"), **MONEY)

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        cities = call.cities
        self.fields["city"].choices = [(c.code, c.name) for c in cities]
        if len(cities) == 1:
            self.fields["city"].initial = cities[0].code
        themes = []
        for city in cities:
            strategy = strategy_in_force(city, call.programme)
            themes += [
                (t.code, f"{t.name} ({city.name})")
                for t in call.themes.filter(strategy=strategy).order_by("position")
            ]
        self.fields["theme"].choices = [("", "—")] + themes
        self.fields["specific_objective"].choices = [("", "—")] + [
            (so.code, f"{so.code}: {so.title}"[:140])
            for so in SpecificObjective.objects.filter(priority__programme=call.programme)
        ]


class FeedbackForm(forms.Form):
    advice = forms.ChoiceField(
        label=gettext_lazy("Advice"),
        choices=PreRegistration.Advice.choices,
        widget=forms.RadioSelect,
    )
    remarks = forms.CharField(
        label=gettext_lazy("Remarks for the applicant"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


def _show(form, errors: dict[str, list[str]]) -> None:
    for path, texts in errors.items():
        field = path if path in form.fields else None
        for text in texts:
            form.add_error(field, text if field else f"{path}: {text}")


@login_required
def preregistration_list(request):
    """Role: any signed-in person; each sees the pre-registrations `visible_to` allows, and an
    applicant the calls open for pre-registration."""
    user = request.user
    calls = [
        c
        for c in queries.calls_visible_to(user).filter(state=Call.State.PUBLISHED)
        if services.preregistration_open(c)
    ]
    return render(
        request,
        "proposals/preregistration_list.html",
        {
            "preregistrations": PreRegistration.objects.visible_to(user).select_related(
                "call", "city", "theme"
            ),
            "open_calls": [(c, permissions.can(user, "preregistration.create", c)) for c in calls],
        },
    )


@login_required
def preregister(request, reference):
    """Role: applicant, while the call's pre-registration is open."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require(request.user, "preregistration.create", call)
    form = PreRegistrationForm(request.POST or None, call=call)
    is_open = services.preregistration_open(call)
    if request.method == "POST" and form.is_valid():
        try:
            prereg = services.preregister(call, form.cleaned_data, by=request.user)
        except Invalid as exc:
            _show(form, exc.errors)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Pre-registration %(ref)s sent.") % {"ref": prereg.reference}
            )
            return redirect("proposals:preregistration", reference=prereg.reference)
    return render(
        request,
        "proposals/preregistration_form.html",
        {"call": call, "form": form, "is_open": is_open},
    )


@login_required
def preregistration_detail(request, reference):
    """Role: whoever may see it (the applicant their own; the city's secretariat, the managing
    authority, auditors). The managing authority and the secretariat give feedback here."""
    user = request.user
    prereg = get_object_or_404(
        PreRegistration.objects.visible_to(user).select_related(
            "call", "city", "theme", "specific_objective", "proposal"
        ),
        reference=reference,
    )
    can_advise = permissions.can(user, "preregistration.advise", prereg)
    closed = prereg.state == PreRegistration.State.WITHDRAWN or prereg.proposal_id is not None
    form = None
    if can_advise and not closed:
        form = FeedbackForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.give_feedback(prereg, by=user, **form.cleaned_data)
            except Invalid as exc:
                _show(form, exc.errors)
            except Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Feedback saved."))
                return redirect("proposals:preregistration", reference=prereg.reference)
    elif request.method == "POST":
        permissions.require(user, "preregistration.advise", prereg)
    return render(
        request,
        "proposals/preregistration_detail.html",
        {
            "prereg": prereg,
            "city": prereg.city,
            "feedback": prereg.feedback.select_related("given_by"),
            "form": form,
            "can_open": prereg.applicant_id == user.pk
            and prereg.advice != ""
            and prereg.proposal_id is None
            and services.is_open(prereg.call),
        },
    )


@login_required
@require_POST
def open_proposal(request, reference):
    """Role: the applicant of an advised pre-registration, while the call takes proposals."""
    prereg = get_object_or_404(
        PreRegistration.objects.visible_to(request.user), reference=reference
    )
    try:
        proposal = services.open_proposal(prereg, by=request.user)
    except Invalid as exc:
        for path, texts in exc.errors.items():
            messages.error(request, f"{path}: {', '.join(texts)}")
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Proposal %(ref)s opened from your pre-registration: complete it and submit it.")
            % {"ref": proposal.reference},
        )
        return redirect("proposals:edit", reference=proposal.reference, step="general")
    return redirect("proposals:preregistration", reference=prereg.reference)
