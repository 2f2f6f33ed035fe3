"""Account pages: dashboard per role, user management, the audit trail, personal data export."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gti.accounts import permissions, services
from gti.accounts.forms import AuditFilterForm, NewUserForm
from gti.accounts.models import AuditEvent, Role, RoleGrant
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
        {"form": form, "page": page, "query": query.urlencode()},
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
