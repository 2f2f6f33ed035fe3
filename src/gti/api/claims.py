"""Expenditure claims, their verification and payment, and payment applications over the API:
the services of `monitoring/claims.py`. A claim or grant outside the caller's view answers 404."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from gti.accounts import permissions
from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.errors import Invalid
from gti.monitoring import claims, lookups
from gti.monitoring.models import Claim, Grant, PaymentApplication
from gti.strategy.models import City, Priority

router = Router(tags=["claims"], auth=TokenAuth())


class LineOut(Schema):
    position: int
    category: str
    partner: str
    invoice: str
    date: datetime.date
    description: str
    cost_option: str
    amount: Decimal
    units: Decimal | None
    unit_rate: Decimal | None
    delivered: bool
    flat_rate: Decimal | None
    flat_rate_base: str
    declared: Decimal | None
    on_the_spot: bool
    outcome: str
    kept: Decimal | None
    reason: str


class ClaimOut(Schema):
    id: int
    grant: str
    number: int
    state: str
    submitted_on: datetime.date | None
    version: int | None
    declared: Decimal | None
    sample_method: str
    sample_seed: int | None
    accepted: Decimal | None
    erdf_payable: Decimal | None
    payable_per_category: dict[str, Decimal]
    capped: list[str]
    paid: Decimal | None
    paid_on: datetime.date | None
    lines: list[LineOut]


class LinesIn(Input):
    lines: list[claims.LineInput]


class SampleIn(Input):
    size: Annotated[int, Field(ge=1, le=1000)]
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None


class SampleOut(Schema):
    method: str
    seed: int
    lines: list[int]


class VerificationIn(Input):
    verdicts: list[claims.VerdictInput]


class PaymentIn(Input):
    paid_on: datetime.date


class ApplicationIn(Input):
    city: str
    priority: str
    accounting_year: Annotated[int, Field(ge=2021, le=2030)]


class SubmitApplicationIn(Input):
    submitted_on: datetime.date


class ApplicationOut(Schema):
    id: int
    city: str
    priority: str
    accounting_year: int
    number: int
    state: str
    eligible: Decimal
    erdf: Decimal
    submitted_on: datetime.date | None
    claims: list[str]


LINE_FIELDS = list(LineOut.model_fields)


def _claim_out(claim: Claim) -> dict:
    payment = getattr(claim, "payment", None)
    return {
        "id": claim.pk, "grant": claim.grant.proposal.reference, "number": claim.number,
        "state": claim.state, "submitted_on": claim.submitted_on,
        "version": claim.version.number if claim.version_id else None,
        "declared": claim.declared, "sample_method": claim.sample_method,
        "sample_seed": claim.sample_seed, "accepted": claim.accepted,
        "erdf_payable": claim.erdf_payable, "payable_per_category": claim.payable_per_category,
        "capped": claim.capped, "paid": payment.amount if payment else None,
        "paid_on": payment.paid_on if payment else None,
        "lines": [{f: getattr(line, f) for f in LINE_FIELDS} for line in claim.lines.all()],
    }  # fmt: skip


def _loaded():
    return Claim.objects.select_related("grant__proposal", "version", "payment").prefetch_related(
        "lines"
    )


def _claims(user):
    return _loaded().visible_to(user)


def _grant(request, reference) -> Grant:
    return lookups.grant_for(request.user, reference)


def _claim(request, pk) -> Claim:
    return lookups.claim_for(request.user, pk, _loaded())


def _fresh(claim: Claim) -> dict:
    """The claim as it is now (the caller's view of it was checked before the change)."""
    return _claim_out(_loaded().get(pk=claim.pk))


@router.get("/grants/{reference}/claims", response=listing(ClaimOut, READ), summary="Claims")
@paged
def list_claims(request, reference: str):
    grant = _grant(request, reference)
    return Rows(_claims(request.user).filter(grant=grant).order_by("number"), _claim_out)


@router.post(
    "/grants/{reference}/claims",
    response={201: ClaimOut, **CHANGE},
    summary="Start a draft claim (the beneficiary)",
)
def start_claim(request, reference: str):
    claim = claims.start_claim(_grant(request, reference), by=request.user)
    return Status(201, _fresh(claim))


class PlannedClaimOut(Schema):
    expected_on: datetime.date
    amount: Decimal
    erdf: Decimal  # the ERDF expected: amount × rate, capped by what the grant has left


class PlanOut(Schema):
    grant: str
    planned: list[PlannedClaimOut]


class PlanIn(Input):
    planned: list[claims.PlannedInput]


def _plan_out(grant: Grant) -> dict:
    return {"grant": grant.proposal.reference, "planned": [
        {"expected_on": p.expected_on, "amount": p.amount, "erdf": p.erdf}
        for p in grant.planned_claims.all()
    ]}  # fmt: skip


@router.get(
    "/grants/{reference}/planned-claims",
    response={200: PlanOut, **READ},
    summary="The claims the beneficiary plans",
)
def get_plan(request, reference: str):
    return _plan_out(_grant(request, reference))


@router.put(
    "/grants/{reference}/planned-claims",
    response={200: PlanOut, **CHANGE},
    summary="Replace the plan of coming claims, all at once (the beneficiary)",
)
def put_plan(request, reference: str, payload: PlanIn):
    grant = _grant(request, reference)
    claims.save_plan(grant, by=request.user, planned=[p.model_dump() for p in payload.planned])
    return _plan_out(grant)


@router.get("/claims/{pk}", response={200: ClaimOut, **READ}, summary="One claim")
def get_claim(request, pk: int):
    return _claim_out(_claim(request, pk))


@router.put(
    "/claims/{pk}/lines",
    response={200: ClaimOut, **CHANGE},
    summary="Declare the lines of a draft claim, all at once (the beneficiary)",
)
def put_lines(request, pk: int, payload: LinesIn):
    claim = claims.save_lines(
        _claim(request, pk), by=request.user, lines=[line.model_dump() for line in payload.lines]
    )
    return _fresh(claim)


@router.post(
    "/claims/{pk}/submit",
    response={200: ClaimOut, **CHANGE},
    summary="Submit a draft claim, checked against the grant in force today (the beneficiary)",
)
def submit_claim(request, pk: int):
    return _fresh(claims.submit_claim(_claim(request, pk), by=request.user))


@router.post(
    "/claims/{pk}/sample",
    response={200: SampleOut, **CHANGE},
    summary="Draw lines for on-the-spot checks; method and seed are recorded",
)
def draw_sample(request, pk: int, payload: SampleIn):
    claim = _claim(request, pk)
    drawn = claims.draw_sample(claim, by=request.user, size=payload.size, seed=payload.seed)
    claim.refresh_from_db()
    return {"method": claim.sample_method, "seed": claim.sample_seed, "lines": drawn}


@router.post(
    "/claims/{pk}/verification",
    response={200: ClaimOut, **CHANGE},
    summary="Verify every line: accept, reduce or reject with a reason (CPR art. 74)",
)
def verify_claim(request, pk: int, payload: VerificationIn):
    verdicts = [v.model_dump() for v in payload.verdicts]
    return _fresh(claims.verify_claim(_claim(request, pk), by=request.user, verdicts=verdicts))


@router.post(
    "/claims/{pk}/payment",
    response={200: ClaimOut, **CHANGE},
    summary="Record the payment of a verified claim (a second person, never the verifier)",
)
def pay_claim(request, pk: int, payload: PaymentIn):
    claim = _claim(request, pk)
    claims.pay_claim(claim, by=request.user, paid_on=payload.paid_on)
    return _fresh(claim)


def _application_out(a: PaymentApplication) -> dict:
    return {
        "id": a.pk, "city": a.city.code, "priority": a.priority.code,
        "accounting_year": a.accounting_year, "number": a.number, "state": a.state,
        "eligible": a.eligible, "erdf": a.erdf, "submitted_on": a.submitted_on,
        "claims": [str(c) for c in a.claims.all()],
    }  # fmt: skip


def _applications(user):
    """Payment applications are the programme's: the managing authority and auditors see all."""
    permissions.require(user, "payment_application.view")
    return PaymentApplication.objects.select_related("city", "priority").prefetch_related(
        "claims__grant__proposal"
    )


@router.get(
    "/payment-applications",
    response=listing(ApplicationOut, READ),
    summary="Payment applications to the Commission (the managing authority and auditors)",
)
@paged
def list_applications(request):
    return Rows(_applications(request.user), _application_out)


@router.post(
    "/payment-applications",
    response={201: ApplicationOut, **CHANGE},
    summary="Group the verified claims of a city, priority and accounting year (1 July - 30 June)",
)
def prepare_application(request, payload: ApplicationIn):
    city = City.objects.filter(code=payload.city).first()
    if city is None:
        raise Invalid.one("city", _("no such city"))
    priority = Priority.objects.filter(code=payload.priority, programme__is_current=True).first()
    if priority is None:
        raise Invalid.one("priority", _("no such priority"))
    application = claims.prepare_payment_application(
        by=request.user, city=city, priority=priority, accounting_year=payload.accounting_year
    )
    return Status(201, _application_out(application))


@router.post(
    "/payment-applications/{pk}/submit",
    response={200: ApplicationOut, **CHANGE},
    summary="Submit a prepared payment application (a second person)",
)
def submit_application(request, pk: int, payload: SubmitApplicationIn):
    application = get_object_or_404(_applications(request.user), pk=pk)
    claims.submit_payment_application(
        application, by=request.user, submitted_on=payload.submitted_on
    )
    return _application_out(get_object_or_404(_applications(request.user), pk=pk))
