"""Expenditure claims, their management verification (CPR art. 74), payments and payment
applications to the Commission: the services. The money rules themselves are in `money.py`.

- The beneficiary (the proposal's applicant) drafts a claim, declares its lines and submits it.
  On submission the lines are checked against the grant version in force that day
  (`money.check_claim`); an invoice of a partner is claimed once per grant, kept by a unique
  constraint on the submitted lines.
- The managing authority may draw a sample of lines for on-the-spot checks (method and seed are
  recorded so the draw can be repeated), then gives each line its verdict: accept, reduce or
  reject, with a reason for the last two. The ERDF payable is computed then, capped by what the
  grant has left after the claims verified or paid before.
- A second person of the managing authority records the payment: once per claim (a one-to-one
  row), never by the verifier, never above the grant.
- The managing authority groups verified claims into payment applications per accounting year
  (1 July – 30 June), city and priority; a second person submits one.

Every change checks the role and writes its audit event in the same transaction; the grant's
row is locked first, then the claim's, and what was checked is re-read under the lock.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Annotated, Literal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.monitoring import money
from gti.monitoring.models import (
    Claim,
    ClaimLine,
    Grant,
    GrantVersion,
    Payment,
    PaymentApplication,
    PlannedClaim,
)
from gti.monitoring.services import conditions, in_force, lock_open, place

C = Claim.State
V = GrantVersion.State
ZERO = Decimal("0.00")
SHARED = (C.VERIFIED, C.PAID)  # claims whose ERDF the grant has given away


# --- the edge: what a claim line and a verdict may hold ---------------------------------------

Text = Annotated[str, Field(max_length=300)]
Units = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]
FlatRate = Annotated[
    Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)
]


class LineInput(BaseModel):
    """One cost declared. Real cost: the invoice and its amount. Unit cost: units × rate per
    unit. Lump sum: its amount, once its deliverable is delivered. Flat rate: a percentage (as a
    fraction, 0.15) of the other lines of a category, or of all of them ("direct")."""

    model_config = ConfigDict(extra="forbid")
    category: Annotated[str, Field(min_length=1, max_length=20)]
    partner: Annotated[str, Field(min_length=1, max_length=200)]
    invoice: Annotated[str, Field(max_length=100)] = ""
    date: money.Day
    description: Text = ""
    cost_option: Literal["real", "unit_cost", "lump_sum", "flat_rate"] = "real"
    amount: money.Amount = ZERO
    units: Units | None = None
    unit_rate: money.Amount | None = None
    delivered: bool = False
    flat_rate: FlatRate | None = None
    flat_rate_base: Annotated[str, Field(max_length=20)] = ""

    @model_validator(mode="after")
    def _complete(self):
        needs = {
            "real": ("invoice", "amount"),
            "unit_cost": ("units", "unit_rate"),
            "lump_sum": ("amount",),
            "flat_rate": ("flat_rate", "flat_rate_base"),
        }[self.cost_option]
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(
                f"a {self.cost_option.replace('_', ' ')} line needs {' and '.join(missing)}"
            )
        return self


class VerdictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: Annotated[int, Field(ge=1)]
    outcome: Literal["accept", "reduce", "reject"]
    amount: money.Amount | None = None
    reason: Text = ""


class PlannedInput(BaseModel):
    """A claim the beneficiary plans: when it expects to submit it and the eligible cost."""

    model_config = ConfigDict(extra="forbid")
    expected_on: money.Day
    amount: money.Amount


def _parse(schema, rows, where: str) -> list:
    if not isinstance(rows, list):
        raise Invalid.one(where, _("a list is expected"))
    errors: dict[str, list[str]] = {}
    parsed = []
    for n, row in enumerate(rows):
        try:
            parsed.append(schema.model_validate(row))
        except ValidationError as exc:
            for err in exc.errors():
                errors.setdefault(place([where, n, *err["loc"]]), []).append(err["msg"])
    if errors:
        raise Invalid(errors)
    return parsed


def _refused(exc: money.Refused) -> Invalid:
    return Invalid(exc.errors)


# --- reading ----------------------------------------------------------------------------------


def rule_lines(claim: Claim) -> list[money.Line]:
    """The claim's lines as the money rules read them; a line's id is its position."""
    return [
        money.Line(
            id=str(line.position), category=line.category, partner=line.partner,
            invoice=line.invoice, date=line.date, amount=line.amount,
            cost_option=line.cost_option, units=line.units, unit_rate=line.unit_rate,
            delivered=line.delivered, flat_rate=line.flat_rate,
            flat_rate_base=line.flat_rate_base or None,
        )
        for line in claim.lines.order_by("position")
    ]  # fmt: skip


def terms_of(claim: Claim):
    """The grant version a claim is read against: the one it was checked against once
    submitted, else the one in force today."""
    return claim.version or in_force(claim.grant, timezone.localdate())


def given_away(grant: Grant, *, besides: Claim | None = None) -> dict[str, Decimal]:
    """The ERDF per category of the grant's claims verified or paid (other than `besides`):
    what later claims are capped against."""
    out: dict[str, Decimal] = {}
    claims = grant.claims.filter(state__in=SHARED)
    if besides is not None:
        claims = claims.exclude(pk=besides.pk)
    for per_category in claims.values_list("payable_per_category", flat=True):
        for category, amount in per_category.items():
            out[category] = out.get(category, ZERO) + Decimal(amount)
    return out


def _locked(claim: Claim) -> tuple[Grant, Claim]:
    """The claim's open grant and the claim, locked in that order and read afresh."""
    grant = lock_open(claim.grant_id)
    return grant, Claim.objects.select_for_update().get(pk=claim.pk)


def _in_state(claim: Claim, *states) -> None:
    if claim.state not in states:
        raise Refused(
            _("%(claim)s is %(state)s.") % {"claim": claim, "state": claim.get_state_display()}
        )


def _city(claim_or_grant) -> str:
    return claim_or_grant.proposal.city.code


# --- the beneficiary -------------------------------------------------------------------------


def start_claim(grant: Grant, *, by) -> Claim:
    """A new draft claim on a grant that has a version in force."""
    permissions.require(by, "claim.edit", grant)
    with transaction.atomic():
        grant = lock_open(grant.pk)
        final = grant.claims.filter(final=True).first()
        if final is not None:
            raise Refused(_("%(claim)s is the final claim: no claim comes after it.") % {
                "claim": final})  # fmt: skip
        if in_force(grant, timezone.localdate()) is None:
            raise Refused(_("%(grant)s has no approved conditions in force yet.") % {
                "grant": grant})  # fmt: skip
        if grant.claims.filter(state=C.DRAFT).exists():
            raise Refused(_("%(grant)s already has a draft claim.") % {"grant": grant})
        number = (grant.claims.aggregate(n=Max("number"))["n"] or 0) + 1
        claim = Claim.objects.create(grant=grant, number=number, created_by=by)
        audit.record("monitoring.claim.started", claim, by=by, after={"number": number},
                     city=_city(grant))  # fmt: skip
    return claim


def save_lines(claim: Claim, *, by, lines: list) -> Claim:
    """Replace the lines of a draft claim (each checked by `LineInput`)."""
    permissions.require(by, "claim.edit", claim)
    parsed = _parse(LineInput, lines, "lines")
    with transaction.atomic():
        claim = _locked(claim)[1]
        _in_state(claim, C.DRAFT)
        before = claim.lines.count()
        claim.lines.all().delete()
        ClaimLine.objects.bulk_create(
            ClaimLine(claim=claim, grant_id=claim.grant_id, position=n, **row.model_dump())
            for n, row in enumerate(parsed, start=1)
        )
        audit.record(
            "monitoring.claim.lines_saved", claim, by=by, before={"lines": before},
            after={"lines": len(parsed)}, city=_city(claim),
        )  # fmt: skip
    return claim


def submit_claim(claim: Claim, *, by) -> Claim:
    """Submit a draft: its lines are checked against the grant version in force today, and each
    invoice is taken (a partner's invoice is claimed once per grant)."""
    permissions.require(by, "claim.edit", claim)
    with transaction.atomic():
        grant, claim = _locked(claim)
        _in_state(claim, C.DRAFT)
        lines = rule_lines(claim)
        if not lines:
            raise Invalid.one("lines", _("a claim declares at least one cost"))
        today = timezone.localdate()
        version = in_force(grant, today)
        taken = set(
            ClaimLine.objects.filter(grant=grant, invoice_key__isnull=False)
            .exclude(claim=claim).values_list("partner", "invoice_key")
        )  # fmt: skip
        try:
            money.check_claim(conditions(version), lines, taken)
        except money.Refused as exc:
            raise _refused(exc) from None
        amounts = money.declared(lines)
        rows = list(claim.lines.all())
        for line in rows:
            line.declared = amounts[str(line.position)]
            keyed = line.cost_option != "flat_rate" and line.invoice.strip()
            line.invoice_key = line.invoice.strip() if keyed else None
        try:
            with transaction.atomic():
                ClaimLine.objects.bulk_update(rows, ["declared", "invoice_key"])
        except IntegrityError:  # the same invoice submitted at this moment in another claim
            raise Refused(
                _("An invoice of this claim was just claimed in another claim.")
            ) from None
        claim.declared = sum(amounts.values(), ZERO)
        claim.state, claim.submitted_by, claim.submitted_on = C.SUBMITTED, by, today
        claim.version = version
        claim.save(update_fields=["declared", "state", "submitted_by", "submitted_on", "version"])
        # The claim declared is the plan's first coming one: it leaves the plan.
        taken = grant.planned_claims.order_by("expected_on", "pk").first()
        if taken is not None:
            taken.delete()
        audit.record(
            "monitoring.claim.submitted", claim, by=by, before={"state": C.DRAFT},
            after={"state": C.SUBMITTED, "declared": claim.declared, "version": version.number,
                   "plan_taken": str(taken.expected_on) if taken else None},
            city=_city(claim),
        )  # fmt: skip
        replan(grant)
    return claim


# --- the plan of coming claims ---------------------------------------------------------------

PLAN_REACH = datetime.timedelta(days=366)  # a claim may come up to a year after the period ends


def left_to_claim(grant: Grant, version) -> Decimal:
    """What the grant has left for planned claims: its ERDF, less what verified or paid claims
    were given and what submitted claims ask (declared × rate)."""
    given = sum((sum(map(Decimal, c.values()), ZERO) for c in grant.claims.filter(
        state__in=SHARED).values_list("payable_per_category", flat=True)), ZERO)  # fmt: skip
    asked = sum(
        (money.money(c.declared * (c.version.rate if c.version else version.rate))
         for c in grant.claims.filter(state=C.SUBMITTED).select_related("version")),
        ZERO,
    )  # fmt: skip
    return version.erdf - given - asked


def _expected(grant: Grant, version, today, planned: list) -> list[Decimal]:
    """`money.expected_erdf` under the conditions in force today and those approved to take
    force later (of two taking force the same day, the later version)."""
    later = {
        v.in_force_from: (v.in_force_from, v.rate, left_to_claim(grant, v))
        for v in grant.versions.filter(state=V.APPROVED, in_force_from__gt=today).order_by(
            "in_force_from", "number")
    }  # fmt: skip
    return money.expected_erdf(planned, version.rate, left_to_claim(grant, version),
                               list(later.values()))  # fmt: skip


def replan(grant: Grant) -> None:
    """Recompute what each planned claim of the (locked) grant expects in ERDF, from the
    conditions in force today and what the grant has left: called wherever either changes (a
    claim submitted or verified, a version approved), so the forecast never reads a stale sum."""
    today = timezone.localdate()
    version = in_force(grant, today)
    # A plan dated before today is late or declared: as in the forecast, it expects nothing.
    rows = list(grant.planned_claims.filter(expected_on__gte=today).order_by("expected_on", "pk"))
    if version is None or not rows:
        return
    erdf = _expected(grant, version, today, [(r.expected_on, r.amount) for r in rows])
    changed = [r for r, e in zip(rows, erdf, strict=True) if r.erdf != e]
    for row, e in zip(rows, erdf, strict=True):
        row.erdf = e
    PlannedClaim.objects.bulk_update(changed, ["erdf"])


def save_plan(grant: Grant, *, by, planned: list) -> list[PlannedClaim]:
    """Replace the grant's plan of coming claims (each checked by `PlannedInput`): expected
    from today to a year after the eligible period ends (a date already planned that has
    passed may stay, so an old row never blocks the plan); each expects its amount × the grant's
    rate in ERDF, never more than the grant has left (`money.expected_erdf`)."""
    permissions.require(by, "claim.edit", grant)
    parsed = _parse(PlannedInput, planned, "planned")
    with transaction.atomic():
        grant = lock_open(grant.pk)
        today = timezone.localdate()
        version = in_force(grant, today)
        if version is None:
            raise Refused(_("%(grant)s has no approved conditions in force yet.") % {
                "grant": grant})  # fmt: skip
        last = version.eligible_until + PLAN_REACH
        kept = {p.expected_on for p in grant.planned_claims.all()}  # a date passed may stay
        errors: dict[str, list[str]] = {}
        for n, row in enumerate(parsed):
            if row.expected_on > last or (row.expected_on < today and row.expected_on not in kept):
                errors[f"planned[{n}].expected_on"] = [
                    str(_("from today to %(last)s (a year after the eligible period)"))
                    % {"last": last.isoformat()}
                ]
        if errors:
            raise Invalid(errors)
        erdf = _expected(grant, version, today, [(row.expected_on, row.amount) for row in parsed])
        before = [(str(p.expected_on), str(p.amount)) for p in grant.planned_claims.all()]
        grant.planned_claims.all().delete()
        rows = PlannedClaim.objects.bulk_create(
            PlannedClaim(grant=grant, expected_on=row.expected_on, amount=row.amount, erdf=e)
            for row, e in zip(parsed, erdf, strict=True)
        )
        audit.record(
            "monitoring.claim.plan_saved", grant, by=by, before={"planned": before},
            after={"planned": [(str(r.expected_on), str(r.amount), str(r.erdf)) for r in rows]},
            city=_city(grant),
        )  # fmt: skip
    return sorted(rows, key=lambda r: r.expected_on)


# --- the managing authority: verification and payment ----------------------------------------


def draw_sample(claim: Claim, *, by, size: int, seed: int | None = None) -> list[int]:
    """Draw `size` lines of a submitted claim for on-the-spot checks (`money.sample`); the
    method and seed are kept on the claim. A new draw replaces the one before."""
    permissions.require(by, "claim.verify", claim)
    if not isinstance(size, int) or size < 1:
        raise Invalid.one("size", _("at least one line"))
    if seed is not None and not (isinstance(seed, int) and 0 <= seed < 2**63):
        raise Invalid.one("seed", _("a whole number from 0"))
    seed = secrets.randbelow(2**63) if seed is None else seed
    with transaction.atomic():
        claim = _locked(claim)[1]
        _in_state(claim, C.SUBMITTED)
        amounts = {str(line.position): line.declared for line in claim.lines.all()}
        drawn = [int(p) for p in money.sample(amounts, size, seed)]
        claim.lines.update(on_the_spot=False)
        claim.lines.filter(position__in=drawn).update(on_the_spot=True)
        claim.sample_method, claim.sample_seed = money.SAMPLING, seed
        claim.save(update_fields=["sample_method", "sample_seed"])
        audit.record(
            "monitoring.claim.sampled", claim, by=by,
            after={"method": money.SAMPLING, "seed": seed, "size": size, "lines": drawn},
            city=_city(claim),
        )  # fmt: skip
    return sorted(drawn)


def verify_claim(claim: Claim, *, by, verdicts: list) -> Claim:
    """The verdict on every line (`VerdictInput`); the ERDF payable is computed from what was
    kept, at the rate of the version the claim was checked against, capped by what the grant
    has left after the claims verified before. Never by the person who submitted it."""
    permissions.require(by, "claim.verify", claim)
    parsed = _parse(VerdictInput, verdicts, "verdicts")
    with transaction.atomic():
        grant, claim = _locked(claim)
        _in_state(claim, C.SUBMITTED)
        if claim.submitted_by_id == by.pk:
            raise Refused(
                _("You submitted %(claim)s: someone else verifies it.") % {"claim": claim}
            )
        lines = rule_lines(claim)
        given = {str(v.line): money.Verdict(v.outcome, v.amount, v.reason) for v in parsed}
        unknown = sorted(set(given) - {line.id for line in lines}, key=int)
        if unknown:
            raise Invalid.one("verdicts", _("no line %(lines)s in this claim") % {
                "lines": ", ".join(unknown)})  # fmt: skip
        try:
            kept = money.accepted(lines, given)
        except money.Refused as exc:
            raise _refused(exc) from None
        result = money.payable(conditions(claim.version), lines, kept, given_away(grant))
        for line in claim.lines.all():
            verdict = given[str(line.position)]
            line.outcome, line.kept, line.reason = (
                verdict.outcome,
                kept[str(line.position)],
                verdict.reason,
            )
            line.save(update_fields=["outcome", "kept", "reason"])
        claim.accepted = sum(kept.values(), ZERO)
        claim.erdf_payable = result.total
        claim.payable_per_category = _within_total(result)
        claim.capped = result.capped
        claim.state, claim.verified_by, claim.verified_at = C.VERIFIED, by, timezone.now()
        claim.save(update_fields=["accepted", "erdf_payable", "payable_per_category", "capped",
                                  "state", "verified_by", "verified_at"])  # fmt: skip
        audit.record(
            "monitoring.claim.verified", claim, by=by, before={"state": C.SUBMITTED},
            after={"state": C.VERIFIED, "accepted": claim.accepted,
                   "erdf_payable": claim.erdf_payable, "capped": result.capped,
                   "verdicts": {k: v.outcome for k, v in given.items()}},
            reason="; ".join(f"{k}: {v.reason}" for k, v in given.items() if v.reason),
            city=_city(claim),
        )  # fmt: skip
        replan(grant)
    return claim


def _within_total(result: money.Payable) -> dict[str, str]:
    """The ERDF per category, lowered (from the last category back) where the cap of the grant
    in total bit, so that the categories add up to the total paid."""
    per = dict(result.per_category)
    over = sum(per.values(), ZERO) - result.total
    for category in sorted(per, reverse=True):
        cut = min(over, per[category])
        per[category] -= cut
        over -= cut
    return {c: f"{a:.2f}" for c, a in per.items()}


def pay_claim(claim: Claim, *, by, paid_on: datetime.date) -> Payment:
    """Record the payment of a verified claim: once, by a second person (never the verifier),
    and never above the grant in force on the payment's date, in total or per category."""
    permissions.require(by, "claim.pay", claim)
    if not isinstance(paid_on, datetime.date):
        raise Invalid.one("paid_on", _("a date is expected"))
    with transaction.atomic():
        grant, claim = _locked(claim)
        _in_state(claim, C.VERIFIED)
        if claim.verified_by_id == by.pk:
            raise Refused(_("You verified %(claim)s: a second person records its payment.") % {
                "claim": claim})  # fmt: skip
        if paid_on < claim.verified_at.date():
            raise Invalid.one("paid_on", _("must not be before the verification"))
        version = in_force(grant, paid_on) or claim.version
        rules = conditions(version)
        paid = given_away(grant, besides=claim)
        per = {c: Decimal(a) for c, a in claim.payable_per_category.items()}
        over = [c for c, a in per.items() if paid.get(c, ZERO) + a > rules.cap(c)]
        if sum(paid.values(), ZERO) + claim.erdf_payable > rules.erdf:
            over.append("(total)")
        if over:
            raise Refused(
                _("Paying %(claim)s would go above the grant (%(where)s): verify it again.")
                % {"claim": claim, "where": ", ".join(over)}
            )
        payment = Payment.objects.create(
            claim=claim, grant=grant, amount=claim.erdf_payable,
            per_category=claim.payable_per_category, paid_on=paid_on, recorded_by=by,
        )  # fmt: skip
        claim.state = C.PAID
        claim.save(update_fields=["state"])
        audit.record(
            "monitoring.claim.paid", claim, by=by, before={"state": C.VERIFIED},
            after={"state": C.PAID, "amount": payment.amount, "paid_on": paid_on},
            city=_city(claim),
        )  # fmt: skip
    return payment


# --- payment applications to the Commission --------------------------------------------------


def _year_span(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 7, 1), datetime.date(year + 1, 6, 30)


def prepare_payment_application(*, by, city, priority, accounting_year: int) -> PaymentApplication:
    """Group the claims of a city and priority verified in an accounting year, and not yet in
    an application, into a new payment application (a draft)."""
    permissions.require(by, "payment_application.prepare", city=city)
    if not isinstance(accounting_year, int) or not 2021 <= accounting_year <= 2030:
        raise Invalid.one("accounting_year", _("a year from 2021 to 2030"))
    start, end = _year_span(accounting_year)
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update(of=("self",))
            .filter(state__in=SHARED, payment_application=None,
                    grant__proposal__city=city,
                    grant__proposal__specific_objective__priority=priority,
                    verified_at__date__gte=start, verified_at__date__lte=end)
        )  # fmt: skip
        if not claims:
            raise Refused(_("No verified expenditure of %(city)s, %(priority)s in "
                            "%(year)s-%(next)s waits for a payment application.")
                          % {"city": city.name, "priority": priority.code, "year": accounting_year,
                             "next": accounting_year + 1})  # fmt: skip
        number = (
            PaymentApplication.objects.filter(
                city=city, priority=priority, accounting_year=accounting_year
            ).aggregate(n=Max("number"))["n"] or 0
        ) + 1  # fmt: skip
        application = PaymentApplication.objects.create(
            city=city, priority=priority, accounting_year=accounting_year, number=number,
            eligible=sum((c.accepted for c in claims), ZERO),
            erdf=sum((c.erdf_payable for c in claims), ZERO), prepared_by=by,
        )  # fmt: skip
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(payment_application=application)
        audit.record(
            "monitoring.payment_application.prepared", application, by=by,
            after={"claims": [str(c) for c in claims], "eligible": application.eligible,
                   "erdf": application.erdf},
            city=city.code,
        )  # fmt: skip
    return application


def submit_payment_application(
    application: PaymentApplication, *, by, submitted_on: datetime.date
) -> PaymentApplication:
    """A second person of the managing authority submits a prepared application."""
    permissions.require(by, "payment_application.submit", application)
    with transaction.atomic():
        application = PaymentApplication.objects.select_for_update().get(pk=application.pk)
        if application.state != PaymentApplication.State.DRAFT:
            raise Refused(_("%(application)s is already submitted.") % {
                "application": application})  # fmt: skip
        if application.prepared_by_id == by.pk:
            raise Refused(_("You prepared %(application)s: a second person submits it.") % {
                "application": application})  # fmt: skip
        application.state = PaymentApplication.State.SUBMITTED
        application.submitted_by, application.submitted_on = by, submitted_on
        application.save(update_fields=["state", "submitted_by", "submitted_on"])
        audit.record(
            "monitoring.payment_application.submitted", application, by=by,
            before={"state": "draft"}, after={"state": "submitted", "submitted_on": submitted_on},
            city=application.city.code,
        )  # fmt: skip
    return application
