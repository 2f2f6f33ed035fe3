"""Calls for proposals: create, publish, close."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused, refuse_state
from gti.proposals.models import Call, CallEnvelope, Criterion
from gti.proposals.procedure import Procedure
from gti.strategy.models import City, Programme, SpecificObjective, Strategy


def default_procedure(programme: Programme | None = None) -> Procedure:
    """The procedure a new call of `programme` (default: the current one) follows."""
    programme = programme or Programme.objects.current().order_by("code").first()
    return procedure_named(programme, None)


def procedure_named(programme: Programme, code: str | None) -> Procedure:
    procedures = {p["code"]: p for p in programme.source.get("procedures", [])}
    code = code or programme.source.get("default_procedure") or next(iter(procedures), None)
    if code not in procedures:
        raise Invalid.one("procedure", _("unknown procedure %(code)s") % {"code": code})
    return Procedure.model_validate(procedures[code])


def is_open(call: Call, at: datetime.datetime | None = None) -> bool:
    """Full proposals are accepted: published, after the opening and before the closing."""
    at = at or timezone.now()
    return call.state == Call.State.PUBLISHED and call.opens_at <= at < call.closes_at


def preregistration_open(call: Call, at: datetime.datetime | None = None) -> bool:
    at = at or timezone.now()
    return (
        call.rules.pre_registration
        and call.state == Call.State.PUBLISHED
        and call.preregistration_closes_at is not None
        and call.opens_at <= at < call.preregistration_closes_at
    )


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
    city: City | None,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    themes: list[str],
    envelopes: dict[str, Decimal],
    description: str = "",
    procedure: str | None = None,
    preregistration_closes_at: datetime.datetime | None = None,
    specific_objectives: list[str] | None = None,
) -> Call:
    """A draft call of `city`, or of every GTI city of the programme when `city` is None, under
    a procedure of the programme (its default unless named). `envelopes` maps priority code to
    the call's ERDF envelope; `themes` are theme codes of the cities' current strategies."""
    programme = Programme.objects.current().order_by("code").first()
    if programme is None:
        raise Invalid.one("city", _("no programme is loaded"))
    rules = procedure_named(programme, procedure)
    permissions.require(by, "call.create", city=city, procedure=rules)
    strategies = list(
        Strategy.objects.current()
        .filter(programme=programme)
        .filter(**({"city": city} if city else {"city__code__in": programme.source["gti_cities"]}))
        .select_related("city")
    )
    errors: dict[str, list[str]] = {}
    if city is not None and not strategies:
        raise Invalid.one("city", _("no strategy is loaded for this city"))
    if city is None and rules.run_by == "secretariat":
        errors["city"] = [str(_("a call the city runs itself is for one city"))]
    if not title.strip():
        errors["title"] = [str(_("required"))]
    for name, moment in (
        ("opens_at", opens_at),
        ("closes_at", closes_at),
        ("preregistration_closes_at", preregistration_closes_at),
    ):
        if moment is not None and timezone.is_naive(moment):
            errors[name] = [str(_("give the moment with its time zone"))]
    if any(k.endswith("_at") for k in errors):  # naive moments cannot be compared
        raise Invalid(errors)
    if closes_at <= opens_at:
        errors["closes_at"] = [str(_("the call must close after it opens"))]
    if rules.pre_registration:
        if preregistration_closes_at is None:
            errors["preregistration_closes_at"] = [
                str(_("this procedure has a pre-registration: give its deadline"))
            ]
        elif not opens_at < preregistration_closes_at < closes_at:
            errors["preregistration_closes_at"] = [
                str(
                    _("the pre-registration closes after the opening and before the full proposals")
                )
            ]
    elif preregistration_closes_at is not None:
        errors["preregistration_closes_at"] = [str(_("this procedure has no pre-registration"))]
    # A theme code admits that theme in every city of the call whose strategy has it.
    theme_rows = [t for strategy in strategies for t in strategy.themes.all()]
    unknown = [c for c in themes if c not in {t.code for t in theme_rows}]
    if unknown:
        errors["themes"] = [str(_("unknown theme %(code)s") % {"code": c}) for c in unknown]
    if not themes:
        errors["themes"] = [str(_("admit at least one theme"))]
    objectives = {
        so.code: so for so in SpecificObjective.objects.filter(priority__programme=programme)
    }
    for code in specific_objectives or []:
        if code not in objectives:
            errors.setdefault("specific_objectives", []).append(
                str(_("unknown specific objective %(code)s") % {"code": code})
            )
    priorities = {p.code: p for p in programme.priorities.all()}
    amounts = {}
    for code, value in envelopes.items():
        if code not in priorities:
            errors.setdefault(f"envelopes.{code}", []).append(str(_("unknown priority")))
            continue
        amounts[code] = _money(value, f"envelopes.{code}", errors)
    if not amounts and not errors.get("envelopes"):
        errors["envelopes"] = [str(_("give the call an envelope for at least one priority"))]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        year = timezone.localtime(opens_at).year
        prefix = city.code[:3].upper() if city else "GTI"
        count = Call.objects.filter(reference__startswith=f"{prefix}-{year}-").count()
        call = Call(
            programme=programme,
            city=city,
            strategy=strategies[0] if city else None,
            procedure=rules.model_dump(mode="json"),
            title=title.strip(),
            description=description,
            opens_at=opens_at,
            preregistration_closes_at=preregistration_closes_at,
            closes_at=closes_at,
            consensus_margin=rules.assessment.consensus_margin,
            created_by=by,
        )
        # The reference is unique: when someone took this number at the same moment, the next.
        for n in range(count + 1, count + 20):
            call.reference = f"{prefix}-{year}-C{n}"
            try:
                with transaction.atomic():
                    call.save()
                break
            except IntegrityError:
                call.pk = None
        else:
            raise Refused(_("No free call reference; try again."))
        call.themes.set([t for t in theme_rows if t.code in themes])
        call.specific_objectives.set([objectives[c] for c in specific_objectives or []])
        CallEnvelope.objects.bulk_create(
            CallEnvelope(call=call, priority=priorities[code], amount=amount)
            for code, amount in amounts.items()
        )
        Criterion.objects.bulk_create(
            Criterion(
                call=call,
                block=block,
                code=c.code,
                name_nl=c.name.nl,
                name_en=c.name.en,
                weight=c.weight if c.weight is not None else Decimal(c.max),
                max_score=c.max,
                position=n,
            )
            for n, (block, c) in enumerate(rules.criteria())
        )
        audit.record(
            "proposals.call.created",
            call,
            by=by,
            after={
                "title": call.title,
                "procedure": rules.code,
                "cities": [c.code for c in call.cities],
                "opens_at": opens_at,
                "preregistration_closes_at": preregistration_closes_at,
                "closes_at": closes_at,
                "themes": themes,
                "specific_objectives": specific_objectives or [],
                "envelopes": amounts,
            },
            city=call.city_codes,
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
            city=call.city_codes,
        )
    return call


def publish_call(call: Call, *, by) -> Call:
    return _move(call, by, "publish", {Call.State.DRAFT}, Call.State.PUBLISHED)


def close_call(call: Call, *, by, reason: str = "") -> Call:
    return _move(call, by, "close", {Call.State.PUBLISHED}, Call.State.CLOSED, reason)
