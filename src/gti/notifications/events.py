"""The one table that turns an event of the audit trail into messages for the people concerned.

`audit.record` calls `from_event(event, obj)` at its end, inside the service's transaction: the
messages are written with the change or not at all. Each rule names the kind of message, who
receives it, the text (English inside gettext; rendered in each recipient's language) and the
page it links to. An action without a rule makes no message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gti.accounts import permissions
from gti.notifications.models import Kind

Facts = dict[str, object]


@dataclass(frozen=True)
class Rule:
    kind: Kind
    recipients: Callable[[object], Iterable]  # obj -> users
    subject: object  # lazy text formatted with the facts
    body: object
    link: Callable[[object], tuple[str, dict]]  # obj -> (url name, kwargs)
    facts: Callable[[object, object], Facts] = lambda event, obj: {}
    to_actor: bool = False  # the person who acted receives it too (a receipt)
    when: Callable[[object], bool] = lambda obj: True


# --- who ---------------------------------------------------------------------------------------


def proposal_of(obj):
    found = permissions.follow(obj, "grant.proposal", "proposal")
    return obj if found is permissions.MISSING else found


def applicant(obj):
    return [proposal_of(obj).applicant]


def holders(role: str, city_id) -> Iterable:
    """Active people holding `role` in the city (or for the whole programme)."""
    if not role:
        return []
    where = Q(role_grants__city=None) if city_id is None else (
        Q(role_grants__city_id=city_id) | Q(role_grants__city=None)
    )  # fmt: skip
    return get_user_model().objects.filter(where, role_grants__role=role, is_active=True).distinct()


def runners_of_city(obj):
    """Whoever runs the call's procedure (admissibility) in the proposal's city."""
    proposal = proposal_of(obj)
    return holders(proposal.call.rules.role_for("run"), proposal.city_id)


def assessor(obj):
    return [obj.assessor]


def round_members(obj):
    """The members of the body that signs the round, in its city (programme-wide: everywhere)."""
    return holders(obj.body, obj.city_id)


# --- what --------------------------------------------------------------------------------------


def _proposal_facts(event, obj) -> Facts:
    proposal = proposal_of(obj)
    return {
        "ref": proposal.reference,
        "title": proposal.title,
        # Why: the event's reason, else the reasons of the admissibility check.
        "reason": event.reason
        or "; ".join(r["message"] for r in proposal.screening_reasons if r.get("message")),
        "hash": event.after.get("content_hash", ""),
        "resubmit_by": event.after.get("resubmit_by", ""),
        # Lazy: the label is read in each recipient's language.
        "state": dict(type(proposal).State.choices).get(proposal.state, proposal.state),
    }


def _monitoring_facts(event, obj) -> Facts:
    return {
        **_proposal_facts(event, obj),
        "object": str(obj),
        "amount": event.after.get("amount", ""),
    }


def _round_facts(event, obj) -> Facts:
    return {
        "call": obj.call.reference,
        "purpose": dict(type(obj).Purpose.choices)[obj.purpose],  # lazy, as the state above
        "date": obj.date.isoformat(),
        "count": len(event.after.get("proposals", [])) if "proposals" in event.after else "",
    }


def proposal_link(obj):
    return "proposals:detail", {"reference": proposal_of(obj).reference}


RECEIPT = Rule(
    Kind.RECEIPT, applicant,
    _("Receipt: proposal %(ref)s submitted"),
    _("We received your proposal %(ref)s \"%(title)s\".\n"
      "Fingerprint of the submitted content (SHA-256): %(hash)s\n"
      "Keep this message: the fingerprint shows what you submitted."),
    proposal_link, _proposal_facts, to_actor=True,
)  # fmt: skip

RULES: dict[str, Rule] = {
    "proposals.proposal.submitted": RECEIPT,
    "proposals.proposal.returned": Rule(
        Kind.RETURNED, applicant,
        _("Proposal %(ref)s returned for correction"),
        _("Your proposal %(ref)s \"%(title)s\" was returned for correction.\n"
          "What must be corrected: %(reason)s\n"
          "Submit it again by %(resubmit_by)s."),
        proposal_link, _proposal_facts,
    ),
    "proposals.proposal.admissible": Rule(
        Kind.ADMISSIBILITY, applicant,
        _("Proposal %(ref)s is admissible"),
        _("Your proposal %(ref)s \"%(title)s\" is admissible and goes on to the assessment."),
        proposal_link, _proposal_facts,
    ),
    "proposals.proposal.inadmissible": Rule(
        Kind.ADMISSIBILITY, applicant,
        _("Proposal %(ref)s is not admissible"),
        _("Your proposal %(ref)s \"%(title)s\" is not admissible.\nWhy: %(reason)s"),
        proposal_link, _proposal_facts,
    ),
    "proposals.assignment.created": Rule(
        Kind.ASSIGNED, assessor,
        _("You are assigned as expert to %(ref)s"),
        _("You are asked to assess proposal %(ref)s \"%(title)s\". First declare whether you "
          "have a conflict of interest."),
        lambda a: ("proposals:assessment", {"reference": a.proposal.reference}),
        _proposal_facts,
    ),
    "portfolio.meeting.created": Rule(
        Kind.ROUND, round_members,
        _("%(purpose)s of %(call)s waits for your signature"),
        _("A round (%(purpose)s) of call %(call)s is prepared for %(date)s. Read the proposed "
          "decisions and sign."),
        lambda m: ("portfolio:round", {"pk": m.pk}), _round_facts,
    ),
    **{
        f"proposals.proposal.{outcome}": Rule(
            Kind.DECISION, applicant,
            _("Decision on proposal %(ref)s: %(state)s"),
            _("The decision on your proposal %(ref)s \"%(title)s\" is taken: %(state)s.\n"
              "%(reason)s"),
            proposal_link, _proposal_facts,
        )
        for outcome in ("approved", "reserve", "rejected")
    },
    "monitoring.report.returned": Rule(
        Kind.REPORT, applicant,
        _("Progress report %(object)s returned"),
        _("Your progress report %(object)s was returned with remarks:\n%(reason)s"),
        lambda r: ("monitoring:report", {"pk": r.pk}), _monitoring_facts,
    ),
    "monitoring.report.accepted": Rule(
        Kind.REPORT, applicant,
        _("Progress report %(object)s accepted"),
        _("Your progress report %(object)s is accepted."),
        lambda r: ("monitoring:report", {"pk": r.pk}), _monitoring_facts,
    ),
    "monitoring.claim.verified": Rule(
        Kind.CLAIM, applicant,
        _("Expenditure claim %(object)s verified"),
        _("Your expenditure claim %(object)s is verified; the payment follows."),
        lambda c: ("monitoring:claim", {"pk": c.pk}), _monitoring_facts,
    ),
    "monitoring.claim.paid": Rule(
        Kind.PAYMENT, applicant,
        _("Payment of claim %(object)s made"),
        _("The ERDF of your expenditure claim %(object)s is paid: EUR %(amount)s."),
        lambda c: ("monitoring:claim", {"pk": c.pk}), _monitoring_facts,
    ),
}  # fmt: skip

# The city's admissibility team hears of a new proposal (a message of its own kind).
SUBMITTED_TO_CITY = Rule(
    Kind.SUBMITTED, runners_of_city,
    _("New proposal %(ref)s submitted"),
    _("Proposal %(ref)s \"%(title)s\" was submitted and waits for the admissibility check."),
    proposal_link, _proposal_facts,
)  # fmt: skip

EXTRA: dict[str, list[Rule]] = {"proposals.proposal.submitted": [SUBMITTED_TO_CITY]}


def rules_for(action: str) -> list[Rule]:
    rule = RULES.get(action)
    return ([rule] if rule else []) + EXTRA.get(action, [])


def from_event(event, obj) -> list:
    """The messages of one event, written now (inside the caller's transaction)."""
    rules = rules_for(event.action)
    if not rules:
        return []
    from gti.notifications import services

    made = []
    for rule in rules:
        if not rule.when(obj):
            continue
        facts = rule.facts(event, obj)
        name, kwargs = rule.link(obj)
        seen = set()
        for user in rule.recipients(obj):
            if user is None or user.pk in seen or not user.is_active:
                continue
            if user.pk == event.actor_id and not rule.to_actor:
                continue  # whoever acted knows
            seen.add(user.pk)
            made.append(
                services.notify(
                    user,
                    rule.kind,
                    rule.subject,
                    rule.body,
                    facts,
                    link=(name, kwargs),
                    event=event,
                )  # fmt: skip
            )
    return made
