"""Progress reports of a grant: started and filled in by the beneficiary (the owner of the
approved proposal), submitted, and accepted or returned with remarks by the managing authority.

- Periods are half-years (1 January – 30 June, 1 July – 31 December). A report is started for
  the period after the last one, the first for the half-year in which the grant's eligible
  period starts; never for a period before it, nor while an earlier report is not accepted.
- The conditions a report is checked against are those in force on the period's end; a period
  that ended before the grant took force is checked against the first conditions approved.
- The indicator rules are `indicators.py`; the milestones reported are those of the conditions.

Every change checks the role (`permissions.require`), locks the report and reads its state again
under the lock, and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gti.accounts import audit, permissions
from gti.documents.sniff import NotAccepted, sniff
from gti.errors import Invalid, Refused, refuse_state
from gti.monitoring import indicators, services
from gti.monitoring.models import (
    Evidence,
    Grant,
    GrantVersion,
    IndicatorValue,
    ProgressReport,
)

R = ProgressReport.State
EDITABLE = {R.DRAFT, R.RETURNED}
ACCEPT, RETURN = "accept", "return"


# --- periods ---------------------------------------------------------------------------------


def half_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half-year `day` lies in, as (first day, last day)."""
    if day.month <= 6:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30)
    return datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31)


def _latest_conditions(grant: Grant) -> GrantVersion | None:
    return (
        grant.versions.filter(state=GrantVersion.State.APPROVED)
        .order_by("-in_force_from", "-number")
        .first()
    )


def conditions_for(report: ProgressReport) -> GrantVersion | None:
    """The grant's conditions a report is checked against (see the module's text)."""
    return services.in_force(report.grant, report.period_end) or (
        report.grant.versions.filter(state=GrantVersion.State.APPROVED)
        .order_by("in_force_from", "number")
        .first()
    )


def previous_values(report: ProgressReport) -> dict[str, Decimal]:
    """The indicator values of the last accepted report before this one's period."""
    last = (
        report.grant.reports.filter(state=R.ACCEPTED, period_start__lt=report.period_start)
        .order_by("-period_start")
        .first()
    )
    if last is None:
        return {}
    return {v.code: v.value for v in last.values.all()}


def start_report(grant: Grant, *, by, period_start: datetime.date | None = None) -> ProgressReport:
    """Open the draft report of the next period (or of the half-year starting `period_start`)."""
    permissions.require(by, "report.edit", grant)
    with transaction.atomic():
        grant = services.lock_open(grant.pk)  # two starts at once make one report
        version = _latest_conditions(grant)
        if version is None:
            raise Refused(_("The grant of %(grant)s has no approved conditions yet.") % {
                "grant": grant})  # fmt: skip
        reports = grant.reports.order_by("-period_start")
        if reports.filter(final=True).exists():
            raise Refused(_("The final report of %(grant)s is the last.") % {"grant": grant})
        open_ = reports.exclude(state=R.ACCEPTED).first()
        if open_ is not None:
            raise Refused(_("The report for %(start)s – %(end)s is not accepted yet.") % {
                "start": open_.period_start, "end": open_.period_end})  # fmt: skip
        last = reports.first()
        if period_start is None:
            day = last.period_end + datetime.timedelta(days=1) if last else version.eligible_from
            period_start = half_year(day)[0]
        start, end = half_year(period_start)
        if start != period_start:
            raise Invalid.one("period_start", _("a period starts on 1 January or 1 July"))
        if end < version.eligible_from:
            raise Invalid.one("period_start", _(
                "before the grant's eligible period, which starts on %(date)s") % {
                "date": version.eligible_from})  # fmt: skip
        if start > version.eligible_until:
            raise Invalid.one("period_start", _(
                "after the grant's eligible period, which ends on %(date)s") % {
                "date": version.eligible_until})  # fmt: skip
        if last is not None and start <= last.period_end:
            raise Invalid.one("period_start", _(
                "must come after the last report's period, which ends on %(date)s") % {
                "date": last.period_end})  # fmt: skip
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(grant=grant, period_start=start,
                                                       period_end=end)  # fmt: skip
        except IntegrityError:  # started at the same moment by someone else
            raise Refused(_("A report for this period exists already.")) from None
        audit.record(
            "monitoring.report.started", report, by=by,
            after={"period_start": start, "period_end": end},
            reason=_("progress report %(start)s – %(end)s") % {"start": start, "end": end},
            city=grant.proposal.city.code,
        )  # fmt: skip
    return report


# --- the content -----------------------------------------------------------------------------


class MilestoneReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1)]
    status: Literal["not_started", "on_track", "delayed", "done"]
    note: str = ""


class IndicatorReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=30)]
    value: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=16, decimal_places=2)]
    reason: str = ""


class ReportContent(BaseModel):
    """What the beneficiary writes; saving replaces the whole content."""

    model_config = ConfigDict(extra="forbid")
    narrative: str = ""
    risks: str = ""
    milestones: list[MilestoneReport] = []
    indicators: list[IndicatorReport] = []


def _parsed(content: dict) -> ReportContent:
    try:
        return ReportContent.model_validate(content)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            errors.setdefault(services.place(err["loc"]) or "content", []).append(err["msg"])
        raise Invalid(errors) from None


def _check(report, content: ReportContent, *, complete: bool) -> None:
    """The indicator rules and the milestones of the conditions; every problem at once."""
    version = conditions_for(report)
    codes = [i["code"] for i in version.indicators] if version else []
    titles = [m["title"] for m in version.milestones] if version else []
    errors: dict[str, list[str]] = {}
    try:
        indicators.check(
            [indicators.Value(i.code, i.value, i.reason) for i in content.indicators],
            codes=codes, previous=previous_values(report), complete=complete,
        )  # fmt: skip
    except indicators.Refused as exc:
        errors.update(exc.errors)
    given: list[str] = []
    for n, milestone in enumerate(content.milestones):
        if milestone.title not in titles:
            errors.setdefault(f"milestones[{n}].title", []).append(
                str(_("not a milestone of the grant"))
            )
        elif milestone.title in given:
            errors.setdefault(f"milestones[{n}].title", []).append(str(_("given twice")))
        given.append(milestone.title)
    if complete:
        for title in titles:
            if title not in given:
                errors.setdefault("milestones", []).append(
                    str(_("no status for %(title)s") % {"title": title})
                )
        if not content.narrative.strip():
            errors.setdefault("narrative", []).append(str(_("describe the progress made")))
    if errors:
        raise Invalid(errors)


def content_of(report: ProgressReport) -> dict:
    """The report's content as `ReportContent` reads it (values as decimal text)."""
    return {
        "narrative": report.narrative,
        "risks": report.risks,
        "milestones": report.milestones,
        "indicators": [
            {"code": v.code, "value": str(v.value), "reason": v.reason} for v in report.values.all()
        ],
    }


def indicator_rows(report: ProgressReport) -> list[dict]:
    """Each indicator of the conditions with its target, the value of the last accepted report,
    the value and reason given and its evidence: what the form and the review show side by
    side."""
    version = conditions_for(report)
    given = {v.code: v for v in report.values.all()}
    files = {e.code: e for e in report.evidence.all()}
    last = previous_values(report)
    rows = []
    for target in version.indicators if version else []:
        value = given.get(target["code"])
        rows.append({
            "code": target["code"],
            "reference_value": Decimal(target["reference_value"]),
            "target": Decimal(target["target"]),
            "last": last.get(target["code"]),
            "value": value.value if value else None,
            "reason": value.reason if value else "",
            "evidence": files.get(target["code"]),
        })  # fmt: skip
    return rows


def milestone_rows(report: ProgressReport) -> list[dict]:
    """Each milestone of the conditions with its due date and the status and note given."""
    version = conditions_for(report)
    given = {m["title"]: m for m in report.milestones}
    rows = []
    for milestone in version.milestones if version else []:
        status = given.get(milestone["title"], {})
        rows.append({
            "title": milestone["title"], "due": milestone["due"],
            "status": status.get("status", ""), "note": status.get("note", ""),
        })  # fmt: skip
    return rows


def _locked(report: ProgressReport) -> ProgressReport:
    """The report, read afresh under the lock of its open grant and its own."""
    services.lock_open(report.grant_id)
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("grant__proposal__city")
        .get(pk=report.pk)
    )


def save_report(report: ProgressReport, *, by, **content) -> ProgressReport:
    """Save the content of a draft or returned report (the beneficiary). Refused input changes
    nothing; an incomplete report may be saved, not submitted."""
    permissions.require(by, "report.edit", report)
    parsed = _parsed(content)
    with transaction.atomic():
        report = _locked(report)
        if report.state not in EDITABLE:
            raise refuse_state(report, _("editing"))
        _check(report, parsed, complete=False)
        before = content_of(report)
        report.narrative, report.risks = parsed.narrative, parsed.risks
        report.milestones = [m.model_dump() for m in parsed.milestones]
        report.save(update_fields=["narrative", "risks", "milestones"])
        report.values.all().delete()
        IndicatorValue.objects.bulk_create(
            IndicatorValue(report=report, code=i.code, value=i.value, reason=i.reason)
            for i in parsed.indicators
        )
        audit.record("monitoring.report.saved", report, by=by, before=before,
                     after=content_of(report), reason=str(_("content saved")),
                     city=report.grant.proposal.city.code)  # fmt: skip
    return report


def submit_report(report: ProgressReport, *, by) -> ProgressReport:
    """Send a complete report to the managing authority (the beneficiary)."""
    permissions.require(by, "report.edit", report)
    with transaction.atomic():
        report = _locked(report)
        if report.state not in EDITABLE:
            raise refuse_state(report, _("submitting"))
        _check(report, _parsed(content_of(report)), complete=True)
        before = report.state
        report.state = R.SUBMITTED
        report.submitted_by, report.submitted_at = by, timezone.now()
        report.save(update_fields=["state", "submitted_by", "submitted_at"])
        audit.record("monitoring.report.submitted", report, by=by, before={"state": before},
                     after={"state": R.SUBMITTED}, reason=str(_("submitted for review")),
                     city=report.grant.proposal.city.code)  # fmt: skip
    return report


def review_report(report: ProgressReport, *, by, outcome: str, remarks: str = "") -> ProgressReport:
    """Accept a submitted report, or return it with remarks (the managing authority; never the
    person who submitted it)."""
    permissions.require(by, "report.review", report)
    if outcome not in {ACCEPT, RETURN}:
        raise Invalid.one("outcome", _("accept or return"))
    if outcome == RETURN and not remarks.strip():
        raise Invalid.one("remarks", _("say what is to be corrected"))
    with transaction.atomic():
        report = _locked(report)
        if report.state != R.SUBMITTED:
            raise refuse_state(report, _("reviewing"))
        if report.submitted_by_id == by.pk:
            raise Refused(_("The person who submitted a report does not review it."))
        to = R.ACCEPTED if outcome == ACCEPT else R.RETURNED
        report.state = to
        report.reviewed_by, report.reviewed_at = by, timezone.now()
        report.remarks = remarks.strip()
        report.save(update_fields=["state", "reviewed_by", "reviewed_at", "remarks"])
        audit.record(
            f"monitoring.report.{to}", report, by=by, before={"state": R.SUBMITTED},
            after={"state": to, "remarks": report.remarks},
            reason=report.remarks or str(_("accepted")), city=report.grant.proposal.city.code,
        )  # fmt: skip
    return report


# --- evidence --------------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def attach_evidence(report: ProgressReport, *, by, files: dict) -> list[Evidence]:
    """Attach the files backing indicator values, `files` = {code: uploaded file} (the
    beneficiary, while the report is a draft or returned); each replaces the one attached
    before for its indicator. Every file is checked before any is stored; refused as
    `evidence.<code>`."""
    permissions.require(by, "report.edit", report)
    with transaction.atomic():
        report = _locked(report)
        if report.state not in EDITABLE:
            raise refuse_state(report, _("attaching evidence"))
        version = conditions_for(report)
        codes = [i["code"] for i in (version.indicators if version else [])]
        errors: dict[str, list[str]] = {}
        for code, file in files.items():
            place = f"evidence.{code}"
            if code not in codes:
                errors.setdefault(place, []).append(str(_("not an indicator of the grant")))
            elif not file.size:
                errors.setdefault(place, []).append(str(_("the file is empty")))
            elif file.size > EVIDENCE_MAX_BYTES:
                errors.setdefault(place, []).append(str(_("larger than %(mb)s MB") % {
                    "mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}))  # fmt: skip
            else:
                try:  # the content must be what the name says, as for every document
                    sniff(file.name or "", file)
                except NotAccepted as exc:
                    errors.setdefault(place, []).append(str(exc))
        if errors:
            raise Invalid(errors)
        stored: list[str] = []
        attached = []
        try:
            for code, file in files.items():
                attached.append(_store(report, by, code, file, stored))
        except Exception:
            for name in stored:  # the new files go again when the change does not hold
                default_storage.delete(name)
            raise
    return attached


def _store(report, by, code, file, stored: list[str]) -> Evidence:
    old = Evidence.objects.filter(report=report, code=code).first()
    evidence = Evidence(report=report, code=code)
    stored.append(evidence.take(file, by))
    evidence.replace(old)
    audit.record(
        "monitoring.report.evidence_attached", report, by=by,
        before={"code": code, "name": old.name, "sha256": old.sha256} if old else {},
        after={"code": code, "name": evidence.name, "size": evidence.size,
               "sha256": evidence.sha256},
        reason=evidence.name, city=report.grant.proposal.city.code,
    )  # fmt: skip
    return evidence
