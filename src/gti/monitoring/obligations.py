"""Obligations after selection: the beneficiary's communication duties, the durability period
and the closure of a grant.

- Communication (CPR art. 50(1)): a mention of the operation and the EU support on the
  beneficiary's website and social media, always (point a); a durable plaque or billboard
  for an operation whose total cost exceeds EUR 500,000 and that involves physical investment
  or the purchase of equipment (point c); otherwise at least one poster of A3 size or an
  equivalent electronic display (point d). The total cost is the eligible cost of the grant's
  latest approved conditions; physical investment or equipment is a cost under `works` or
  `equipment` in them. The beneficiary (`report.edit`, own only) marks a duty done with the
  file that shows it (random stored name, SHA-256, at most 10 MB, read through the grant's
  permission check).
- Durability (CPR art. 65(1)): an operation with investment in infrastructure or productive
  investment keeps it five years from the final payment to the beneficiary, the payment of
  the claim marked final. Art. 65(1) lets a Member State shorten this to three years for SMEs;
  the programme keeps five for every beneficiary.
- Closure: the beneficiary marks one claim final and one progress report final; the managing
  authority (`grant.close`) closes the grant once the final claim is paid, the final report
  accepted and every duty that applies done, and names each condition not met otherwise.

Every change checks the role, locks the grant's row and reads the state again under the lock,
and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.monitoring.models import (
    Claim,
    CommunicationItem,
    Grant,
    GrantVersion,
    Payment,
    ProgressReport,
)
from gti.monitoring.services import lock_open
from gti.proposals.models import BudgetLine

K = CommunicationItem.Kind
PLAQUE_ABOVE = Decimal("500000.00")  # CPR art. 50(1)(c)
INVESTMENT = ("works", "equipment")  # the budget categories of physical investment
DURABILITY_YEARS = 5  # CPR art. 65(1); the SME option of three years is not taken
FILE_MAX_BYTES = 10 * 1024 * 1024


# --- which duties apply (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    kind: str
    why: str


def duties(total_cost: Decimal, investment: bool) -> list[Duty]:
    """The communication duties of an operation of `total_cost` (EUR), with or without
    physical investment or equipment (CPR art. 50(1))."""
    out = [Duty(K.WEBSITE, str(_("always (CPR art. 50(1)(a))")))]
    if total_cost > PLAQUE_ABOVE and investment:
        out.append(Duty(K.PLAQUE, str(_(
            "total cost above EUR 500,000 with physical investment or equipment "
            "(CPR art. 50(1)(c))"))))  # fmt: skip
    else:
        why = (
            _("total cost of EUR 500,000 or less (CPR art. 50(1)(d))")
            if total_cost <= PLAQUE_ABOVE
            else _("no physical investment or equipment (CPR art. 50(1)(d))")
        )
        out.append(Duty(K.POSTER, str(why)))
    return out


def _conditions(grant: Grant) -> GrantVersion | None:
    """The grant's latest approved conditions."""
    return (
        grant.versions.filter(state=GrantVersion.State.APPROVED)
        .order_by("-in_force_from", "-number")
        .first()
    )


def operation(grant: Grant) -> tuple[Decimal, bool]:
    """The total cost of the operation and whether it involves physical investment or
    equipment. Art. 50(1)(c) speaks of the total cost: the eligible budget of the grant's latest
    approved conditions plus the cost the proposal declared ineligible. The investment is read
    from the conditions: what the grant finances."""
    version = _conditions(grant)
    budget = {c: Decimal(a) for c, a in (version.budget if version else {}).items()}
    ineligible = BudgetLine.objects.filter(proposal_id=grant.proposal_id, eligible=False)
    total = sum(budget.values(), Decimal("0.00")) + sum(
        ineligible.values_list("amount", flat=True), Decimal("0.00"))  # fmt: skip
    return total, any(budget.get(c, 0) > 0 for c in INVESTMENT)


@dataclass
class Row:
    kind: str
    label: str
    why: str
    item: CommunicationItem | None  # None: still open

    @property
    def done(self) -> bool:
        return self.item is not None


def checklist(grant: Grant) -> list[Row]:
    """The duties that apply to the grant, each with why and what was done (a duty done while
    another rule applied stays on record but is not listed)."""
    done = {i.kind: i for i in grant.communication.select_related("uploaded_by")}
    labels = dict(K.choices)
    return [
        Row(d.kind, str(labels[d.kind]), d.why, done.get(d.kind)) for d in duties(*operation(grant))
    ]


# --- the durability period -------------------------------------------------------------------


def final_payment(grant: Grant) -> Payment | None:
    return Payment.objects.filter(grant=grant, claim__final=True).first()


def durability_applies(grant: Grant) -> bool:
    """Art. 65 holds for operations with infrastructure or productive investment."""
    return operation(grant)[1]


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def durability_until(grant: Grant) -> datetime.date | None:
    """The day the durability check is due: five years after the final payment; None while the
    final claim is not paid, or when the operation has no investment to keep."""
    payment = final_payment(grant)
    if payment is None or not durability_applies(grant):
        return None
    return _years_later(payment.paid_on, DURABILITY_YEARS)


# --- the beneficiary -------------------------------------------------------------------------


def mark_done(
    grant: Grant, kind: str, *, by, file, note: str = "", done_on: datetime.date | None = None
) -> CommunicationItem:
    """Mark a communication duty done on `done_on` (today when left out) with the file that
    shows it; marking it again replaces the note, the date and the file."""
    permissions.require(by, "report.edit", grant)
    done_on = done_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if file is None:
        errors["file"] = [str(_("a photo or screenshot that shows it done"))]
    elif not file.size:
        errors["file"] = [str(_("the file is empty"))]
    elif file.size > FILE_MAX_BYTES:
        errors["file"] = [str(_("larger than %(mb)s MB") % {"mb": FILE_MAX_BYTES // 2**20})]
    if done_on > timezone.localdate():
        errors["done_on"] = [str(_("must not be in the future"))]
    with transaction.atomic():
        grant = lock_open(grant.pk)
        if kind not in {d.kind for d in duties(*operation(grant))}:
            errors.setdefault("kind", []).append(str(_("not a duty of this grant")))
        if errors:
            raise Invalid(errors)
        old = CommunicationItem.objects.filter(grant=grant, kind=kind).first()
        item = CommunicationItem(grant=grant, kind=kind, done_on=done_on, note=note.strip())
        stored = item.take(file, by)
        try:
            item.replace(old)
            audit.record(
                "monitoring.communication.done", item, by=by,
                before={"done_on": old.done_on, "name": old.name, "sha256": old.sha256}
                if old else {},
                after={"kind": kind, "done_on": done_on, "note": item.note, "name": item.name,
                       "size": item.size, "sha256": item.sha256},
                reason=item.note or item.name, city=grant.proposal.city.code,
            )  # fmt: skip
        except Exception:
            default_storage.delete(stored)  # the new file goes when the change does not hold
            raise
    return item


def mark_final_claim(claim: Claim, *, by) -> Claim:
    """Mark the grant's last claim, in whatever state, as its final one (the beneficiary): a
    claim already paid may be the last one too."""
    permissions.require(by, "claim.edit", claim)
    with transaction.atomic():
        grant = lock_open(claim.grant_id)
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        other = grant.claims.filter(final=True).exclude(pk=claim.pk).first()
        if other is not None:
            raise Refused(_("%(claim)s is already the final claim.") % {"claim": other})
        later = grant.claims.filter(number__gt=claim.number).first()
        if later is not None:
            raise Refused(_("%(later)s comes after it: the final claim is the last.") % {
                "later": later})  # fmt: skip
        if not claim.final:
            claim.final = True
            claim.save(update_fields=["final"])
            audit.record("monitoring.claim.marked_final", claim, by=by, before={"final": False},
                         after={"final": True}, reason=str(_("final claim")),
                         city=grant.proposal.city.code)  # fmt: skip
    return claim


def mark_final_report(report: ProgressReport, *, by) -> ProgressReport:
    """Mark the project's latest progress report, in whatever state, as its final report (the
    beneficiary); one not yet accepted is submitted and reviewed as any report."""
    permissions.require(by, "report.edit", report)
    with transaction.atomic():
        grant = lock_open(report.grant_id)
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        later = grant.reports.filter(period_start__gt=report.period_start).first()
        if later is not None:
            raise Refused(_("The report of %(start)s comes after it: the final report is the "
                            "last.") % {"start": later.period_start})  # fmt: skip
        other = grant.reports.filter(final=True).exclude(pk=report.pk).first()
        if other is not None:
            raise Refused(_("The report %(report)s is already the final report.") % {
                "report": other})  # fmt: skip
        if not report.final:
            report.final = True
            report.save(update_fields=["final"])
            audit.record("monitoring.report.marked_final", report, by=by,
                         before={"final": False}, after={"final": True},
                         reason=str(_("final report")), city=grant.proposal.city.code)  # fmt: skip
    return report


# --- the managing authority: closing a grant -------------------------------------------------


def unmet(grant: Grant) -> list[str]:
    """Each condition of closing the grant not met yet, in words. A draft marked final is named
    by what it lacks only, never by its number or state (drafts are the beneficiary's own)."""
    out = []
    claim = grant.claims.filter(final=True).first()
    if claim is None:
        out.append(str(_("no claim is marked final")))
    elif claim.state != Claim.State.PAID:
        out.append(str(_("the final claim is not paid yet")))
    # Money still in flight: a submitted or verified claim before the final one.
    for pending in grant.claims.filter(
        final=False, state__in=[Claim.State.SUBMITTED, Claim.State.VERIFIED]
    ).order_by("number"):
        out.append(str(_("%(claim)s is %(state)s, not paid yet") % {
            "claim": pending, "state": pending.get_state_display()}))  # fmt: skip
    report = grant.reports.filter(final=True).first()
    if report is None:
        out.append(str(_("no progress report is marked final")))
    elif report.state != ProgressReport.State.ACCEPTED:
        out.append(str(_("the final report is not accepted yet")))
    for row in checklist(grant):
        if not row.done:
            out.append(str(_("communication duty not done: %(duty)s") % {"duty": row.label}))
    return out


@dataclass
class Summary:
    """What the obligations page and the API show of a grant to one person."""

    grant: Grant
    total: Decimal
    investment: bool
    rows: list[Row]
    final_claim: Claim | None  # only when the person may read it
    final_report: ProgressReport | None  # only when the person may read it
    final_payment: Payment | None
    durability_until: datetime.date | None
    unmet: list[str]  # empty once the grant is closed


def summary(grant: Grant, person) -> Summary:
    total, investment = operation(grant)
    is_open = grant.state == Grant.State.OPEN
    return Summary(
        grant=grant,
        total=total,
        investment=investment,
        rows=checklist(grant),
        final_claim=Claim.objects.visible_to(person).filter(grant=grant, final=True).first(),
        final_report=ProgressReport.objects.visible_to(person)
        .filter(grant=grant, final=True).first(),
        final_payment=final_payment(grant),
        durability_until=durability_until(grant),
        unmet=unmet(grant) if is_open else [],
    )  # fmt: skip


def close_grant(grant: Grant, *, by, reason: str) -> Grant:
    """Close the grant (the managing authority): refused, naming each condition not met,
    until the final claim is paid, the final report accepted and every duty done."""
    permissions.require(by, "grant.close", grant)
    if not reason.strip():
        raise Invalid.one("reason", _("say why the grant is closed"))
    with transaction.atomic():
        grant = lock_open(grant.pk)
        missing = unmet(grant)
        if missing:
            raise Refused(_("The grant of %(grant)s cannot be closed yet: %(missing)s.") % {
                "grant": grant, "missing": "; ".join(missing)})  # fmt: skip
        grant.state, grant.closed_on = Grant.State.CLOSED, timezone.localdate()
        grant.closed_by, grant.closure_reason = by, reason.strip()
        grant.save(update_fields=["state", "closed_on", "closed_by", "closure_reason"])
        audit.record(
            "monitoring.grant.closed", grant, by=by, before={"state": Grant.State.OPEN},
            after={"state": Grant.State.CLOSED, "closed_on": grant.closed_on,
                   "durability_until": durability_until(grant)},
            reason=grant.closure_reason, city=grant.proposal.city.code,
        )  # fmt: skip
    return grant
