"""Proposals (projectfiches): saving drafts and the applicant's transitions."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.documents.services import missing_annexes
from gti.errors import Invalid, Refused, refuse_state
from gti.proposals import procedure, rules
from gti.proposals.inputs import ProposalInput, parse
from gti.proposals.models import (
    BudgetLine,
    Call,
    CoFinancing,
    IndicatorTarget,
    Partner,
    PrincipleJustification,
    Proposal,
)
from gti.proposals.services.calls import is_open
from gti.strategy.models import (
    Area,
    City,
    Indicator,
    PolicyReference,
    SpecificObjective,
    Strategy,
)

S = Proposal.State


def strategy_in_force(city: City, programme) -> Strategy:
    """The city's strategy version in force under `programme`."""
    strategy = Strategy.objects.current().filter(city=city, programme=programme).first()
    if strategy is None:
        raise Invalid.one("city", _("no strategy is loaded for this city"))
    return strategy


def context_for(call: Call, strategy: Strategy) -> rules.Context:
    """What the rules need to know, read from the proposal's strategy version and its call."""
    programme = strategy.programme
    objectives = SpecificObjective.objects.filter(priority__programme=programme).prefetch_related(
        "indicators"
    )
    return rules.Context(
        max_rate=programme.max_eu_cofinancing_rate,
        eligible_from=programme.eligibility_start,
        eligible_until=programme.eligibility_end,
        admitted_themes=frozenset(
            call.themes.filter(strategy=strategy).values_list("code", flat=True)
        ),
        theme_objectives={
            t.code: frozenset(so.code for so in t.specific_objectives.all())
            for t in strategy.themes.prefetch_related("specific_objectives")
        },
        objective_indicators={
            so.code: frozenset(i.code for i in so.indicators.all()) for so in objectives
        },
        areas=frozenset(strategy.areas.values_list("code", flat=True)),
        principles=dict(strategy.principles.values_list("code", "mandatory")),
        policy_references=frozenset(strategy.policy_references.values_list("code", flat=True)),
        whole_city_allowed=bool(strategy.source.get("whole_city_allowed")),
        admitted_city_roles=frozenset(strategy.source.get("admitted_city_roles") or ()),
        # Territorial indicators (RCO74, RCO75 …) are reported once for the strategy.
        strategy_level_indicators=frozenset(
            programme.indicators.filter(territorial=True).values_list("code", flat=True)
        ),
    )


def draft_of(data: ProposalInput) -> rules.Draft:
    return rules.Draft(
        promoter=data.promoter,
        city_role=data.city_role or "",
        title=data.title,
        theme=data.theme,
        specific_objective=data.specific_objective,
        areas=list(data.areas),
        start_date=data.start_date,
        end_date=data.end_date,
        erdf_requested=data.erdf_requested,
        erdf_rate=data.erdf_rate,
        research_infrastructure=data.research_infrastructure,
        state_aid=data.state_aid,
        whole_city=data.whole_city,
        urban_angle=data.urban_angle,
        additionality=data.additionality,
        partners=[
            rules.PartnerLine(
                name=p.name,
                country=p.country,
                enterprise_number=p.enterprise_number,
                legal_personality=p.legal_personality,
                share=p.share,
            )
            for p in data.partners
        ],
        budget_lines=[
            rules.Line(
                amount=line.amount,
                eligible=line.eligible,
                cost_option=line.cost_option,
                category=line.category,
                units=line.units,
                unit_rate=line.unit_rate,
                flat_rate=line.flat_rate,
                flat_rate_base=line.flat_rate_base,
            )
            for line in data.budget_lines
        ],
        co_financing=[c.amount for c in data.co_financing],
        indicators=[t.indicator for t in data.indicator_targets],
        justifications={k: v for k, v in data.justifications.items() if v},
        policy_references=list(data.policy_references),
    )


def stored_input(proposal: Proposal) -> ProposalInput:
    """A saved proposal back in input form: what submission and screening check."""
    return ProposalInput.model_validate(snapshot(proposal))


def snapshot(proposal: Proposal) -> dict:
    """Everything a person entered, as plain values: for the audit trail, exports and checks.
    Reads related rows with `.all()` only, so that lists read them with `queries.CONTENTS`."""
    return {
        "promoter": proposal.promoter,
        "contact_name": proposal.contact_name,
        "contact_email": proposal.contact_email or None,
        "contact_phone": proposal.contact_phone,
        "city_role": proposal.city_role or None,
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "theme": proposal.theme.code if proposal.theme_id else None,
        "specific_objective": (
            proposal.specific_objective.code if proposal.specific_objective_id else None
        ),
        "sdgs": list(proposal.sdgs),
        "areas": [a.code for a in sorted(proposal.areas.all(), key=lambda a: a.position)],
        "start_date": proposal.start_date,
        "end_date": proposal.end_date,
        "erdf_requested": proposal.erdf_requested,
        "erdf_rate": proposal.erdf_rate,
        "research_infrastructure": proposal.research_infrastructure,
        "state_aid": proposal.state_aid,
        "whole_city": proposal.whole_city,
        "urban_angle": proposal.urban_angle,
        "additionality": proposal.additionality,
        "partners": [
            {
                "name": p.name,
                "legal_form": p.legal_form,
                "country": p.country,
                "enterprise_number": p.enterprise_number,
                "legal_personality": p.legal_personality,
                "share": p.share,
            }
            for p in proposal.partners.all()
        ],
        "budget_lines": [
            {
                "category": b.category,
                "description": b.description,
                "amount": b.amount,
                "eligible": b.eligible,
                "cost_option": b.cost_option,
                "units": b.units,
                "unit_rate": b.unit_rate,
                "flat_rate": b.flat_rate,
                "flat_rate_base": b.flat_rate_base or None,
            }
            for b in proposal.budget_lines.all()
        ],
        "co_financing": [
            {"source": c.source, "amount": c.amount} for c in proposal.co_financing.all()
        ],
        "indicator_targets": [
            {"indicator": t.indicator.code, "baseline": t.baseline, "target": t.target}
            for t in proposal.indicator_targets.all()
        ],
        "justifications": {j.principle.code: j.text for j in proposal.justifications.all()},
        "policy_references": [
            r.code for r in sorted(proposal.policy_references.all(), key=lambda r: r.position)
        ],
    }


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    b, a = audit.plain(before), audit.plain(after)
    keys = [k for k in a if b.get(k) != a.get(k)]
    return {k: b.get(k) for k in keys}, {k: a[k] for k in keys}


def validate(call: Call, strategy: Strategy, data: dict, stage: rules.Stage) -> ProposalInput:
    """Parse and check; raise Invalid with every problem, by field."""
    parsed, errors = parse(data)
    if errors:
        raise Invalid(errors)
    violations = rules.check(draft_of(parsed), context_for(call, strategy), stage)
    if violations:
        found: dict[str, list[str]] = {}
        for v in violations:
            found.setdefault(v.field, []).append(v.message)
        raise Invalid(found)
    return parsed


def _write(proposal: Proposal, data: ProposalInput) -> None:
    strategy = proposal.strategy
    for name in (
        "promoter",
        "contact_name",
        "contact_phone",
        "title",
        "summary",
        "description",
        "start_date",
        "end_date",
        "erdf_requested",
        "erdf_rate",
        "research_infrastructure",
        "state_aid",
        "whole_city",
        "urban_angle",
        "additionality",
    ):
        setattr(proposal, name, getattr(data, name))
    proposal.sdgs = sorted(data.sdgs)
    proposal.contact_email = data.contact_email or ""
    proposal.city_role = data.city_role or ""
    proposal.theme = strategy.themes.filter(code=data.theme).first() if data.theme else None
    proposal.specific_objective = (
        SpecificObjective.objects.filter(
            priority__programme=strategy.programme, code=data.specific_objective
        ).first()
        if data.specific_objective
        else None
    )
    proposal.save()
    proposal.areas.set(Area.objects.filter(strategy=strategy, code__in=data.areas))
    proposal.policy_references.set(
        PolicyReference.objects.filter(strategy=strategy, code__in=data.policy_references)
    )
    proposal.partners.all().delete()
    Partner.objects.bulk_create(
        Partner(
            proposal=proposal,
            position=i,
            **{
                **p.model_dump(),
                "enterprise_number": rules.enterprise_number(p.enterprise_number)
                or p.enterprise_number,
            },
        )
        for i, p in enumerate(data.partners)
    )
    # A unit-cost or flat-rate line stores its computed amount.
    amounts = rules.computed_amounts(draft_of(data).budget_lines)
    proposal.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(
            proposal=proposal,
            **{
                **line.model_dump(),
                "amount": amount,
                "flat_rate_base": line.flat_rate_base or "",
            },
        )
        for line, amount in zip(data.budget_lines, amounts, strict=True)
    )
    proposal.co_financing.all().delete()
    CoFinancing.objects.bulk_create(
        CoFinancing(proposal=proposal, **c.model_dump()) for c in data.co_financing
    )
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(
            programme=strategy.programme, code__in=[t.indicator for t in data.indicator_targets]
        )
    }
    proposal.indicator_targets.all().delete()
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(
            proposal=proposal,
            indicator=indicators[t.indicator],
            baseline=t.baseline,
            target=t.target,
        )
        for t in data.indicator_targets
    )
    principles = {p.code: p for p in strategy.principles.all()}
    proposal.justifications.all().delete()
    PrincipleJustification.objects.bulk_create(
        PrincipleJustification(proposal=proposal, principle=principles[code], text=text)
        for code, text in data.justifications.items()
        if text
    )


def _next_reference(call: Call) -> str:
    prefix = f"{call.reference}-"
    return f"{prefix}{Proposal.objects.filter(call=call).count() + 1:03d}"


def _city_of_new_proposal(call: Call, by, city, preregistration) -> City:
    """A two-step call opens full proposals only from the applicant's advised pre-registration;
    otherwise the proposal is for the call's city, or for the city chosen among the call's."""
    if call.rules.pre_registration:
        if preregistration is None:
            raise Refused(
                _("This call has two steps: open the proposal from your pre-registration.")
            )
        if (
            preregistration.call_id != call.pk
            or preregistration.applicant_id != by.pk
            or preregistration.proposal_id is not None
        ):
            raise Refused(_("This pre-registration cannot open a proposal."))
        if not preregistration.advice:
            raise Refused(_("Wait for the advice on your pre-registration."))
        return preregistration.city
    if city is None and call.city_id:
        return call.city
    if city is None or city.pk not in {c.pk for c in call.cities}:
        raise Invalid.one("city", _("choose one of the call's cities"))
    return city


# Who edits a proposal in which state: the applicant their draft; the secretariat corrects a
# proposal under screening (with a reason, kept in the audit trail).
EDITING = {
    S.DRAFT: "proposal.edit",
    S.SUBMITTED: "proposal.screen",
    S.IN_SCREENING: "proposal.screen",
}


def edit_mode(proposal: Proposal, user) -> str | None:
    """ "edit" (the applicant's draft), "correct" (the secretariat, with a reason) or None."""
    permission = EDITING.get(proposal.state)
    if permission is None or not permissions.can(user, permission, proposal):
        return None
    return "edit" if proposal.state == S.DRAFT else "correct"


def save_proposal(
    call: Call,
    data: dict,
    *,
    by,
    proposal: Proposal | None = None,
    reason: str = "",
    city: City | None = None,
    preregistration=None,
) -> Proposal:
    """Create or update a draft. Bad input raises Invalid and changes nothing.

    The applicant edits their own draft; the secretariat may correct a proposal under screening,
    with a reason, and the audit trail keeps what it was before.
    """
    if proposal is None:
        permissions.require(by, "proposal.create", call)
        if not is_open(call):
            raise Refused(_("The call %(call)s is not open.") % {"call": call})
        city = _city_of_new_proposal(call, by, city, preregistration)
        strategy = strategy_in_force(city, call.programme)
    elif proposal.state not in EDITING:
        raise refuse_state(proposal, _("editing"))
    else:
        permissions.require(by, EDITING[proposal.state], proposal)
        if proposal.state != S.DRAFT and not reason.strip():
            raise Invalid.one("reason", _("say why a submitted proposal is changed"))
        strategy = proposal.strategy
    parsed = validate(call, strategy, data, rules.Stage.SAVE)
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(
                call=call, city=city, strategy=strategy, applicant=by, state=S.DRAFT
            )
            before = {}
            for attempt in range(5):
                proposal.reference = _next_reference(call)
                try:
                    with transaction.atomic():
                        _write(proposal, parsed)
                    break
                except IntegrityError:
                    if attempt == 4:
                        raise
            action = "proposals.proposal.created"
        else:
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if locked.state != proposal.state:  # it moved since the role was checked for it
                raise refuse_state(locked, _("editing"))
            proposal = locked
            before = snapshot(proposal)
            _write(proposal, parsed)
            action = "proposals.proposal.updated"
        if preregistration is not None:
            preregistration.proposal = proposal
            preregistration.save(update_fields=["proposal"])
        old, new = _changes(before, snapshot(Proposal.objects.get(pk=proposal.pk)))
        audit.record(
            action, proposal, by=by, before=old, after=new, reason=reason, city=proposal.city.code
        )
    return proposal


def transition(
    proposal: Proposal,
    *,
    by,
    permission: str | None,
    action: str,
    reason: str = "",
    extra_after: dict | None = None,
    update=None,
) -> Proposal:
    """The one way a proposal changes state: role, the move from the procedure's table of states
    and moves (`procedure.moves`), the change and its audit event, in one transaction. The state
    is read again under the row lock. `permission` None: a consequence of an action whose
    caller already checked the role (e.g. a declaration that completes the assessment)."""
    if permission is not None:
        permissions.require(by, permission, proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        allowed_from, to = procedure.moves(proposal.call.rules)[action]
        if proposal.state not in allowed_from:
            raise refuse_state(proposal, action)
        before = proposal.state
        proposal.state = to
        fields = ["state", "updated_at"]
        if update:
            fields += update(proposal)
        proposal.save(update_fields=fields)
        audit.record(
            f"proposals.proposal.{action}",
            proposal,
            by=by,
            before={"state": before},
            after={"state": to, **(extra_after or {})},
            reason=reason,
            city=proposal.city.code,
        )
    return proposal


def content_hash(proposal: Proposal) -> str:
    """SHA-256 of everything the applicant entered (`snapshot`, as canonical JSON)."""
    content = json.dumps(audit.plain(snapshot(proposal)), sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(content.encode()).hexdigest()


def submit_proposal(proposal: Proposal, *, by) -> Proposal:
    """Draft → submitted while the call is open and the proposal complete. A proposal that was
    submitted in time and returned for correction may be submitted again after the closing.
    The proposal moves to the city's strategy version in force and is checked against it."""
    proposal = Proposal.objects.select_related("call", "city").get(pk=proposal.pk)
    permissions.require(by, "proposal.submit", proposal)
    if not is_open(proposal.call) and proposal.submitted_at is None:
        raise Refused(_("The call %(call)s is not open.") % {"call": proposal.call})
    current = strategy_in_force(proposal.city, proposal.call.programme)
    parsed = validate(proposal.call, current, snapshot(proposal), rules.Stage.SUBMIT)
    missing = missing_annexes(proposal)
    if missing:
        raise Invalid({"annexes": [str(_("required annex missing: %(kind)s") % {"kind": kind})
                                   for kind in missing]})  # fmt: skip

    def stamp(p):
        p.submitted_at = timezone.now()
        if p.strategy_id != current.pk:
            p.strategy = current
            _write(p, parsed)
        return ["submitted_at", "strategy"]

    # The fingerprint of what was submitted, kept in the audit event and sent in the receipt.
    return transition(
        proposal, by=by, permission="proposal.submit", action="submitted", update=stamp,
        extra_after={"content_hash": content_hash(proposal)},
    )  # fmt: skip


def return_for_correction(proposal: Proposal, *, by, reason: str) -> Proposal:
    """Back to the applicant as a draft, with the reason of the one checking admissibility."""
    if not reason.strip():
        raise Invalid.one("reason", _("say what must be corrected"))
    days = proposal.call.rules.correction_days
    resubmit_by = timezone.localdate() + datetime.timedelta(days=days)
    return transition(
        proposal, by=by, permission="proposal.return", action="returned", reason=reason,
        extra_after={"resubmit_by": resubmit_by.isoformat()},
    )  # fmt: skip
