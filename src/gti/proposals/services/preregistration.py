"""Pre-registration (*vooraanmelding*): the first step of a two-step call. The applicant sends a
short form; the managing authority and the city's secretariat give advice (go, adjust, does not
fit) with remarks; the full proposal is then opened from it with its data carried over."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.proposals.inputs import messages
from gti.proposals.models import Call, PreRegistration, PreRegistrationFeedback, Proposal
from gti.proposals.services.calls import preregistration_open
from gti.proposals.services.proposals import save_proposal, strategy_in_force
from gti.strategy.models import SpecificObjective

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class PreRegistrationInput(BaseModel):
    """The short form: the idea, who carries it, where it fits, what it would cost."""

    model_config = ConfigDict(extra="forbid")

    city: Short
    promoter: Short
    partners: Text = ""
    title: Short
    idea: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    theme: Short
    specific_objective: Short
    total_cost: Money
    erdf_requested: Money


def _parse(data: dict) -> PreRegistrationInput:
    try:
        return PreRegistrationInput.model_validate(data)
    except ValidationError as exc:
        raise Invalid(messages(exc)) from None


def preregister(call: Call, data: dict, *, by) -> PreRegistration:
    """Send a pre-registration while the call's first step is open."""
    permissions.require(by, "preregistration.create", call)
    if not preregistration_open(call):
        raise Refused(_("The pre-registration of %(call)s is not open.") % {"call": call})
    parsed = _parse(data)
    errors: dict[str, list[str]] = {}
    city = next((c for c in call.cities if c.code == parsed.city), None)
    if city is None:
        raise Invalid.one("city", _("choose one of the call's cities"))
    permissions.require(by, "preregistration.create", city=city)  # the applicant role is per city
    strategy = strategy_in_force(city, call.programme)
    theme = call.themes.filter(strategy=strategy, code=parsed.theme).first()
    if theme is None:
        errors["theme"] = [str(_("this call does not admit the theme"))]
    objective = SpecificObjective.objects.filter(
        priority__programme=call.programme, code=parsed.specific_objective
    ).first()
    if objective is None:
        errors["specific_objective"] = [str(_("unknown specific objective"))]
    elif theme is not None and not theme.specific_objectives.filter(pk=objective.pk).exists():
        errors["specific_objective"] = [str(_("not a specific objective of the chosen theme"))]
    if parsed.erdf_requested > parsed.total_cost * call.programme.max_eu_cofinancing_rate:
        errors["erdf_requested"] = [
            str(
                _("more than the programme's maximum rate of the total cost (%(pct)s%%)")
                % {"pct": (call.programme.max_eu_cofinancing_rate * 100).normalize()}
            )
        ]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        count = PreRegistration.objects.filter(call=call).count()
        prereg = PreRegistration.objects.create(
            call=call,
            city=city,
            reference=f"{call.reference}-V{count + 1:03d}",
            applicant=by,
            promoter=parsed.promoter,
            partners=parsed.partners,
            title=parsed.title,
            idea=parsed.idea,
            theme=theme,
            specific_objective=objective,
            total_cost=parsed.total_cost,
            erdf_requested=parsed.erdf_requested,
        )
        audit.record(
            "proposals.preregistration.submitted",
            prereg,
            by=by,
            after=parsed.model_dump(mode="json"),
            city=city.code,
        )
    return prereg


def give_feedback(prereg: PreRegistration, *, by, advice: str, remarks: str):
    """Advice by the managing authority or the city's secretariat. The managing authority's
    advice is the one the applicant goes on with; the city's is shown beside it."""
    permissions.require(by, "preregistration.advise", prereg)
    errors = {}
    if advice not in PreRegistration.Advice.values:
        errors["advice"] = [str(_("choose go, adjust or does not fit"))]
    if not remarks.strip():
        errors["remarks"] = [str(_("write your remarks for the applicant"))]
    if errors:
        raise Invalid(errors)
    held = permissions.roles(by, prereg.city)
    role = "managing_authority" if "managing_authority" in held else "secretariat"
    with transaction.atomic():
        prereg = PreRegistration.objects.select_for_update().get(pk=prereg.pk)
        if prereg.state == PreRegistration.State.WITHDRAWN or prereg.proposal_id:
            raise Refused(_("The pre-registration %(ref)s is closed.") % {"ref": prereg.reference})
        PreRegistrationFeedback.objects.create(
            preregistration=prereg, given_by=by, role=role, advice=advice, remarks=remarks.strip()
        )
        before = {"advice": prereg.advice, "state": prereg.state}
        if role == "managing_authority":
            prereg.advice = advice
            prereg.state = PreRegistration.State.ADVISED
            prereg.save(update_fields=["advice", "state"])
        audit.record(
            "proposals.preregistration.feedback",
            prereg,
            by=by,
            before=before,
            after={"advice": advice, "as": role},
            reason=remarks,
            city=prereg.city.code,
        )
    return prereg


def open_proposal(prereg: PreRegistration, *, by) -> Proposal:
    """The full proposal, opened from an advised pre-registration with its data carried over."""
    permissions.require(by, "preregistration.view", prereg)
    data = {
        "promoter": prereg.promoter,
        "title": prereg.title,
        "summary": prereg.idea[:5000],
        "theme": prereg.theme.code,
        "specific_objective": prereg.specific_objective.code,
    }
    return save_proposal(prereg.call, data, by=by, preregistration=prereg)
