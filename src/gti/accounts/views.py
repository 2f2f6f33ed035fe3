"""Account pages: dashboard per role, user management, the audit trail, personal data export."""

import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gti.accounts import audit, permissions, queries, security, services
from gti.accounts.forms import (
    ApiKeyForm,
    AuditFilterForm,
    DecisionForm,
    NewUserForm,
    ReasonForm,
    RoleForm,
    SecondFactorForm,
)
from gti.accounts.models import ApiToken, AuditEvent
from gti.accounts.queries import managed_cities
from gti.errors import Invalid, Refused
from gti.proposals import queries as proposal_queries

DEADLINES_SHOWN = 5


@login_required
def dashboard(request):
    """What waits for this person, per role they hold, and their first coming deadlines (all of
    them on My deadlines). Role: any signed-in person."""
    from gti.notifications import deadlines

    return render(request, "accounts/dashboard.html", {
        "panels": proposal_queries.dashboard(request.user),
        "deadlines": deadlines.for_person(request.user)[:DEADLINES_SHOWN],
    })  # fmt: skip


def _require_user_manager(user):
    """The users pages: the secretariat (its cities), the managing authority, administrators."""
    if not (queries.manages_programme(user) or managed_cities(user).exists()):
        raise PermissionDenied


def _add_errors(form, exc: Invalid):
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _city(cities, code):
    return cities.get(code=code) if code else None


def _flash_errors(request, form):
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
def users(request):
    """Role: secretariat (its city's accounts), managing authority and administrators (all,
    and the role requests waiting for their decision)."""
    user = request.user
    _require_user_manager(user)
    cities = managed_cities(user)
    programme = queries.manages_programme(user)
    form = NewUserForm(request.POST or None, cities=cities, programme=programme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                created = services.create_user(
                    data["username"],
                    role=data["role"],
                    city=_city(cities, data["city"]),
                    email=data["email"],
                    name=data["name"],
                    reason=data["reason"],
                    by=user,
                )
                services.send_invitation(created, by=user, base_url=request.build_absolute_uri("/"))
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            if created.role_grants.exists():
                text = _("Account %(name)s created; an invitation was sent to %(email)s.")
            else:
                text = _(
                    "Account %(name)s created; an invitation was sent to %(email)s. The role "
                    "waits for approval by the managing authority."
                )
            messages.success(request, text % {"name": created.username, "email": created.email})
            return redirect("accounts:users")
    people = (
        queries.users_visible_to(user).prefetch_related("role_grants__city").order_by("username")
    )
    return render(
        request,
        "accounts/users.html",
        {
            "form": form,
            "people": people,
            "requests": queries.requests_visible_to(user),
            "may_approve": programme,
        },
    )


def _managed_user(request, pk):
    _require_user_manager(request.user)
    return get_object_or_404(queries.users_visible_to(request.user), pk=pk)


@login_required
def user_detail(request, pk):
    """Role: as the users page; another city's account answers 404."""
    person = _managed_user(request, pk)
    cities = managed_cities(request.user)
    form = RoleForm(
        request.POST or None, cities=cities, programme=queries.manages_programme(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        city = _city(cities, data["city"])
        try:
            if services.may_grant(request.user, data["role"], city):
                services.grant_role(
                    person, data["role"], city, by=request.user, reason=data["reason"]
                )
                messages.success(request, _("Role granted."))
            else:
                services.request_role(
                    person, data["role"], city, by=request.user, reason=data["reason"]
                )
                messages.success(
                    request, _("Role asked for; it waits for approval by another person.")
                )
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            return redirect("accounts:user", pk=person.pk)
    return render(
        request,
        "accounts/user.html",
        {
            "person": person,
            "grants": person.role_grants.select_related("city", "granted_by"),
            "requests": person.role_requests.select_related("city", "requested_by", "decided_by"),
            "form": form,
            "may_manage": person.is_active
            and person != request.user
            and services.may_manage_account(request.user, person),
        },
    )


@login_required
@require_POST
def revoke(request, pk, grant):
    """Role: administrators, the managing authority, the secretariat (roles in its city)."""
    person = _managed_user(request, pk)
    grant = get_object_or_404(person.role_grants, pk=grant)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
    else:
        services.revoke_role(
            person, grant.role, grant.city, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Role revoked."))
    return redirect("accounts:user", pk=person.pk)


@login_required
@require_POST
def deactivate(request, pk):
    """Role: administrators, the managing authority, the secretariat (accounts of its city)."""
    person = _managed_user(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
    else:
        try:
            services.deactivate_user(person, by=request.user, reason=form.cleaned_data["reason"])
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Account %(name)s deactivated.") % {"name": person})
    return redirect("accounts:user", pk=person.pk)


@login_required
@require_POST
def invite(request, pk):
    """Role: as for deactivating; only while the person has not set a password."""
    person = _managed_user(request, pk)
    if not services.may_manage_account(request.user, person):
        raise PermissionDenied
    try:
        services.send_invitation(person, by=request.user, base_url=request.build_absolute_uri("/"))
    except (Invalid, Refused) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
    return redirect("accounts:user", pk=person.pk)


@login_required
@require_POST
def decide(request, pk, decision):
    """Role: the managing authority or an administrator, never the person who asked."""
    _require_user_manager(request.user)
    role_request = get_object_or_404(queries.requests_visible_to(request.user), pk=pk)
    form = (ReasonForm if decision == "refuse" else DecisionForm)(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect("accounts:users")
    decide_with = {
        "approve": services.approve_role_request,
        "refuse": services.refuse_role_request,
    }[decision]
    try:
        decide_with(role_request, by=request.user, reason=form.cleaned_data["reason"])
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        done = _("Role approved.") if decision == "approve" else _("Role refused.")
        messages.success(request, done)
    return redirect("accounts:users")


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invitation link: the new person sets their own password (Django's validators)."""

    template_name = "accounts/invitation.html"
    success_url = reverse_lazy("accounts:invitation_done")


@login_required
def audit_trail(request):
    """Role: auditor, managing authority (all cities), secretariat (its city)."""
    if not permissions.can(request.user, "audit.view") and not request.user.is_superuser:
        raise PermissionDenied
    events = AuditEvent.objects.visible_to(request.user).select_related("actor").order_by("-id")
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        f = form.cleaned_data
        if f["action"]:
            events = events.filter(action__icontains=f["action"])
        if f["city"]:
            events = events.filter(city=f["city"])
        if f["actor"]:
            events = events.filter(actor_name=f["actor"])
        if f["object"]:
            events = events.filter(object_label__icontains=f["object"]) | events.filter(
                object_id=f["object"]
            )
        tz = timezone.get_current_timezone()
        if f["since"]:
            start = datetime.datetime.combine(f["since"], datetime.time.min, tzinfo=tz)
            events = events.filter(created_at__gte=start)
        if f["until"]:
            end = datetime.datetime.combine(f["until"], datetime.time.max, tzinfo=tz)
            events = events.filter(created_at__lte=end)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_verify": permissions.can(request.user, "audit.verify"),
            "audit_check": request.session.pop("audit_check", None),
        },
    )


@login_required
def my_data(request):
    """GDPR art. 15: everything the platform holds about the signed-in person, as JSON."""
    data = proposal_queries.personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="gti-persoonsgegevens-{request.user.username}.json"'
    )
    return response


def locked_out(request, response=None, credentials=None):
    """Shown instead of the login page after too many wrong passwords. Role: anyone."""
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return render(request, "accounts/locked_out.html", {"until": until}, status=429)


class LoginView(auth_views.LoginView):
    """Role: anyone. The page says plainly when the second factor is switched off."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            second_factor_off=not settings.GTI_REQUIRE_2FA,
            failure_limit=settings.AXES_FAILURE_LIMIT,
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Role: any signed-in person; the change is on the audit trail."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        security.change_password(form)
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("accounts:dashboard")


@login_required
def second_factor_setup(request):
    """Link an authenticator app: the secret and its QR code, then a first code. Role: a person
    who needs a second factor and has none confirmed yet."""
    if not security.required(request.user) and not request.user.is_verified():
        return redirect("accounts:dashboard")
    if security.confirmed_device(request.user):
        return redirect("accounts:second_factor")
    device = security.pending_device(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.confirm(request, form.cleaned_data["code"]):
            messages.success(request, _("Two-step login is set up."))
            return redirect(_next(request))
        form.add_error("code", _("This code is not right; check the time on your phone."))
    context = {
        "form": form,
        "secret": security.secret(device),
        "qr": mark_safe(security.qr_svg(device)),  # SVG drawn by segno; holds no text of a person
        "uri": device.config_url,
        "next": _next(request),
    }
    return render(request, "accounts/second_factor_setup.html", context)


@login_required
def second_factor(request):
    """The code asked at each login after the password. Role: a person with a confirmed app."""
    if security.confirmed_device(request.user) is None:
        return redirect("accounts:second_factor_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.verify(request, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("This code is not right; check the time on your phone."))
    return render(request, "accounts/second_factor.html", {"form": form, "next": _next(request)})


@login_required
def api_keys(request):
    """A person's own API keys: make one (shown once), revoke one. Role: any signed-in person."""
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new_key = services.create_token(
                request.user, name=data["name"], days=data["days"], by=request.user
            )
        except Invalid as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = ApiKeyForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "accounts/api_keys.html",
        {"form": form, "new_key": new_key, "tokens": tokens, "now": timezone.now()},
    )


@login_required
@require_POST
def api_key_revoke(request, pk: int):
    """Role: the key's owner."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(token, by=request.user)
    messages.success(request, _("The key %(prefix)s… no longer works.") % {"prefix": token.prefix})
    return redirect("accounts:api_keys")


@login_required
@require_POST
def audit_verify(request):
    """Walk the audit chain from a page. Role: auditor, managing authority."""
    permissions.require(request.user, "audit.verify")
    total = AuditEvent.objects.count()
    broken = audit.verify_all()
    request.session["audit_check"] = {
        "checked": total,
        "broken": str(broken) if broken else "",
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }
    return redirect("accounts:audit")
