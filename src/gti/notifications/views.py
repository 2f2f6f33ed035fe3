"""The person's messages, their preferences, their deadlines ("My work") and calendar feed.
Role: any signed-in person with a role; each sees only their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gti.accounts import permissions
from gti.errors import Invalid
from gti.notifications import deadlines, ical, services
from gti.notifications.forms import MarkReadForm, PreferencesForm
from gti.notifications.models import REQUIRED, Kind, Preference, Profile


@login_required
def notification_list(request):
    """Role: any role; own messages. POST marks one (or all) read."""
    permissions.require(request.user, "notifications.read")
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        if form.is_valid():
            one = form.cleaned_data["notification"]
            services.mark_read(request.user, ids=[one] if one else None)
        return redirect("notifications:list")
    page = Paginator(services.visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
def preferences(request):
    """Role: any role; own preferences."""
    permissions.require(request.user, "notifications.preferences")
    profile = services.profile(request.user)
    chosen = dict(Preference.objects.filter(user=request.user).values_list("kind", "delivery"))
    form = PreferencesForm(request.POST or None, initial={"language": profile.language, **chosen})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_preferences(
                request.user, language=form.cleaned_data["language"], choices=form.choices()
            )
        except Invalid as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("notifications:preferences")
    required = [Kind(k).label for k in Kind.values if k in REQUIRED]
    return render(request, "notifications/preferences.html", {"form": form, "required": required})


@login_required
def my_work(request):
    """Role: any role; own deadlines, scoped to what the person may see."""
    permissions.require(request.user, "deadlines.view")
    today = timezone.localdate()
    mine = deadlines.for_person(request.user, today)
    token = services.profile(request.user).calendar_token
    feed = services.absolute(reverse("deadlines_feed", kwargs={"token": token}))
    rows = [(d, (d.day - today).days, (today - d.day).days) for d in mine]
    return render(request, "notifications/my_work.html", {"rows": rows, "feed": feed})


@login_required
@require_POST
def renew_feed(request):
    """Role: any role; a new secret address for the own calendar feed."""
    services.renew_calendar_token(request.user)
    messages.success(request, _("Your calendar address is renewed; the old one no longer works."))
    return redirect("notifications:my_work")


def deadlines_feed(request, token: str):
    """The calendar feed of one person, found by its secret token (calendar clients cannot log
    in); an unknown token is 404."""
    profile = Profile.objects.select_related("user").filter(calendar_token=token).first()
    if profile is None or not profile.user.is_active:
        raise Http404
    with translation.override(profile.language):
        body = ical.feed(
            deadlines.for_person(profile.user),
            name=_("GTI deadlines of %(user)s") % {"user": profile.user.get_username()},
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
