"""Progress report pages: the reports of a grant, the beneficiary's form and the managing
authority's review. Thin: the rules and role checks are `reports.py`'s; a grant or report outside
the person's view answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.documents.views import section
from gti.errors import Invalid, Refused
from gti.monitoring import lookups
from gti.monitoring import reports as service
from gti.monitoring.models import Evidence, ProgressReport


def _number(text: str) -> str:
    """A number as typed (spaces, a decimal comma) as the schema reads it."""
    return text.replace(" ", "").replace("\u202f", "").replace(",", ".").strip()


@login_required
def reports(request, reference):
    """The reports of a grant; its beneficiary starts the next one here."""
    grant = lookups.grant_for(request.user, reference)
    if request.method == "POST":
        try:
            report = service.start_report(grant, by=request.user)
        except (Invalid, Refused) as exc:
            messages.error(request, str(exc))
        else:
            return redirect("monitoring:report", pk=report.pk)
    return render(request, "monitoring/reports.html", {
        "grant": grant,
        "reports": grant.reports.order_by("-period_start"),
        "can_start": permissions.can(request.user, "report.edit", grant),
    })  # fmt: skip


def _content(post, indicator_rows, milestone_rows):
    """The form as `ReportContent` reads it, and which row each list place came from."""
    indicators, milestones, places = [], [], {}
    for n, row in enumerate(indicator_rows):
        value = _number(post.get(f"value_{n}", ""))
        row["typed"], row["reason"] = value, post.get(f"reason_{n}", "").strip()
        if value:
            places[f"indicators[{len(indicators)}]"] = f"indicator_{n}"
            indicators.append({"code": row["code"], "value": value, "reason": row["reason"]})
    for n, row in enumerate(milestone_rows):
        row["status"], row["note"] = post.get(f"status_{n}", ""), post.get(f"note_{n}", "").strip()
        if row["status"]:
            places[f"milestones[{len(milestones)}]"] = f"milestone_{n}"
            milestones.append({"title": row["title"], "status": row["status"], "note": row["note"]})
    content = {
        "narrative": post.get("narrative", "").strip(),
        "risks": post.get("risks", "").strip(),
        "milestones": milestones,
        "indicators": indicators,
    }
    return content, places


def _errors(exc: Invalid, places: dict) -> dict[str, list[str]]:
    """The service's places (`indicators[0].reason`, `evidence.RCO26`) as the form's rows
    (`indicator_2`)."""
    out: dict[str, list[str]] = {}
    for place, msgs in exc.errors.items():
        head = place if place in places else place.split(".")[0]
        out.setdefault(places.get(head, head), []).extend(msgs)
    return out


@login_required
def report(request, pk):
    """The beneficiary's form while the report is a draft or returned, the managing authority's
    review while it is submitted, and the report as it stands for everyone who may see it."""
    report = lookups.report_for(request.user, pk, "submitted_by", "reviewed_by")
    user = request.user
    editable = report.state in service.EDITABLE and permissions.can(user, "report.edit", report)
    reviewable = report.state == ProgressReport.State.SUBMITTED and permissions.can(
        user, "report.review", report
    )
    indicator_rows, milestone_rows = service.indicator_rows(report), service.milestone_rows(report)
    errors: dict[str, list[str]] = {}
    narrative, risks, remarks = report.narrative, report.risks, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in {"save", "submit"}:
                content, places = _content(request.POST, indicator_rows, milestone_rows)
                narrative, risks = content["narrative"], content["risks"]
                files = {}
                for n, row in enumerate(indicator_rows):
                    if f"evidence_{n}" in request.FILES:
                        files[row["code"]] = request.FILES[f"evidence_{n}"]
                        places[f"evidence.{row['code']}"] = f"indicator_{n}"
                try:
                    with transaction.atomic():  # the content and its files, or neither
                        service.save_report(report, by=user, **content)
                        if files:
                            service.attach_evidence(report, by=user, files=files)
                    if action == "submit":
                        service.submit_report(report, by=user)
                except Invalid as exc:
                    errors = _errors(exc, places)
                else:
                    messages.success(request, _("Report submitted.") if action == "submit"
                                     else _("Report saved."))  # fmt: skip
                    return redirect("monitoring:report", pk=report.pk)
            elif action in {service.ACCEPT, service.RETURN}:
                remarks = request.POST.get("remarks", "")
                try:
                    service.review_report(report, by=user, outcome=action, remarks=remarks)
                except Invalid as exc:
                    errors = exc.errors
                else:
                    messages.success(request, _("Report accepted.") if action == service.ACCEPT
                                     else _("Report returned with remarks."))  # fmt: skip
                    return redirect("monitoring:report", pk=report.pk)
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:report", pk=report.pk)
    labels = dict(ProgressReport.MilestoneStatus.choices)
    for n, row in enumerate(indicator_rows):
        row["errors"] = errors.get(f"indicator_{n}", [])
        row.setdefault("typed", "" if row["value"] is None else str(row["value"]))
    for n, row in enumerate(milestone_rows):
        row["errors"] = errors.get(f"milestone_{n}", [])
        row["label"] = labels.get(row["status"], "—")
    return render(request, "monitoring/report.html", {
        "report": report,
        "grant": report.grant,
        "documents": section(user, report),
        "editable": editable,
        "reviewable": reviewable,
        "indicators": indicator_rows,
        "milestones": milestone_rows,
        "statuses": ProgressReport.MilestoneStatus.choices,
        "narrative": narrative,
        "risks": risks,
        "remarks": remarks,
        "errors": errors,
    })  # fmt: skip


@login_required
def evidence(request, pk, code):
    """An evidence file, to whoever may see its report (and no one else: never a static file)."""
    report = lookups.report_for(request.user, pk)
    evidence = get_object_or_404(Evidence, report=report, code=code)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)
