"""Every dated step a person has to keep: one list per person, scoped to what they may see.

Sources: the steps of open calls (pre-registration and submission deadlines) for the people of
the calls' cities; the resubmission date of a proposal returned for correction (kept in the
audit event of the return); the due dates of progress reports (`GTI_REPORT_DUE_DAYS` after the
period) and of the planned expenditure claims; the dates of validation and decision rounds
waiting for the signatures of the body's members.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import permissions
from gti.accounts.models import AuditEvent, Role


@dataclass(frozen=True)
class Deadline:
    key: str  # stable over time: the calendar's UID and the reminder's identity
    day: datetime.date
    what: object  # the kind of step (lazy text: read in the reader's language)
    title: str  # the thing concerned
    url: tuple[str, dict]  # the page to act on: (url name, kwargs)

    @property
    def path(self) -> str:
        return reverse(self.url[0], kwargs=self.url[1])


def for_person(user, today: datetime.date | None = None) -> list[Deadline]:
    """The person's open deadlines in date order (past ones still open included)."""
    if not permissions.can(user, "deadlines.view"):
        return []
    today = today or timezone.localdate()
    found = [
        *_calls(user, today),
        *_corrections(user),
        *_reports(user),
        *_planned_claims(user, today),
        *_rounds(user),
    ]
    return sorted(found, key=lambda d: (d.day, d.key))


def _calls(user, today):
    from gti.proposals.models import Call
    from gti.proposals.queries import with_cities

    concerned = {Role.APPLICANT, Role.SECRETARIAT, Role.MANAGING_AUTHORITY}
    if not permissions.roles(user) & concerned:
        return
    calls = Call.objects.filter(state=Call.State.PUBLISHED, closes_at__date__gte=today)
    for call in with_cities(calls.select_related("programme", "city")):
        if not any(permissions.roles(user, city.pk) & concerned for city in call.cities):
            continue
        link = ("proposals:call", {"reference": call.reference})
        title = f"{call.reference} {call.title}"
        if call.preregistration_closes_at and call.preregistration_closes_at.date() >= today:
            day = timezone.localdate(call.preregistration_closes_at)
            yield Deadline(f"call-{call.pk}-preregistration", day,
                           _("pre-registration closes"), title, link)  # fmt: skip
        yield Deadline(f"call-{call.pk}-closes", timezone.localdate(call.closes_at),
                       _("submission deadline"), title, link)  # fmt: skip


def _corrections(user):
    """Proposals of the person returned for correction and not yet submitted again."""
    from gti.proposals.models import Proposal

    returned = Proposal.objects.visible_to(user).filter(
        applicant=user, state=Proposal.State.DRAFT, submitted_at__isnull=False
    )
    by_id = {str(p.pk): p for p in returned}
    if not by_id:
        return
    events = AuditEvent.objects.filter(
        action="proposals.proposal.returned", object_type="proposals.proposal",
        object_id__in=list(by_id),
    ).order_by("id")  # fmt: skip
    last = {e.object_id: e for e in events}  # the newest return counts
    for key, event in last.items():
        day = event.after.get("resubmit_by")
        if not day:
            continue
        proposal = by_id[key]
        yield Deadline(
            f"proposal-{proposal.pk}-correction-{event.pk}", datetime.date.fromisoformat(day),
            _("submit the corrected proposal"), f"{proposal.reference} {proposal.title}",
            ("proposals:detail", {"reference": proposal.reference}),
        )  # fmt: skip


def _reports(user):
    from gti.monitoring.models import ProgressReport

    R = ProgressReport.State
    reports = (
        ProgressReport.objects.visible_to(user)
        .filter(grant__proposal__applicant=user, state__in=[R.DRAFT, R.RETURNED])
        .select_related("grant__proposal")
    )
    for report in reports:
        yield Deadline(
            f"report-{report.pk}",
            report.period_end + datetime.timedelta(days=settings.GTI_REPORT_DUE_DAYS),
            _("progress report due"), str(report),
            ("monitoring:report", {"pk": report.pk}),
        )  # fmt: skip


def _planned_claims(user, today):
    from gti.monitoring.models import Grant, PlannedClaim

    planned = PlannedClaim.objects.filter(
        grant__in=Grant.objects.visible_to(user).filter(proposal__applicant=user),
        grant__state=Grant.State.OPEN,
    ).select_related("grant__proposal")
    for claim in planned:
        yield Deadline(
            f"planned-claim-{claim.pk}", claim.expected_on, _("expenditure claim due"),
            str(claim.grant),
            ("monitoring:grant_claims", {"reference": claim.grant.proposal.reference}),
        )  # fmt: skip


def _rounds(user):
    """Rounds waiting for the signature of a body the person is a member of."""
    from gti.portfolio.models import Meeting
    from gti.portfolio.services import sign_permission

    if not permissions.roles(user) & {Role.STEERING_COMMITTEE, Role.MANAGING_AUTHORITY,
                                      Role.SECRETARIAT}:  # fmt: skip
        return
    waiting = Meeting.objects.filter(state=Meeting.State.DRAFT).select_related("call", "city")
    for meeting in waiting:
        if not permissions.can(user, sign_permission(meeting), meeting):
            continue
        target = (
            _("validation target date") if meeting.purpose == Meeting.Purpose.VALIDATION
            else _("decision target date")
        )  # fmt: skip
        yield Deadline(
            f"round-{meeting.pk}", meeting.date, target, meeting.call.reference,
            ("portfolio:round", {"pk": meeting.pk}),
        )  # fmt: skip


# --- reminders ---------------------------------------------------------------------------------


def offset_for(days_left: int, offsets: list[int]) -> int | None:
    """The reminder due with `days_left` to go: the smallest offset not below it (a first run
    three days before sends the 3-day reminder, not the 14-day one too)."""
    if days_left < 0:
        return None
    fitting = [o for o in offsets if o >= days_left]
    return min(fitting) if fitting else None


def remind(today: datetime.date | None = None, progress=None) -> int:
    """Write a reminder (kind "deadline") for each person's deadline at each offset of
    `GTI_REMINDER_DAYS`, once: a second run the same day, or the next day within the same
    offset, writes nothing. Returns how many were written."""
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError, transaction

    from gti.notifications import services
    from gti.notifications.models import Kind, Notification

    today = today or timezone.localdate()
    offsets = settings.GTI_REMINDER_DAYS
    people = list(
        get_user_model().objects.filter(is_active=True, role_grants__isnull=False).distinct()
    )
    written = 0
    for n, user in enumerate(people, start=1):
        for deadline in for_person(user, today):
            offset = offset_for((deadline.day - today).days, offsets)
            if offset is None:
                continue
            key = f"{deadline.key}@{offset}"[:200]
            if Notification.objects.filter(user=user, reminder=key).exists():
                continue
            try:
                with transaction.atomic():
                    services.notify(
                        user, Kind.DEADLINE, _("Deadline %(day)s: %(what)s"),
                        _("%(what)s on %(day)s (in %(days)s days): %(title)s"),
                        {"day": deadline.day.isoformat(), "what": deadline.what,
                         "days": (deadline.day - today).days, "title": deadline.title},
                        link=deadline.url, reminder=key,
                    )  # fmt: skip
            except IntegrityError:  # another run wrote it at the same moment
                continue
            written += 1
        if progress:
            progress(n, len(people))
    return written
