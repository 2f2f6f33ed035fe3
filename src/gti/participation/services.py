"""Involvement of residents and stakeholders (GTI strategy, section 5).

Participation moments: the city's secretariat (or the managing authority) records each moment
held in the city's own channels about a call or a proposal; the applicant records them on their
own proposal while it is a draft.

The public consultation on a call: while it is open, residents support and comment on the call's
proposals in `CONSULTED_STATES`. A resident is identified without an account, by a link sent to
their e-mail address or by a one-time code from a printed letter, and has one voice: one support
per proposal, comments under a short pseudonym. The address is never kept, only its keyed hash
(HMAC with SECRET_KEY), enough to recognise the same person; a letter code only as its hash.
The city's secretariat hides a comment with a reason. What residents said is input for the
experts and the steering committee to read, never a score.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.participation import residents
from gti.participation.models import (
    Channel,
    Comment,
    Consultation,
    EmailVerification,
    InvolvementMoment,
    LetterCode,
    Resident,
    Support,
    TargetGroup,
)
from gti.participation.residents import keyed, normalise
from gti.proposals.inputs import messages
from gti.proposals.models import Call, Proposal

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]

# The proposals residents are consulted on: sent in and not (yet) refused or decided. A draft is
# the applicant's own; an inadmissible or withdrawn proposal is no longer in the running; once
# the steering committee or the managing authority has spoken, the consultation has no use.
CONSULTED_STATES = (
    Proposal.State.SUBMITTED,
    Proposal.State.IN_SCREENING,
    Proposal.State.ADMISSIBLE,
    Proposal.State.IN_ASSESSMENT,
    Proposal.State.ASSESSED,
)
EMAIL_LINK_HOURS = 24


# --- participation moments ---------------------------------------------------------------------


class MomentInput(BaseModel):
    """One participation moment, as the form and any other edge send it."""

    model_config = ConfigDict(extra="forbid")

    city: Short = ""  # only for a call of several cities
    held_on: datetime.date
    channel: Channel
    channel_other: Short = ""
    target_group: TargetGroup
    participants: Annotated[int, Field(ge=0, le=10_000_000)]
    question: Text
    outcome: Text
    feedback_on: datetime.date | None = None
    feedback_how: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


FIELDS = [f for f in MomentInput.model_fields if f != "city"]


def _parse_moment(data: dict) -> MomentInput:
    try:
        parsed = MomentInput.model_validate(data)
    except ValidationError as exc:
        raise Invalid(messages(exc)) from None
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if parsed.held_on > today:
        errors["held_on"] = [_("a moment that has not been held yet cannot be recorded")]
    if parsed.channel == Channel.OTHER and not parsed.channel_other:
        errors["channel_other"] = [_("name the channel")]
    if parsed.feedback_on is not None:
        if parsed.feedback_on < parsed.held_on:
            errors["feedback_on"] = [_("feedback comes after the moment")]
        elif parsed.feedback_on > today:
            errors["feedback_on"] = [_("feedback not given yet: leave the date empty")]
        if not parsed.feedback_how:
            errors["feedback_how"] = [_("say how participants were told")]
    elif parsed.feedback_how:
        errors["feedback_on"] = [_("give the date of the feedback")]
    if errors:
        raise Invalid(errors)
    return parsed


def _city_for(target, code: str):
    """The city a moment belongs to: the proposal's, the call's, or for a call of several
    cities the one chosen."""
    if isinstance(target, Proposal):
        return target.city
    cities = target.cities
    if len(cities) == 1:
        return cities[0]
    city = next((c for c in cities if c.code == code), None)
    if city is None:
        raise Invalid.one("city", _("choose one of the call's cities"))
    return city


def _values(moment: InvolvementMoment) -> dict:
    return {f: getattr(moment, f) for f in FIELDS}


def record_moment(target: Call | Proposal, data: dict, *, by) -> InvolvementMoment:
    """Record a participation moment held about a call or a proposal."""
    permissions.require(by, "involvement.record", target)
    parsed = _parse_moment(data)
    city = _city_for(target, parsed.city)
    moment = InvolvementMoment(
        city=city,
        call=target if isinstance(target, Call) else None,
        proposal=target if isinstance(target, Proposal) else None,
        recorded_by=by,
        **parsed.model_dump(exclude={"city"}),
    )
    permissions.require(by, "involvement.record", moment)
    with transaction.atomic():
        moment.save()
        audit.record(
            "participation.moment.recorded",
            moment,
            by=by,
            after={"on": str(target), **_values(moment)},
            city=city.code,
        )
    return moment


def edit_moment(
    moment: InvolvementMoment, data: dict, *, by, reason: str = ""
) -> InvolvementMoment:
    """Change a recorded moment (most often: the feedback given later), with why."""
    permissions.require(by, "involvement.record", moment)
    parsed = _parse_moment(data)
    with transaction.atomic():
        moment = InvolvementMoment.objects.select_for_update().get(pk=moment.pk)
        before = _values(moment)
        for name, value in parsed.model_dump(exclude={"city"}).items():
            setattr(moment, name, value)
        after = _values(moment)
        changed = {k for k in after if after[k] != before[k]}
        if not changed:
            return moment
        moment.save()
        audit.record(
            "participation.moment.changed",
            moment,
            by=by,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason=reason,
            city=moment.city.code,
        )
    return moment


def moments_of(target: Call | Proposal):
    return target.involvement.select_related("city").order_by("-held_on", "-pk")


def city_summary(city) -> dict:
    """The city's involvement as the strategy's section 5 tells it: moments, participants, per
    channel, and whether participants were told what was done with their input. Counts the
    moments on the city's calls and on its proposals once sent in (a draft is the applicant's)."""
    rows = InvolvementMoment.objects.filter(city=city).exclude(proposal__state=Proposal.State.DRAFT)
    totals = rows.aggregate(
        moments=Count("pk"),
        participants=Sum("participants"),
        feedback=Count("pk", filter=Q(feedback_on__isnull=False)),
    )
    per_channel = rows.values("channel").annotate(n=Count("pk"), people=Sum("participants"))
    labels = dict(Channel.choices)
    return {
        "moments": totals["moments"],
        "participants": totals["participants"] or 0,
        "feedback_given": totals["feedback"],
        "feedback_missing": totals["moments"] - totals["feedback"],
        "channels": sorted(
            ((labels[r["channel"]], r["n"], r["people"]) for r in per_channel),
            key=lambda row: (-row[1], str(row[0])),
        ),
    }


# --- the consultation: set by the city or the managing authority ---------------------------------


class ConsultationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opens_at: datetime.datetime
    closes_at: datetime.datetime


def set_consultation(call: Call, data: dict, *, by, reason: str = "") -> Consultation:
    """Open (or move) the consultation on a call: the dates residents may react between."""
    permissions.require(by, "consultation.manage", call)
    try:
        parsed = ConsultationInput.model_validate(data)
    except ValidationError as exc:
        raise Invalid(messages(exc)) from None
    if parsed.closes_at <= parsed.opens_at:
        raise Invalid.one("closes_at", _("the consultation closes after it opens"))
    if call.state == Call.State.DRAFT:
        raise Refused(_("A call is consulted on once it is published."))
    with transaction.atomic():
        found = Consultation.objects.select_for_update().filter(call=call).first()
        before = {"opens_at": found.opens_at, "closes_at": found.closes_at} if found else {}
        consultation = found or Consultation(call=call)
        consultation.opens_at, consultation.closes_at = parsed.opens_at, parsed.closes_at
        consultation.updated_by = by
        consultation.save()
        audit.record(
            "participation.consultation.set",
            consultation,
            by=by,
            before=before,
            after={"opens_at": parsed.opens_at, "closes_at": parsed.closes_at},
            reason=reason,
            city=call.city.code if call.city_id else "",
        )
    return consultation


def is_open(consultation: Consultation | None, now=None) -> bool:
    now = now or timezone.now()
    return consultation is not None and consultation.opens_at <= now < consultation.closes_at


def consulted_proposals(call: Call):
    return (
        Proposal.objects.filter(call=call, state__in=CONSULTED_STATES)
        .select_related("city", "theme")
        .annotate(support_count=Count("supports", distinct=True))
        .order_by("reference")
    )


def make_letter_codes(consultation: Consultation, count: int, *, by) -> list[str]:
    """A batch of one-time codes to print on letters. They are returned once, to be printed;
    only their hashes are kept."""
    permissions.require(by, "consultation.manage", consultation.call)
    if not isinstance(count, int) or not 1 <= count <= 5000:
        raise Invalid.one("count", _("between 1 and 5000 codes"))
    codes = residents.new_codes(count)
    with transaction.atomic():
        LetterCode.objects.bulk_create(
            LetterCode(consultation=consultation, code_hash=keyed("letter", normalise(c)))
            for c in codes
        )
        audit.record(
            "participation.letter_codes.made",
            consultation,
            by=by,
            after={"count": count},
            city=_city_code(consultation.call),
        )
    return codes


def _city_code(call: Call) -> str:
    return call.city.code if call.city_id else ""


def _pseudonym(key: str) -> str:
    return keyed("pseudonym", key)[:6].upper()


def _resident(consultation: Consultation, key: str, via: str) -> Resident:
    resident, _made = Resident.objects.get_or_create(
        consultation=consultation,
        key=key,
        defaults={"via": via, "pseudonym": _pseudonym(key)},
    )
    return resident


def _require_open(consultation: Consultation | None) -> None:
    if not is_open(consultation):
        raise Refused(_("The consultation is not open."))


def send_email_link(consultation: Consultation, email: str, *, link) -> None:
    """Send a one-time link to the address; `link(token)` makes its absolute address. Only the
    token's hash and the address's keyed hash are stored."""
    _require_open(consultation)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise Invalid.one("email", _("enter a valid e-mail address")) from None
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        verification = EmailVerification.objects.create(
            consultation=consultation,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            email_key=keyed("email", email),
            expires_at=timezone.now() + datetime.timedelta(hours=EMAIL_LINK_HOURS),
        )
        audit.record(
            "participation.email_link.sent",
            verification,
            by=None,
            after={"consultation": consultation.call.reference},
            city=_city_code(consultation.call),
        )
    call = consultation.call
    send_mail(
        _("Your link to the consultation on %(call)s") % {"call": call.reference},
        _(
            "Open this link to take part in the consultation on %(title)s. It works once, "
            "for %(hours)s hours:\n\n%(link)s\n\nYou did not ask for it? Then ignore this mail."
        )
        % {"title": call.title, "hours": EMAIL_LINK_HOURS, "link": link(token)},
        None,
        [email],
    )


def verify_email(consultation: Consultation, token: str) -> Resident:
    """The link's token, used once and in time, gives the resident of that address."""
    _require_open(consultation)
    with transaction.atomic():
        verification = (
            EmailVerification.objects.select_for_update()
            .filter(
                consultation=consultation,
                token_hash=hashlib.sha256((token or "").encode()).hexdigest(),
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if verification is None:
            raise Invalid.one("token", _("this link is not valid (any more): ask a new one"))
        verification.used_at = timezone.now()
        verification.save(update_fields=["used_at"])
        resident = _resident(consultation, verification.email_key, Resident.Via.EMAIL)
        audit.record(
            "participation.resident.verified",
            resident,
            by=None,
            after={"via": "email", "pseudonym": resident.pseudonym},
            city=_city_code(consultation.call),
        )
    return resident


def redeem_letter_code(consultation: Consultation, code: str) -> Resident:
    """A code from a letter, used once, makes its holder a resident of the consultation."""
    _require_open(consultation)
    normalised = normalise(code or "")
    if len(normalised) != residents.LENGTH:
        raise Invalid.one(
            "code", _("a code has %(n)s letters and digits") % {"n": residents.LENGTH}
        )
    with transaction.atomic():
        letter = (
            LetterCode.objects.select_for_update()
            .filter(consultation=consultation, code_hash=keyed("letter", normalised))
            .first()
        )
        if letter is None or letter.used_at is not None:
            raise Invalid.one("code", _("this code is not valid or has been used"))
        letter.used_at = timezone.now()
        letter.save(update_fields=["used_at"])
        resident = _resident(consultation, letter.code_hash, Resident.Via.LETTER)
        audit.record(
            "participation.resident.verified",
            resident,
            by=None,
            after={"via": "letter", "pseudonym": resident.pseudonym},
            city=_city_code(consultation.call),
        )
    return resident


def _consulted(resident: Resident, proposal: Proposal) -> None:
    consultation = resident.consultation
    _require_open(consultation)
    if proposal.call_id != consultation.call_id or proposal.state not in CONSULTED_STATES:
        raise Refused(_("This proposal is not part of the consultation."))


def support(resident: Resident, proposal: Proposal) -> Support:
    """One support per proposal per resident."""
    _consulted(resident, proposal)
    try:
        with transaction.atomic():
            made = Support.objects.create(resident=resident, proposal=proposal)
            audit.record(
                "participation.support.given",
                made,
                by=None,
                after={"proposal": proposal.reference, "pseudonym": resident.pseudonym},
                city=proposal.city.code,
            )
    except IntegrityError:
        raise Refused(_("You already support this proposal.")) from None
    return made


class CommentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def comment(resident: Resident, proposal: Proposal, data: dict) -> Comment:
    """A resident's comment, shown under their pseudonym."""
    _consulted(resident, proposal)
    try:
        parsed = CommentInput.model_validate(data)
    except ValidationError as exc:
        raise Invalid(messages(exc)) from None
    with transaction.atomic():
        made = Comment.objects.create(resident=resident, proposal=proposal, text=parsed.text)
        audit.record(
            "participation.comment.made",
            made,
            by=None,
            after={"proposal": proposal.reference, "pseudonym": resident.pseudonym},
            city=proposal.city.code,
        )
    return made


def hide_comment(comment: Comment, *, by, reason: str) -> Comment:
    """The city's secretariat hides a comment from the public, with a reason; the comment's
    text stays in the audit trail."""
    permissions.require(by, "consultation.moderate", comment.proposal)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid.one("reason", _("say why the comment is hidden"))
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.hidden_at is not None:
            raise Refused(_("This comment is hidden already."))
        comment.hidden_at, comment.hidden_by, comment.hidden_reason = timezone.now(), by, reason
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        audit.record(
            "participation.comment.hidden",
            comment,
            by=by,
            before={"text": comment.text, "pseudonym": comment.resident.pseudonym},
            after={"hidden": True},
            reason=reason,
            city=comment.proposal.city.code,
        )
    return comment


def visible_comments(proposal: Proposal):
    return proposal.resident_comments.filter(hidden_at__isnull=True).select_related("resident")


def residents_input(proposal: Proposal) -> dict | None:
    """What residents said about a proposal: supports and the comments not hidden. None when
    its call has no consultation."""
    if not Consultation.objects.filter(call_id=proposal.call_id).exists():
        return None
    return {
        "supports": proposal.supports.count(),
        "comments": list(visible_comments(proposal)),
    }


def supported_by(resident: Resident | None) -> set[int]:
    if resident is None:
        return set()
    return set(resident.supports.values_list("proposal_id", flat=True))
