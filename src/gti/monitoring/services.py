"""Grants and their versions: opening a grant from the decision, amendments, their approval, and
the conditions in force on a date (what the money rules of `money.py` check claims against).

Every change checks the role (`permissions.require`) and writes its audit event in the same
transaction. Who prepares a version never approves it: no single login decides on money.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Annotated

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.monitoring import money
from gti.monitoring.models import Grant, GrantVersion
from gti.proposals.models import BudgetLine, Proposal

V = GrantVersion.State
CENT = Decimal("0.01")
RATE = Decimal("0.0001")
FIRST_REASON = "grant decision"
CONDITIONS = (
    "erdf", "rate", "eligible_from", "eligible_until", "budget", "partner_budget",
    "indicators", "milestones", "special_conditions",
)  # fmt: skip


def _text(amount: Decimal) -> str:
    """An amount as it is kept in JSON: decimal text with two places."""
    return f"{amount.quantize(CENT):.2f}"


# --- opening a grant from the decision -------------------------------------------------------


def decided_conditions(proposal: Proposal) -> dict:
    """The conditions of version 1, read from the approved proposal and its decision.

    - ERDF: the amount granted. Rate: when the full request is granted, the rate the proposal
      asked (already checked against the programme's maximum at submission, and it gives back the
      ERDF exactly); when the decision lowered the amount, the ERDF granted over the eligible
      cost, rounded *down* to 4 decimals, so that the whole budget at this rate never asks more
      than was granted (the grant in total caps payments anyway).
    - Budget: the eligible cost per category as decided, *not* scaled down when the amount was
      lowered: the decision document (CPR art. 73(3)) states the lower ERDF as a lower rate on
      the same eligible cost, and the beneficiary's revised financing plan covers the rest.
    - Partner budget: the eligible cost split by the partners' shares, to the cent; the lead
      partner takes what the rounding leaves, so it adds up to the eligible cost.
    - Eligible period: the project's start and end, within the programme's eligibility.
    - Indicators: the proposal's targets with their reference values; no milestones yet.
    """
    programme = proposal.call.programme
    lines = [line for line in proposal.budget_lines.all() if line.eligible]
    eligible = sum((line.amount for line in lines), Decimal("0.00"))
    erdf = proposal.erdf_granted
    if erdf is None or eligible <= 0:
        raise Refused(_("%(proposal)s has no ERDF granted on an eligible cost") % {
            "proposal": proposal.reference})  # fmt: skip
    if erdf == proposal.erdf_requested and proposal.erdf_rate > 0:
        rate = proposal.erdf_rate
    else:
        rate = (erdf / eligible).quantize(RATE, rounding=ROUND_DOWN)
    budget: dict[str, Decimal] = {}
    for line in lines:
        budget[line.category] = budget.get(line.category, Decimal("0.00")) + line.amount
    partners = list(proposal.partners.order_by("position"))
    shares = {p.name: (eligible * p.share).quantize(CENT, rounding=ROUND_DOWN) for p in partners}
    if partners:
        shares[partners[0].name] += eligible - sum(shares.values(), Decimal("0.00"))
    start = max(proposal.start_date or programme.eligibility_start, programme.eligibility_start)
    end = min(proposal.end_date or programme.eligibility_end, programme.eligibility_end)
    return {
        "erdf": erdf,
        "rate": rate,
        "eligible_from": start,
        "eligible_until": end,
        "budget": {c: _text(a) for c, a in sorted(budget.items())},
        "partner_budget": {name: _text(a) for name, a in shares.items()},
        "indicators": [
            {"code": t.indicator.code, "reference_value": str(t.baseline), "target": str(t.target)}
            for t in proposal.indicator_targets.select_related("indicator")
        ],
        "milestones": [],
        "special_conditions": "",
    }


def open_grant(proposal: Proposal, *, by) -> Grant:
    """Open the grant of an approved proposal with version 1 (a draft) made from the decision
    (`decided_conditions`). One grant per proposal."""
    permissions.require(by, "grant.prepare", proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state != Proposal.State.APPROVED:
            raise Refused(
                _("A grant is opened for an approved proposal; %(proposal)s is %(state)s.")
                % {"proposal": proposal.reference, "state": proposal.get_state_display()}
            )
        if Grant.objects.filter(proposal=proposal).exists():
            raise Refused(_("%(proposal)s already has its grant.") % {
                "proposal": proposal.reference})  # fmt: skip
        values = decided_conditions(proposal)
        try:
            with transaction.atomic():
                grant = Grant.objects.create(proposal=proposal)
        except IntegrityError:  # opened at the same moment by someone else
            raise Refused(_("%(proposal)s already has its grant.") % {
                "proposal": proposal.reference}) from None  # fmt: skip
        version = GrantVersion.objects.create(
            grant=grant, number=1, reason=FIRST_REASON, prepared_by=by, **values
        )
        audit.record("monitoring.grant.opened", version, by=by, after=values,
                     reason=FIRST_REASON, city=proposal.city.code)  # fmt: skip
    return grant


# --- amendments ------------------------------------------------------------------------------


class IndicatorTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1)]
    reference_value: Annotated[Decimal, Field(ge=0, max_digits=14, allow_inf_nan=False)]
    target: Annotated[Decimal, Field(ge=0, max_digits=14, allow_inf_nan=False)]


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1)]
    due: money.Day


# An amount of a grant: what its columns hold (12 digits before the point, 2 after), so a larger
# or finer figure is refused by field instead of failing in the database.
GrantAmount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]
Rate = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)]


class Amendment(BaseModel):
    """The conditions an amendment may change; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")
    erdf: GrantAmount = None  # type: ignore[assignment]  (None is refused when given)
    rate: Rate = None  # type: ignore[assignment]
    eligible_from: money.Day = None  # type: ignore[assignment]
    eligible_until: money.Day = None  # type: ignore[assignment]
    budget: dict[str, GrantAmount] = None  # type: ignore[assignment]
    partner_budget: dict[str, GrantAmount] = None  # type: ignore[assignment]
    indicators: list[IndicatorTarget] = None  # type: ignore[assignment]
    milestones: list[Milestone] = None  # type: ignore[assignment]
    special_conditions: str = None  # type: ignore[assignment]


def place(loc) -> str:
    """A pydantic location as the place the edges name: `indicators[0].target`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f"{'.' if out else ''}{part}"
    return out


def _parsed(changes: dict) -> dict:
    try:
        parsed = Amendment.model_validate(changes)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            errors.setdefault(place(err["loc"]) or "changes", []).append(err["msg"])
        raise Invalid(errors) from None
    values = {}
    for name in parsed.model_fields_set:
        value = getattr(parsed, name)
        if name in {"budget", "partner_budget"}:
            value = {k: _text(v) for k, v in value.items()}
        elif name == "indicators":
            value = [{"code": i.code, "reference_value": str(i.reference_value),
                      "target": str(i.target)} for i in value]  # fmt: skip
        elif name == "milestones":
            value = [{"title": m.title, "due": m.due.isoformat()} for m in value]
        values[name] = value
    return values


def check(values: dict, programme) -> None:
    """The rules between the conditions of one version; every problem at once, by field."""
    errors: dict[str, list[str]] = {}

    def fail(place, message):
        errors.setdefault(place, []).append(str(message))

    if values["rate"] > programme.max_eu_cofinancing_rate:
        fail("rate", _("%(rate)s is above the programme's maximum co-financing rate %(max)s")
             % {"rate": values["rate"], "max": programme.max_eu_cofinancing_rate})  # fmt: skip
    if values["eligible_until"] < values["eligible_from"]:
        fail("eligible_until", _("must not be before the start of the eligible period"))
    for place in ("eligible_from", "eligible_until"):
        if not programme.eligibility_start <= values[place] <= programme.eligibility_end:
            fail(place, _("outside the programme's eligibility %(start)s – %(end)s")
                 % {"start": programme.eligibility_start,
                    "end": programme.eligibility_end})  # fmt: skip
    known = set(BudgetLine.Category.values)
    for category in values["budget"]:
        if category not in known:
            fail(f"budget.{category}", _("not a cost category"))
    total = sum((Decimal(a) for a in values["budget"].values()), Decimal("0.00"))
    if money.money(total * values["rate"]) > values["erdf"]:
        fail("budget", _("the budget %(total)s at the rate %(rate)s asks %(asked)s, above the "
                         "ERDF granted %(erdf)s")
             % {"total": total, "rate": values["rate"], "erdf": values["erdf"],
                "asked": money.money(total * values["rate"])})  # fmt: skip
    partners = sum((Decimal(a) for a in values["partner_budget"].values()), Decimal("0.00"))
    if values["partner_budget"] and partners != total:
        fail(
            "partner_budget",
            _("the partners' budgets add up to %(partners)s, the budget per category to %(total)s")
            % {"partners": partners, "total": total},
        )
    codes = [i["code"] for i in values["indicators"]]
    for n, code in enumerate(codes):
        if code in codes[:n]:
            fail(f"indicators[{n}].code", _("given twice"))
    if errors:
        raise Invalid(errors)


def _conditions_of(version: GrantVersion) -> dict:
    return {name: getattr(version, name) for name in CONDITIONS}


def lock_open(grant_id: int) -> Grant:
    """The grant, locked and read afresh, refused once it is closed. Every change to a grant or
    to what hangs on it (versions, claims, reports, duties) starts here, before locking its own
    row, so a change and the closing never cross."""
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("proposal__city", "proposal__call__programme")
        .get(pk=grant_id)
    )
    if grant.state != Grant.State.OPEN:
        raise Refused(_("The grant of %(grant)s is closed.") % {"grant": grant})
    return grant


def amend(grant: Grant, *, by, reason: str, **changes) -> GrantVersion:
    """Prepare an amendment: a new draft version copying the latest approved version (in force,
    or about to take force) with `changes` (fields of `Amendment`), for the `reason` given.
    One draft at a time; it takes force when a second person approves it (`approve_version`)."""
    permissions.require(by, "grant.prepare", grant)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [str(_("say why the conditions change"))]
    try:
        values = _parsed(changes)
    except Invalid as refused:
        errors |= refused.errors
        values = {}
    if not changes and "changes" not in errors:
        errors["changes"] = [str(_("an amendment changes at least one condition"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        grant = lock_open(grant.pk)
        if grant.versions.filter(state=V.DRAFT).exists():
            raise Refused(_("%(grant)s already has a version waiting for approval.") % {
                "grant": grant})  # fmt: skip
        current = grant.versions.filter(state=V.APPROVED).order_by("-number").first()
        if current is None:
            raise Refused(_("%(grant)s has no approved version to amend yet.") % {"grant": grant})
        before = _conditions_of(current)
        merged = before | values
        check(merged, grant.proposal.call.programme)
        number = grant.versions.order_by("-number").values_list("number", flat=True).first() + 1
        version = GrantVersion.objects.create(
            grant=grant, number=number, reason=reason.strip(), prepared_by=by, **merged
        )
        audit.record(
            "monitoring.grant.amendment_prepared", version, by=by,
            before={k: before[k] for k in values}, after=values, reason=reason.strip(),
            city=grant.proposal.city.code,
        )  # fmt: skip
    return version


def approve_version(
    version: GrantVersion, *, by, in_force_from: datetime.date | None = None
) -> GrantVersion:
    """A second person of the managing authority approves a draft version, which takes force
    on `in_force_from` (today by default; never before the version it follows)."""
    permissions.require(by, "grant.approve", version.grant)
    with transaction.atomic():
        grant = lock_open(version.grant_id)
        version = GrantVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != V.DRAFT:
            raise Refused(_("%(version)s is already approved.") % {"version": version})
        if version.prepared_by_id == by.pk:
            raise Refused(_("%(version)s was prepared by you: a second person approves it.")
                          % {"version": version})  # fmt: skip
        day = in_force_from or timezone.localdate()
        previous = (
            version.grant.versions.filter(state=V.APPROVED).order_by("-in_force_from", "-number")
            .first()
        )  # fmt: skip
        if previous is not None and day < previous.in_force_from:
            raise Invalid.one(
                "in_force_from",
                _("must not be before %(date)s, when version %(number)s took force")
                % {"date": previous.in_force_from, "number": previous.number},
            )
        version.state = V.APPROVED
        version.approved_by = by
        version.approved_at = timezone.now()
        version.in_force_from = day
        version.save(update_fields=["state", "approved_by", "approved_at", "in_force_from"])
        audit.record(
            "monitoring.grant.version_approved", version, by=by,
            before={"state": V.DRAFT}, after={"state": V.APPROVED, "in_force_from": day},
            reason=version.reason, city=version.grant.proposal.city.code,
        )  # fmt: skip
        from gti.monitoring.claims import replan  # claims builds on this module

        replan(grant)
    return version


# --- reading ---------------------------------------------------------------------------------


def in_force(grant: Grant, on: datetime.date) -> GrantVersion | None:
    """The approved version in force on `on`: the latest to take force on or before it."""
    return (
        grant.versions.filter(state=V.APPROVED, in_force_from__lte=on)
        .order_by("-in_force_from", "-number")
        .first()
    )


def conditions(version: GrantVersion) -> money.Grant:
    """The version as the money rules read it (amounts back to Decimal)."""
    return money.Grant(
        rate=version.rate,
        erdf=version.erdf,
        budget={c: Decimal(a) for c, a in version.budget.items()},
        eligible_from=version.eligible_from,
        eligible_until=version.eligible_until,
    )


def latest(grant: Grant) -> GrantVersion | None:
    """The newest version, whatever its state (from prefetched versions when there are)."""
    versions = list(grant.versions.all())
    return max(versions, key=lambda v: v.number) if versions else None


def in_force_among(versions, on: datetime.date) -> GrantVersion | None:
    """As `in_force`, over versions already read (a list page reads them once for all grants)."""
    approved = [v for v in versions if v.state == V.APPROVED and v.in_force_from <= on]
    return max(approved, key=lambda v: (v.in_force_from, v.number), default=None)


_ROW_ORDER = ["title", "code", "reference_value", "target", "due"]


def _row_order(key: str) -> tuple[int, str]:
    return (_ROW_ORDER.index(key) if key in _ROW_ORDER else len(_ROW_ORDER), key)


def _plain(value) -> str:
    """A condition as one readable text: lists of rows joined, dates and amounts as written."""
    if isinstance(value, list):  # rows in a fixed order of their keys (PostgreSQL reorders them)
        return (
            "; ".join(" ".join(str(row[k]) for k in sorted(row, key=_row_order)) for row in value)
            or "—"
        )
    return "—" if value in (None, "") else str(value)


def changes(before: GrantVersion | None, after: GrantVersion) -> list[tuple[str, str, str]]:
    """What `after` changed from `before`: (place, before, after) per field, per key for the
    budgets (`budget.works`), each value as readable text."""
    if before is None:
        return []
    out = []
    for name in CONDITIONS:
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        if isinstance(old, dict):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    out.append((f"{name}.{key}", _plain(old.get(key)), _plain(new.get(key))))
        else:
            out.append((name, _plain(old), _plain(new)))
    return out
