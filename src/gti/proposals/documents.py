"""The documents a proposal's applicant receives: the decision setting out the conditions for
support of an approved operation (CPR art. 73(3)), the reasoned decision letter of a rejected or
reserve proposal, and the reasoned letter of an inadmissible one. Each states the complaint route
(CPR art. 69(7)).

Reads the proposal, its call and the confirmed decision round; writes nothing. `render_pdf` turns
the same page into a PDF with WeasyPrint (fonts from the system, nothing fetched).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.staticfiles import finders
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gti.proposals import procedure
from gti.proposals.models import Proposal, ScreeningCheck

S = Proposal.State
CENT = Decimal("0.01")

# Which document a proposal has in which state.
DECISION, REFUSAL, INADMISSIBLE = "decision", "refusal", "inadmissible"
KIND = {S.APPROVED: DECISION, S.REJECTED: REFUSAL, S.RESERVE: REFUSAL, S.INADMISSIBLE: INADMISSIBLE}


def kind_of(proposal: Proposal) -> str | None:
    return KIND.get(proposal.state)


def grant_rate(granted: Decimal, base: Decimal) -> Decimal | None:
    """The ERDF granted as a percentage of `base` (the eligible cost, else the total cost), to
    two places of a percent: 120000 of 312500 is 38.40."""
    if not base:
        return None
    return (Decimal(100) * granted / base).quantize(CENT, rounding=ROUND_HALF_UP)


def complaint_route(programme) -> str:
    """Where and how the applicant may complain (CPR art. 69(7)): the programme file's
    `complaints` text in the page's language, else a neutral default."""
    text = (programme.source or {}).get("complaints") or {}
    language = "en" if (get_language() or "nl").startswith("en") else "nl"
    if text.get(language):
        return text[language]
    return _(
        "You may file a complaint against this decision with the managing authority of the "
        "programme within 30 calendar days of receiving it. Send it in writing, by letter or by "
        "e-mail to the managing authority's address given in the call, stating the reference of "
        "the proposal, the decision you contest and your reasons. The managing authority "
        "confirms receipt, examines the complaint and answers in writing with its reasons. A "
        "complaint does not stop you from using any other remedy the law provides."
    )


@dataclass
class Signer:
    name: str
    choice: str
    signed_at: object


@dataclass
class DecisionRecord:
    """The confirmed decision on a proposal: when, by which body, signed by whom."""

    date: object = None
    body: str = ""
    outcome: str = ""
    reason: str = ""
    reserve_rank: int | None = None
    amount: Decimal | None = None
    co_financing: list = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)


def confirmed_decision(proposal: Proposal, purpose: str = "decision") -> DecisionRecord | None:
    """The latest decision of a confirmed round of `purpose` on the proposal (a reserve approved
    in a later round takes that round's decision)."""
    from gti.accounts.models import Role
    from gti.portfolio.models import Decision, Meeting, Vote

    d = (
        Decision.objects.filter(
            proposal=proposal, meeting__purpose=purpose, meeting__state=Meeting.State.CONFIRMED
        )
        .select_related("meeting")
        .order_by("-meeting__confirmed_at", "-meeting__id")
        .first()
    )
    if d is None:
        return None
    signers = [
        Signer(
            v.member.get_full_name() or v.member.get_username(), v.get_choice_display(), v.signed_at
        )
        for v in d.votes.select_related("member").order_by("signed_at")
        if v.choice != Vote.Choice.CONFLICT
    ]
    body = dict(Role.choices).get(d.meeting.body, d.meeting.body)
    return DecisionRecord(
        date=d.meeting.date,
        body=str(body),
        outcome=d.get_outcome_display(),
        reason=d.reason,
        reserve_rank=d.reserve_rank,
        amount=d.amount,
        co_financing=d.co_financing,
        signers=signers,
    )


def _partners(proposal: Proposal) -> str:
    prereg = getattr(proposal, "preregistration", None)
    return prereg.partners if prereg is not None else ""


def decision_document(proposal: Proposal) -> dict:
    """Everything the decision on an approved operation states (CPR art. 73(3))."""
    programme = proposal.call.programme
    objective = proposal.specific_objective
    total = proposal.total_cost
    eligible = proposal.eligible_cost  # the ERDF rate applies to the eligible cost
    granted = proposal.erdf_granted or Decimal("0.00")
    co_financing = [
        {"source": c.get_source_display(), "amount": c.amount} for c in proposal.co_financing.all()
    ]
    decision = confirmed_decision(proposal)
    start, end = proposal.start_date, proposal.end_date
    return {
        "programme": programme,
        "priority": objective.priority if objective else None,
        "objective": objective,
        "beneficiary": proposal.promoter,
        "partners": _partners(proposal),
        "total_cost": total,
        "eligible_cost": eligible,
        "granted": granted,
        "requested": proposal.erdf_requested,
        "lowered": granted < proposal.erdf_requested,
        "rate": grant_rate(granted, eligible if eligible is not None else total),
        "rate_base": "eligible" if eligible is not None else "total",
        "financing": co_financing,
        "financing_total": granted + sum((c["amount"] for c in co_financing), Decimal("0.00")),
        "eligible_from": max(start, programme.eligibility_start) if start else None,
        "eligible_until": min(end, programme.eligibility_end) if end else None,
        "programme_eligibility": (programme.eligibility_start, programme.eligibility_end),
        "targets": list(proposal.indicator_targets.select_related("indicator")),
        "decision": decision,
        "complaints": complaint_route(programme),
    }


def _item_texts(proposal: Proposal) -> dict[str, str]:
    from gti.proposals.services.screening import checklist_items

    return {i["code"]: i["text"] for i in checklist_items(proposal)}


def refusal_letter(proposal: Proposal) -> dict:
    """The reasons of a rejection or a place on the reserve list: the decision's own reason,
    the steering committee's where it found no fit, and the minimum scores not reached."""
    decision = confirmed_decision(proposal)
    validation = confirmed_decision(proposal, "validation")
    reasons = []
    if decision and decision.reason:
        reasons.append(decision.reason)
    if validation and proposal.state == S.REJECTED and validation.reason:
        reasons.append(
            _("The steering committee found no fit with the city's GTI strategy: %(reason)s")
            % {"reason": validation.reason}
        )
    if proposal.meets_minimums is False and proposal.block_scores:
        rules = proposal.call.rules
        blocks = {k: Decimal(str(v)) for k, v in proposal.block_scores.items()}
        names = {b.code: str(b.name) for b in rules.assessment.blocks}
        total = proposal.consolidated_score or sum(blocks.values(), Decimal(0))
        for code, score, minimum in procedure.shortfalls(rules, blocks, total):
            reasons.append(
                _("%(part)s: %(score)s points, below the minimum of %(minimum)s")
                % {"part": names.get(code, _("total score")), "score": score, "minimum": minimum}
            )
    return {
        "programme": proposal.call.programme,
        "decision": decision,
        "reasons": reasons,
        "reserve": proposal.state == S.RESERVE,
        "complaints": complaint_route(proposal.call.programme),
    }


def inadmissibility_letter(proposal: Proposal) -> dict:
    """Every failed item of the admissibility check with its note, and the programme's rules the
    proposal did not meet (`screening_reasons`)."""
    texts = _item_texts(proposal)
    failed = [
        {"code": c.item, "text": texts.get(c.item, c.item), "note": c.note}
        for c in proposal.screening_checks.filter(result=ScreeningCheck.Result.FAIL)
    ]
    listed = {f"checklist.{f['code']}" for f in failed}
    rules_failed = [r for r in proposal.screening_reasons if r.get("field") not in listed]
    return {
        "programme": proposal.call.programme,
        "failed": failed,
        "rules_failed": rules_failed,
        "complaints": complaint_route(proposal.call.programme),
    }


def _no_fetching(url: str, *args, **kwargs):
    # The PDF is made from the page and the stylesheet alone: no request leaves the server.
    raise ValueError(f"not fetched: {url}")


def render_pdf(html: str) -> bytes:
    """The page as PDF, styled by the same print stylesheet as the page."""
    from weasyprint import CSS, HTML

    css = CSS(filename=finders.find("gti/document.css"))
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[css])
