"""Pre-registrations (*vooraanmelding*) over the API: the same services as the pages.

A refused role answers 403, a pre-registration or call outside the caller's view 404, refused
input 422 with messages per field, a step the state or the calendar does not allow 409.
"""

import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from gti.api.auth import TokenAuth
from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import CHANGE, READ, Input
from gti.proposals import queries, services
from gti.proposals.models import PreRegistration, PreRegistrationFeedback
from gti.proposals.services.preregistration import PreRegistrationInput

router = Router(tags=["pre-registrations"], auth=TokenAuth())


class FeedbackIn(Input):
    advice: str  # go | adjust | no_fit
    remarks: str


class FeedbackOut(Schema):
    role: str
    advice: str
    remarks: str
    given_by: str
    given_at: datetime.datetime


class PreRegistrationOut(Schema):
    reference: str
    call: str
    city: str
    state: str
    promoter: str
    partners: str
    title: str
    idea: str
    theme: str
    specific_objective: str
    total_cost: Decimal
    erdf_requested: Decimal
    advice: str
    proposal: str | None
    submitted_at: datetime.datetime
    feedback: list[FeedbackOut]


class OpenedProposal(Schema):
    reference: str
    call: str
    city: str
    state: str
    title: str
    theme: str | None
    specific_objective: str | None


def _with_details(preregistrations):
    return preregistrations.select_related(
        "call", "city", "theme", "specific_objective", "proposal"
    ).prefetch_related(
        Prefetch("feedback", PreRegistrationFeedback.objects.select_related("given_by"))
    )


def _out(prereg: PreRegistration) -> dict:
    """The pre-registration as it is now in the database (after a change)."""
    return _prereg_out(_with_details(PreRegistration.objects.filter(pk=prereg.pk)).get())


def _prereg_out(prereg: PreRegistration) -> dict:
    return {
        "reference": prereg.reference,
        "call": prereg.call.reference,
        "city": prereg.city.code,
        "state": prereg.state,
        "promoter": prereg.promoter,
        "partners": prereg.partners,
        "title": prereg.title,
        "idea": prereg.idea,
        "theme": prereg.theme.code,
        "specific_objective": prereg.specific_objective.code,
        "total_cost": prereg.total_cost,
        "erdf_requested": prereg.erdf_requested,
        "advice": prereg.advice,
        "proposal": prereg.proposal.reference if prereg.proposal_id else None,
        "submitted_at": prereg.submitted_at,
        "feedback": [
            {
                "role": f.role,
                "advice": f.advice,
                "remarks": f.remarks,
                "given_by": f.given_by.get_username(),
                "given_at": f.given_at,
            }
            for f in prereg.feedback.all()
        ],
    }


def _prereg(request, reference) -> PreRegistration:
    return get_object_or_404(PreRegistration.objects.visible_to(request.user), reference=reference)


@router.post(
    "/calls/{reference}/preregistrations",
    response={201: PreRegistrationOut, **CHANGE},
    summary="Send a pre-registration (applicant, while it is open)",
)
def create_preregistration(request, reference: str, payload: PreRegistrationInput):
    call = get_object_or_404(queries.calls_visible_to(request.user), reference=reference)
    prereg = services.preregister(call, payload.model_dump(), by=request.user)
    return Status(201, _out(prereg))


@router.get(
    "/preregistrations",
    response=listing(PreRegistrationOut, READ),
    summary="Pre-registrations the caller may see",
)
@paged
def list_preregistrations(request):
    preregistrations = PreRegistration.objects.visible_to(request.user).order_by(
        "-submitted_at", "reference"
    )
    return Rows(_with_details(preregistrations), _prereg_out)


@router.get(
    "/preregistrations/{reference}",
    response={200: PreRegistrationOut, **READ},
    summary="One pre-registration",
)
def get_preregistration(request, reference: str):
    return _out(_prereg(request, reference))


@router.post(
    "/preregistrations/{reference}/feedback",
    response={201: PreRegistrationOut, **CHANGE},
    summary="Give advice (managing authority, city secretariat)",
)
def give_feedback(request, reference: str, payload: FeedbackIn):
    prereg = services.give_feedback(
        _prereg(request, reference), by=request.user, **payload.model_dump()
    )
    return Status(201, _out(prereg))


@router.post(
    "/preregistrations/{reference}/proposal",
    response={201: OpenedProposal, **CHANGE},
    summary="Open the full proposal from an advised pre-registration (its applicant)",
)
def open_proposal(request, reference: str):
    proposal = services.open_proposal(_prereg(request, reference), by=request.user)
    return Status(
        201,
        {
            "reference": proposal.reference,
            "call": proposal.call.reference,
            "city": proposal.city.code,
            "state": proposal.state,
            "title": proposal.title,
            "theme": proposal.theme.code if proposal.theme_id else None,
            "specific_objective": (
                proposal.specific_objective.code if proposal.specific_objective_id else None
            ),
        },
    )
