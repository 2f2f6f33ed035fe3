"""The exports page: start an export, follow one's jobs (the row of a running job asks for
itself again every second), download the file. Thin: the rules and role checks are `jobs.py`'s;
another person's job answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gti.errors import Invalid
from gti.monitoring import jobs
from gti.monitoring.models import Job
from gti.proposals.models import Proposal
from gti.strategy.models import City

FORM_ONLY = {"csrfmiddlewaretoken", "kind"}


@login_required
def exports_page(request):
    """Role: who may start a kind of job (`export.excel`: secretariat, managing authority,
    auditor); the list shows the person's own jobs."""
    user = request.user
    kinds = jobs.kinds_for(user)
    own = Job.objects.filter(requested_by=user)
    if not kinds and not own.exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        # The kind's schema reads the fields; an unknown one is refused by name.
        params = {k: v for k, v in request.POST.items() if k not in FORM_ONLY and v != ""}
        try:
            jobs.start(request.POST.get("kind", "excel"), params, by=user)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The export is queued; this page shows its progress."))
            return redirect("monitoring:exports")
    cities = City.objects.filter(pk__in=Proposal.objects.visible_to(user).values("city")).order_by(
        "code"
    )
    return render(request, "monitoring/exports.html", {
        "kinds": kinds, "jobs": own[:50], "cities": cities, "errors": errors,
        "typed": request.POST,
    })  # fmt: skip


def _job(request, pk) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user), pk=pk)


@login_required
def job_row(request, pk):
    """One job's row of the list, as it is now (what the page's polling swaps in)."""
    return render(request, "monitoring/job_row.html", {"job": _job(request, pk)})


@login_required
def job_file(request, pk):
    """The job's file, to the person who asked or the managing authority (never static)."""
    job = _job(request, pk)
    file = jobs.result(job, request.user)
    return FileResponse(file.open("rb"), as_attachment=True, filename=job.file_name)
