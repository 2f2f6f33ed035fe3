"""Pages of participation: the moments recorded per call and per proposal, the setting of a
call's consultation and its moderation (the city), and the public consultation page where
residents identify themselves, support and comment. Thin: the rules live in `services`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from ninja.throttling import AnonRateThrottle

from gti.accounts import permissions
from gti.api.throttling import _RateFromSettings
from gti.errors import Invalid, Refused
from gti.participation import services
from gti.participation.models import (
    Channel,
    Comment,
    Consultation,
    InvolvementMoment,
    Resident,
    TargetGroup,
)
from gti.proposals import queries
from gti.proposals.models import Call, Proposal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _show(form, errors: dict[str, list[str]]) -> None:
    for path, texts in errors.items():
        field = path if path in form.fields else None
        for text in texts:
            form.add_error(field, text if field else f"{path}: {text}")


# --- participation moments ---------------------------------------------------------------------


class MomentForm(forms.Form):
    city = forms.ChoiceField(label=gettext_lazy("City"), required=False)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    channel_other = forms.CharField(
        label=gettext_lazy("Other channel"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Only when the channel is “other”."),
    )
    target_group = forms.ChoiceField(
        label=gettext_lazy("Target group"), choices=TargetGroup.choices
    )
    participants = forms.IntegerField(label=gettext_lazy("Number of participants"), min_value=0)
    question = forms.CharField(
        label=gettext_lazy("What was asked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=gettext_lazy("Published with the project: no names or other personal data."),
    )
    outcome = forms.CharField(
        label=gettext_lazy("What came out"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=gettext_lazy("Published with the project: no names or other personal data."),
    )
    feedback_on = forms.DateField(
        label=gettext_lazy("Feedback given on"),
        widget=DATE,
        required=False,
        help_text=gettext_lazy("When participants were told what was done with their input."),
    )
    feedback_how = forms.CharField(
        label=gettext_lazy("How participants were told"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args, cities=(), with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        if len(cities) > 1:
            self.fields["city"].choices = [("", "—")] + [(c.code, c.name) for c in cities]
            self.fields["city"].required = True
        else:
            del self.fields["city"]
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=gettext_lazy("Reason for the change"), max_length=2000
            )


def _moments_page(request, target, kind: str):
    user = request.user
    may_record = permissions.can(user, "involvement.record", target)
    cities = target.cities if isinstance(target, Call) else [target.city]
    # a call of several cities: each records for the cities they act in
    cities = [c for c in cities if permissions.can(user, "involvement.record", city=c)]
    form = MomentForm(request.POST or None, cities=cities) if may_record else None
    if request.method == "POST":
        permissions.require(user, "involvement.record", target)
        if form.is_valid():
            try:
                data = form.cleaned_data
                if "city" not in data and cities:  # the one city this person acts in
                    data = {**data, "city": cities[0].code}
                services.record_moment(target, data, by=user)
            except Invalid as exc:
                _show(form, exc.errors)
            else:
                messages.success(request, _("Participation moment recorded."))
                return redirect(request.path)
    return render(
        request,
        "participation/moments.html",
        {
            "target": target,
            "kind": kind,
            "city": target.city if kind == "proposal" else None,
            "moments": services.moments_of(target),
            "form": form,
            "may_record": may_record,
        },
    )


@login_required
def call_moments(request, reference):
    """Role: whoever sees the call reads its moments; the secretariat of its city and the
    managing authority record them."""
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    return _moments_page(request, call, "call")


@login_required
def proposal_moments(request, reference):
    """Role: whoever may see the proposal reads its moments; the applicant records them on
    their draft, the secretariat of its city and the managing authority once it is sent in."""
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("city", "call"),
        reference=reference,
    )
    return _moments_page(request, proposal, "proposal")


@login_required
def edit_moment(request, pk):
    """Role: as recording the moment (`involvement.record`), with a reason."""
    moment = get_object_or_404(InvolvementMoment.objects.select_related("call", "proposal"), pk=pk)
    target = moment.call or moment.proposal
    if moment.proposal_id:
        visible = Proposal.objects.visible_to(request.user).filter(pk=moment.proposal_id)
        if not visible.exists():
            raise Http404
    permissions.require_in_view(request.user, "involvement.record", moment)
    initial = {f: getattr(moment, f) for f in services.FIELDS}
    form = MomentForm(request.POST or None, initial=initial, with_reason=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            services.edit_moment(moment, data, by=request.user, reason=form.cleaned_data["reason"])
        except Invalid as exc:
            _show(form, exc.errors)
        else:
            messages.success(request, _("Participation moment changed."))
            kind = "call" if moment.call_id else "proposal"
            return redirect(f"participation:{kind}_moments", target.reference)
    return render(
        request,
        "participation/moment_edit.html",
        {"moment": moment, "target": target, "form": form},
    )


# --- the consultation: set, letter codes and moderation ------------------------------------------


class ConsultationForm(forms.Form):
    opens_at = forms.DateTimeField(label=gettext_lazy("Consultation opens at"), widget=MOMENT)
    closes_at = forms.DateTimeField(label=gettext_lazy("Consultation closes at"), widget=MOMENT)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("Number of letter codes"), min_value=1, max_value=5000
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is this comment hidden?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


def _call_to_manage(request, reference) -> Call:
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    permissions.require(request.user, "consultation.manage", call)
    return call


@login_required
def manage_consultation(request, reference):
    """Role: the secretariat of the call's city and the managing authority (`consultation.
    manage`): the dates, the letter codes; the comments to moderate are listed for the city."""
    call = _call_to_manage(request, reference)
    consultation = Consultation.objects.filter(call=call).first()
    initial = (
        {"opens_at": consultation.opens_at, "closes_at": consultation.closes_at}
        if consultation
        else {}
    )
    form = ConsultationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("opens_at", "closes_at")}
        try:
            services.set_consultation(
                call, data, by=request.user, reason=form.cleaned_data["reason"]
            )
        except Invalid as exc:
            _show(form, exc.errors)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Consultation dates saved."))
            return redirect("participation:manage", call.reference)
    return render(
        request,
        "participation/manage.html",
        {
            "call": call,
            "consultation": consultation,
            "form": form,
            "codes_form": CodesForm(),
            "is_open": services.is_open(consultation),
            "comments": _moderated(request.user, call),
        },
    )


def _moderated(user, call) -> list[tuple[Comment, bool]]:
    """The call's comments, each with whether this person may hide it (their city's)."""
    rows = Comment.objects.filter(proposal__call=call).select_related(
        "resident", "proposal__city", "hidden_by"
    )
    return [(c, permissions.can(user, "consultation.moderate", c.proposal)) for c in rows]


@login_required
@require_POST
def letter_codes(request, reference):
    """Role: as `manage_consultation`. The codes are shown once, to print; only hashes stay."""
    call = _call_to_manage(request, reference)
    consultation = get_object_or_404(Consultation, call=call)
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("participation:manage", call.reference)
    codes = services.make_letter_codes(consultation, form.cleaned_data["count"], by=request.user)
    url = request.build_absolute_uri(reverse("participation:consultation", args=[call.reference]))
    response = render(
        request, "participation/letters.html", {"call": call, "codes": codes, "url": url}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def hide_comment(request, pk):
    """Role: the secretariat of the proposal's city (`consultation.moderate`); another city's
    secretariat finds nothing (404)."""
    comment = get_object_or_404(Comment.objects.select_related("proposal__call", "resident"), pk=pk)
    permissions.require_in_view(request.user, "consultation.moderate", comment.proposal)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hide_comment(comment, by=request.user, reason=form.cleaned_data["reason"])
        except Invalid as exc:
            _show(form, exc.errors)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The comment is hidden."))
            return redirect("participation:manage", comment.proposal.call.reference)
    return render(request, "participation/hide.html", {"comment": comment, "form": form})


# --- the public consultation -----------------------------------------------------------------


class ConsultationRate(_RateFromSettings, AnonRateThrottle):
    """Posts to the public consultation, per address (GTI_CONSULTATION_RATE)."""

    scope = "consultation"
    setting = "GTI_CONSULTATION_RATE"

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _too_many(request) -> HttpResponse | None:
    if request.method == "POST" and not ConsultationRate().allow_request(request):
        return HttpResponse(
            _("Too many requests: try again in a minute."), status=429, content_type="text/plain"
        )
    return None


class EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"), max_length=254)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code from your letter"), max_length=40)


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def _session_key(consultation) -> str:
    return f"gti_resident_{consultation.pk}"


def _resident(request, consultation) -> Resident | None:
    pk = request.session.get(_session_key(consultation))
    return Resident.objects.filter(pk=pk, consultation=consultation).first() if pk else None


def _consultation(reference) -> Consultation:
    return get_object_or_404(
        Consultation.objects.select_related("call").exclude(call__state=Call.State.DRAFT),
        call__reference=reference,
    )


def consultation(request, reference):
    """Role: public. The call's consulted proposals with their supports and visible comments;
    identification, support and comments while the consultation is open."""
    consultation = _consultation(reference)
    resident = _resident(request, consultation)
    proposals = list(services.consulted_proposals(consultation.call))
    comments: dict[int, list] = {}
    for c in Comment.objects.filter(proposal__in=proposals, hidden_at__isnull=True).select_related(
        "resident"
    ):
        comments.setdefault(c.proposal_id, []).append(c)
    supported = services.supported_by(resident)
    return render(
        request,
        "participation/consultation.html",
        {
            "consultation": consultation,
            "call": consultation.call,
            "is_open": services.is_open(consultation),
            "resident": resident,
            "rows": [(p, comments.get(p.pk, []), p.pk in supported) for p in proposals],
            "email_form": EmailForm(),
            "code_form": CodeForm(),
        },
    )


@require_POST
def send_link(request, reference):
    """Role: public (rate limited). Sends a one-time link to the address typed."""
    if (refused := _too_many(request)) is not None:
        return refused
    consultation = _consultation(reference)
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            services.send_email_link(
                consultation,
                form.cleaned_data["email"],
                link=lambda token: request.build_absolute_uri(
                    reverse("participation:verify", args=[reference, token])
                ),
            )
        except (Invalid, Refused) as exc:
            form.add_error("email", str(exc))
    if form.errors:
        return _identify_page(request, consultation, email_form=form)
    messages.success(request, _("We sent you a link. Open it to take part."))
    return redirect("participation:consultation", reference)


def _identify_page(request, consultation, *, email_form=None, code_form=None):
    return render(
        request,
        "participation/identify.html",
        {
            "call": consultation.call,
            "email_form": email_form or EmailForm(),
            "code_form": code_form or CodeForm(),
        },
        status=400,
    )


def verify(request, reference, token):
    """Role: public (rate limited). The link from the mail: confirmed by a button, so that a
    mail scanner opening the link does not use it."""
    if (refused := _too_many(request)) is not None:
        return refused
    consultation = _consultation(reference)
    error = ""
    if request.method == "POST":
        try:
            resident = services.verify_email(consultation, token)
        except (Invalid, Refused) as exc:
            error = str(exc.errors.get("token", [exc])[0]) if isinstance(exc, Invalid) else str(exc)
        else:
            return _sign_in(request, consultation, resident)
    return render(request, "participation/verify.html", {"call": consultation.call, "error": error})


def _sign_in(request, consultation, resident):
    request.session.cycle_key()
    request.session[_session_key(consultation)] = resident.pk
    messages.success(
        request,
        _("You take part as Resident %(pseudonym)s.") % {"pseudonym": resident.pseudonym},
    )
    return redirect("participation:consultation", consultation.call.reference)


@require_POST
def redeem_code(request, reference):
    """Role: public (rate limited). A code from a printed letter, used once."""
    if (refused := _too_many(request)) is not None:
        return refused
    consultation = _consultation(reference)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            resident = services.redeem_letter_code(consultation, form.cleaned_data["code"])
        except Invalid as exc:
            _show(form, exc.errors)
        except Refused as exc:
            form.add_error("code", str(exc))
        else:
            return _sign_in(request, consultation, resident)
    return _identify_page(request, consultation, code_form=form)


def _acting(request, reference, proposal_reference):
    consultation = _consultation(reference)
    resident = _resident(request, consultation)
    if resident is None:
        raise Http404  # identify first: the forms are shown only then
    proposal = get_object_or_404(
        Proposal.objects.select_related("city"),
        call=consultation.call,
        reference=proposal_reference,
        state__in=services.CONSULTED_STATES,
    )
    return consultation, resident, proposal


@require_POST
def support(request, reference, proposal):
    """Role: an identified resident (rate limited): one support per proposal."""
    if (refused := _too_many(request)) is not None:
        return refused
    consultation, resident, proposal = _acting(request, reference, proposal)
    try:
        services.support(resident, proposal)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Your support for %(ref)s is counted.") % {"ref": proposal.reference}
        )
    return redirect(
        reverse("participation:consultation", args=[reference]) + f"#p-{proposal.reference}"
    )


@require_POST
def comment(request, reference, proposal):
    """Role: an identified resident (rate limited)."""
    if (refused := _too_many(request)) is not None:
        return refused
    consultation, resident, proposal = _acting(request, reference, proposal)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment(resident, proposal, form.cleaned_data)
        except Invalid as exc:
            _show(form, exc.errors)
        except Refused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        for field, texts in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(texts)}",
            )
    else:
        messages.success(request, _("Your comment is published."))
    return redirect(
        reverse("participation:consultation", args=[reference]) + f"#p-{proposal.reference}"
    )
