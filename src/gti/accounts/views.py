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
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gti.accounts import audit, permissions, security, services
from gti.accounts.forms import ApiKeyForm, AuditFilterForm, NewUserForm, SecondFactorForm
from gti.accounts.models import ApiToken, AuditEvent, Role, RoleGrant
from gti.errors import Invalid
from gti.proposals import queries
from gti.strategy.models import City


@login_required
def dashboard(request):
    """What waits for this person, per role they hold. Role: any signed-in person."""
    return render(request, "accounts/dashboard.html", {"panels": queries.dashboard(request.user)})


def _managed_cities(user):
    if user.is_superuser:
        return City.objects.all()
    ids = permissions.cities(user, Role.SECRETARIAT)
    if ids is None:
        return City.objects.all()
    if not ids:
        raise PermissionDenied
    return City.objects.filter(pk__in=ids)


@login_required
def users(request):
    """Role: secretariat (its own city's users)."""
    cities = _managed_cities(request.user)
    form = NewUserForm(request.POST or None, cities=cities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                data["username"],
                password=data["password"],
                role=data["role"],
                city=cities.get(code=data["city"]),
                email=data["email"],
                name=data["name"],
                by=request.user,
            )
        except Invalid as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("accounts:users")
    grants = (
        RoleGrant.objects.filter(city__in=cities)
        .select_related("user", "city")
        .order_by("city__code", "user__username")
    )
    return render(request, "accounts/users.html", {"form": form, "grants": grants})


@login_required
def audit_trail(request):
    """Role: auditor, managing authority (all cities), secretariat (its city)."""
    user = request.user
    allowed = set()
    for role in (Role.AUDITOR, Role.MANAGING_AUTHORITY, Role.SECRETARIAT):
        ids = permissions.cities(user, role)
        if ids is None or user.is_superuser:
            allowed = None
            break
        allowed |= ids
    if allowed is not None and not allowed:
        raise PermissionDenied
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if allowed is not None:
        events = events.filter(city__in=City.objects.filter(pk__in=allowed).values("code"))
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
            "can_verify": permissions.can(user, "audit.verify"),
            "audit_check": request.session.pop("audit_check", None),
        },
    )


@login_required
def my_data(request):
    """GDPR art. 15: everything the platform holds about the signed-in person, as JSON."""
    data = queries.personal_data(request.user)
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
