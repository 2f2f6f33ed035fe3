"""Calls for proposals: create, publish, close."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.errors import Invalid, refuse_state
from gti.proposals.models import Call, CallEnvelope, Criterion
from gti.strategy.models import City, Strategy

# GTI strategy sections 3.x.4 and 4: what the cities look at in a proposal.
DEFAULT_CRITERIA = [
    ("principles", "Aansluiting bij de principes", "Fit with the principles", 20, 10),
    (
        "indicators",
        "Bijdrage aan de indicatoren van de specifieke doelstelling",
        "Contribution to the specific objective's indicators",
        20,
        10,
    ),
    ("urban-impact", "Stedelijke impact op wijk of district", "Urban impact on the area", 20, 10),
    ("maturity", "Maturiteit en haalbaarheid", "Maturity and feasibility", 15, 10),
    ("value-for-money", "Kostenefficiëntie", "Value for money", 15, 10),
    (
        "additionality",
        "Additionaliteit met reguliere EFRO-oproepen en andere subsidieprogramma's",
        "Additionality with regular ERDF calls and other subsidy programmes",
        10,
        10,
    ),
]


def is_open(call: Call, at: datetime.datetime | None = None) -> bool:
    at = at or timezone.now()
    return call.state == Call.State.PUBLISHED and call.opens_at <= at < call.closes_at


def _money(value, field: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(str(_("not an amount")))
        return None
    if amount < 0:
        errors.setdefault(field, []).append(str(_("must not be negative")))
    return amount


def create_call(
    *,
    by,
    city: City,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    themes: list[str],
    envelopes: dict[str, Decimal],
    description: str = "",
    criteria: list[tuple] | None = None,
    consensus_margin: Decimal = Decimal("15"),
) -> Call:
    """A draft call of `city` under its current strategy. `envelopes` maps priority code to ERDF."""
    permissions.require(by, "call.create", city=city)
    strategy = Strategy.objects.current().filter(city=city).select_related("programme").first()
    errors: dict[str, list[str]] = {}
    if strategy is None:
        raise Invalid.one("city", _("no strategy is loaded for this city"))
    if not title.strip():
        errors["title"] = [str(_("required"))]
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ValueError("opening and closing moments must be aware datetimes")
    if closes_at <= opens_at:
        errors["closes_at"] = [str(_("the call must close after it opens"))]
    theme_rows = {t.code: t for t in strategy.themes.all()}
    unknown = [t for t in themes if t not in theme_rows]
    if unknown:
        errors["themes"] = [str(_("unknown theme %(code)s") % {"code": c}) for c in unknown]
    if not themes:
        errors["themes"] = [str(_("admit at least one theme"))]
    priorities = {p.code: p for p in strategy.programme.priorities.all()}
    amounts = {}
    for code, value in envelopes.items():
        if code not in priorities:
            errors.setdefault(f"envelopes.{code}", []).append(str(_("unknown priority")))
            continue
        amounts[code] = _money(value, f"envelopes.{code}", errors)
    rows = criteria or DEFAULT_CRITERIA
    if sum(Decimal(str(c[3])) for c in rows) <= 0:
        errors["criteria"] = [str(_("the weights must add up to more than zero"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        year = timezone.localtime(opens_at).year
        count = Call.objects.filter(city=city, reference__contains=f"-{year}-").count()
        call = Call.objects.create(
            city=city,
            strategy=strategy,
            reference=f"{city.code[:3].upper()}-{year}-C{count + 1}",
            title=title.strip(),
            description=description,
            opens_at=opens_at,
            closes_at=closes_at,
            consensus_margin=consensus_margin,
            created_by=by,
        )
        call.themes.set([theme_rows[t] for t in themes])
        CallEnvelope.objects.bulk_create(
            CallEnvelope(call=call, priority=priorities[code], amount=amount)
            for code, amount in amounts.items()
        )
        Criterion.objects.bulk_create(
            Criterion(
                call=call,
                code=code,
                name_nl=nl,
                name_en=en,
                weight=Decimal(str(weight)),
                max_score=max_score,
                position=n,
            )
            for n, (code, nl, en, weight, max_score) in enumerate(rows)
        )
        audit.record(
            "proposals.call.created",
            call,
            by=by,
            after={
                "title": call.title,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "themes": themes,
                "envelopes": amounts,
            },
            city=city.code,
        )
    return call


def _move(call: Call, by, action: str, allowed_from: set, to: str, reason: str = "") -> Call:
    permissions.require(by, f"call.{action}", call)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state not in allowed_from:
            raise refuse_state(call, action)
        before = call.state
        call.state = to
        call.save(update_fields=["state"])
        audit.record(
            f"proposals.call.{to}",
            call,
            by=by,
            before={"state": before},
            after={"state": to},
            reason=reason,
            city=call.city.code,
        )
    return call


def publish_call(call: Call, *, by) -> Call:
    return _move(call, by, "publish", {Call.State.DRAFT}, Call.State.PUBLISHED)


def close_call(call: Call, *, by, reason: str = "") -> Call:
    return _move(call, by, "close", {Call.State.PUBLISHED}, Call.State.CLOSED, reason)
