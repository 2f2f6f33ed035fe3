"""The obligations page of a grant: the communication duties that apply and what was done, the
final claim and report, the durability date, and the closure. Thin: the rules and role checks
are `obligations.py`'s; a grant outside the person's view answers 404. Refused input is shown
beside its field."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.errors import Invalid, Refused
from gti.monitoring import lookups, obligations
from gti.monitoring.models import Claim, CommunicationItem, Grant, ProgressReport


def _grant(request, reference) -> Grant:
    return lookups.grant_for(request.user, reference, "closed_by")


def _date(text: str) -> datetime.date | None:
    """A date as the date field sends it; empty is None, anything else not a date is refused."""
    if not text.strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid.one("done_on", _("a date is expected (YYYY-MM-DD)")) from None


def _act(request, grant) -> None:
    """The change the form asks for; Invalid and Refused go back to the page."""
    action, user, post = request.POST.get("action", ""), request.user, request.POST
    if action == "done":
        obligations.mark_done(grant, post.get("kind", ""), by=user,
                              file=request.FILES.get("file"), note=post.get("note", ""),
                              done_on=_date(post.get("done_on", "")))  # fmt: skip
        messages.success(request, _("Communication duty marked done."))
    elif action == "final_claim":
        claims = Claim.objects.visible_to(user).filter(grant=grant)
        claim = get_object_or_404(claims, pk=_pk(post.get("claim", ""), "claim"))
        obligations.mark_final_claim(claim, by=user)
        messages.success(request, _("Claim marked final."))
    elif action == "final_report":
        reports = ProgressReport.objects.visible_to(user).filter(grant=grant)
        report = get_object_or_404(reports, pk=_pk(post.get("report", ""), "report"))
        obligations.mark_final_report(report, by=user)
        messages.success(request, _("Report marked final."))
    elif action == "close":
        obligations.close_grant(grant, by=user, reason=post.get("reason", ""))
        messages.success(request, _("Grant closed."))
    else:
        raise Invalid.one("action", _("not an action of this page"))


def _pk(text: str, field: str) -> int:
    if not text.isdigit():
        raise Invalid.one(field, _("choose one"))
    return int(text)


@login_required
def obligations_page(request, reference):
    grant = _grant(request, reference)
    user, errors, typed = request.user, {}, {}
    if request.method == "POST":
        try:
            _act(request, grant)
        except Invalid as exc:
            errors, typed = exc.errors, request.POST
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:obligations", reference=reference)
        else:
            return redirect("monitoring:obligations", reference=reference)
    is_open = grant.state == Grant.State.OPEN
    beneficiary = is_open and permissions.can(user, "report.edit", grant)
    summary = obligations.summary(grant, user)
    return render(request, "monitoring/obligations.html", {
        "grant": grant,
        "proposal": grant.proposal,
        "summary": summary,
        "can_mark": beneficiary,
        # Only the last claim and the latest report can be the final ones.
        "claims_to_mark": Claim.objects.visible_to(user).filter(grant=grant).order_by(
            "-number")[:1] if beneficiary else [],
        "reports_to_mark": grant.reports.order_by("-period_start")[:1] if beneficiary else [],
        "can_close": is_open and permissions.can(user, "grant.close", grant),
        "errors": errors,
        "typed": typed,
    })  # fmt: skip


@login_required
def communication_file(request, reference, kind):
    """The file that shows a duty done, to whoever may see the grant (never a static file)."""
    item = get_object_or_404(CommunicationItem, grant=_grant(request, reference), kind=kind)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
