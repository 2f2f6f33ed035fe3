"""Loading the programme and the city strategies into the database, and reading them back."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import CharField, Prefetch, Q, Value
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gti.accounts import audit, permissions
from gti.errors import Refused
from gti.strategy import schema, sdgs
from gti.strategy.models import (
    Area,
    City,
    ExampleAction,
    Indicator,
    PolicyReference,
    Principle,
    Priority,
    Programme,
    SpecificObjective,
    Strategy,
    StrategyApproval,
    Theme,
)
from gti.translation import both


class StrategyFileError(Exception):
    """Files that did not pass validation; `problems` lists each one."""

    def __init__(self, problems: list[schema.Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Loaded:
    kind: str  # "programme" or "strategy"
    code: str
    version: int
    created: bool  # False: the same content was already loaded
    awaiting: bool = False  # a changed strategy, waiting for its steering committee


def _hash(text: str, *extra: str) -> str:
    return hashlib.sha256("\0".join([text, *extra]).encode()).hexdigest()


def load_files(
    paths: list[Path] | None = None, progress: Callable[[str], None] | None = None
) -> list[Loaded]:
    """Validate and load programme and strategy files, all in one transaction.

    Loading the same content again changes nothing; changed content becomes a new version and the
    older one stays, no longer current. A strategy is tied to a programme version, so a changed
    programme makes new versions of the strategies under it too.
    """
    parsed, problems = schema.validate_files(paths or schema.default_files())
    if problems:
        raise StrategyFileError(problems)
    programmes = [p for p in parsed if isinstance(p.content, schema.ProgrammeFile)]
    strategies = [p for p in parsed if isinstance(p.content, schema.StrategyFile)]
    results: list[Loaded] = []
    with transaction.atomic():
        for item in programmes:
            results.append(_load_programme(item))
            _record_load(item, results[-1])
            if progress:
                progress(f"programme {item.content.code}")
        for item in strategies:
            results.append(_load_strategy(item))
            _record_load(item, results[-1])
            if progress:
                progress(f"strategy {item.content.city}")
    return results


def _record_load(item: schema.Parsed, loaded: Loaded) -> None:
    """One audit event per file, loaded or unchanged, with the hash of exactly what was read."""
    if loaded.kind == "programme":
        row = Programme.objects.get(code=loaded.code, version=loaded.version)
    else:
        row = Strategy.objects.get(city__code=loaded.code, version=loaded.version)
    audit.record(
        "strategy.file.loaded" if loaded.created else "strategy.file.unchanged",
        row,
        by=None,
        after={
            "file": item.path.name,
            "sha256": hashlib.sha256(item.text.encode()).hexdigest(),
            "version": loaded.version,
        },
        reason="gti strategy load",
        city=loaded.code if loaded.kind == "strategy" else "",
    )


def _next_version(queryset, content_hash: str):
    """(existing current row with this content, or None; the next version number)."""
    current = queryset.filter(is_current=True).first()
    if current and current.content_hash == content_hash:
        return current, current.version
    last = queryset.order_by("-version").first()
    return None, (last.version + 1 if last else 1)


def _load_programme(item: schema.Parsed) -> Loaded:
    data: schema.ProgrammeFile = item.content
    content_hash = _hash(item.text)
    same, version = _next_version(Programme.objects.filter(code=data.code), content_hash)
    if same:
        return Loaded("programme", data.code, version, created=False)
    Programme.objects.filter(code=data.code, is_current=True).update(is_current=False)
    programme = Programme.objects.create(
        code=data.code,
        version=version,
        content_hash=content_hash,
        source=data.model_dump(mode="json"),
        name_nl=data.name.nl,
        name_en=data.name.en,
        fund=data.fund,
        period_start=data.period.start,
        period_end=data.period.end,
        eligibility_start=data.eligibility.start,
        eligibility_end=data.eligibility.end,
        max_eu_cofinancing_rate=data.max_eu_cofinancing_rate,
        urban_minimum_share=data.urban_minimum_share,
        gti_share=data.gti_share,
    )
    indicators = {
        i.code: Indicator.objects.create(
            programme=programme,
            code=i.code,
            kind=i.kind,
            unit_nl=i.unit.nl,
            unit_en=i.unit.en,
            name_nl=i.name.nl,
            name_en=i.name.en,
            territorial=i.territorial,
            position=n,
        )
        for n, i in enumerate(data.indicators)
    }
    territorial = [i for i in indicators.values() if i.territorial]
    for n, p in enumerate(data.priorities):
        priority = Priority.objects.create(
            programme=programme,
            code=p.code,
            reference=p.reference,
            title_nl=p.title.nl,
            title_en=p.title.en,
            short_title_nl=p.short_title.nl if p.short_title else "",
            short_title_en=p.short_title.en if p.short_title else "",
            share=p.share,
            position=n,
        )
        for m, so in enumerate(p.specific_objectives):
            objective = SpecificObjective.objects.create(
                priority=priority,
                code=so.code,
                title_nl=so.title.nl,
                title_en=so.title.en,
                position=m,
            )
            objective.indicators.set([indicators[c] for c in so.indicators] + territorial)
    return Loaded("programme", data.code, version, created=True)


def _load_strategy(item: schema.Parsed) -> Loaded:
    data: schema.StrategyFile = item.content
    programme = Programme.objects.get(code=data.programme, is_current=True)
    boundaries = schema.boundary_features(data, item.path.parent)
    content_hash = _hash(
        item.text, programme.content_hash, (item.path.parent / data.boundaries.file).read_text()
    )
    city, _ = City.objects.get_or_create(
        code=data.city, defaults={"name_nl": data.name.nl, "name_en": data.name.en}
    )
    versions = Strategy.objects.filter(city=city)
    same, version = _next_version(versions, content_hash)
    if same:
        return Loaded("strategy", data.city, version, created=False)
    in_force = versions.filter(is_current=True).first()
    awaiting = versions.filter(status=Strategy.Status.AWAITING)
    waiting = awaiting.filter(content_hash=content_hash).first()
    if waiting:
        return Loaded("strategy", data.city, waiting.version, created=False, awaiting=True)
    source = data.model_dump(mode="json")
    if in_force is None:
        # the first load of a city is the strategy as adopted: it applies at once
        City.objects.filter(pk=city.pk).update(name_nl=data.name.nl, name_en=data.name.en)
        status, changes = Strategy.Status.APPROVED, []
    else:
        # a changed file waits for the steering committee; an older file still waiting is replaced
        awaiting.update(status=Strategy.Status.REPLACED)
        status, changes = Strategy.Status.AWAITING, differences(in_force.source, source)
    strategy = Strategy.objects.create(
        city=city,
        programme=programme,
        version=version,
        is_current=in_force is None,
        status=status,
        approved_at=timezone.now() if in_force is None else None,
        steering_committee_quorum=data.steering_committee.quorum,
        changes=changes,
        content_hash=content_hash,
        source=source,
        title_nl=data.title.nl,
        title_en=data.title.en,
        territory_nl=data.territory.nl,
        territory_en=data.territory.en,
        area_kind=data.area_kind,
        attribution_nl=data.boundaries.attribution.nl,
        attribution_en=data.boundaries.attribution.en,
    )
    Area.objects.bulk_create(
        Area(
            strategy=strategy,
            code=a.code,
            name=a.name,
            kind=data.area_kind,
            boundary=boundaries.get(a.name),
            admitted=a.admitted,
            decision_nl=a.decision.nl if a.decision else "",
            decision_en=a.decision.en if a.decision else "",
            position=n,
        )
        for n, a in enumerate(data.areas)
    )
    Principle.objects.bulk_create(
        Principle(
            strategy=strategy,
            code=p.code,
            text_nl=p.text.nl,
            text_en=p.text.en,
            note_nl=p.note.nl if p.note else "",
            note_en=p.note.en if p.note else "",
            mandatory=p.mandatory,
            position=n,
        )
        for n, p in enumerate(data.principles)
    )
    objectives = {
        so.code: so for so in SpecificObjective.objects.filter(priority__programme=programme)
    }
    for n, t in enumerate(data.themes):
        theme = Theme.objects.create(
            strategy=strategy,
            code=t.code,
            name_nl=t.name.nl,
            name_en=t.name.en,
            sdgs=sorted(t.sdgs),
            position=n,
        )
        theme.specific_objectives.set([objectives[c] for c in t.specific_objectives])
        ExampleAction.objects.bulk_create(
            ExampleAction(
                theme=theme,
                group_nl=a.group.nl if a.group else "",
                group_en=a.group.en if a.group else "",
                text_nl=a.nl,
                text_en=a.en,
                position=m,
            )
            for m, a in enumerate(t.example_actions)
        )
    PolicyReference.objects.bulk_create(
        PolicyReference(
            strategy=strategy,
            code=r.code,
            kind=r.kind,
            title_nl=r.title.nl,
            title_en=r.title.en,
            url=r.url or "",
            position=n,
        )
        for n, r in enumerate(data.policy_references)
    )
    return Loaded("strategy", data.city, version, created=True, awaiting=in_force is not None)


# parts of a strategy file compared item by item (by code); the rest as a whole
_LISTS = ("areas", "principles", "themes", "policy_references")


def differences(old: dict, new: dict) -> list[dict]:
    """What a new version changes, part by part: `{"part", "added", "removed", "changed"}` with
    the codes of the items for lists, and `{"part", "changed": True}` for the other parts."""
    out = []
    for part in sorted(set(old) | set(new)):
        before, after = old.get(part), new.get(part)
        if before == after:
            continue
        if part in _LISTS:
            was = {i["code"]: i for i in before or []}
            now = {i["code"]: i for i in after or []}
            out.append(
                {
                    "part": part,
                    "added": [c for c in now if c not in was],
                    "removed": [c for c in was if c not in now],
                    "changed": [c for c in now if c in was and now[c] != was[c]],
                }
            )
        else:
            out.append({"part": part, "changed": True})
    return out


PARTS = {
    "areas": _l("areas"),
    "principles": _l("principles"),
    "themes": _l("themes"),
    "policy_references": _l("policy references"),
    "territory": _l("territory"),
    "title": _l("title"),
    "steering_committee": _l("steering committee"),
}


def describe_changes(changes: list[dict]) -> list[str]:
    """The differences summary as sentences in the reader's language."""
    lines = []
    for c in changes:
        part = str(PARTS.get(c["part"], c["part"].replace("_", " ")))
        if c.get("changed") is True:
            lines.append(_("%(part)s: changed") % {"part": part})
            continue
        said = [
            _("%(what)s %(codes)s") % {"what": label, "codes": ", ".join(c[key])}
            for key, label in (("added", _("added")), ("removed", _("removed")),
                               ("changed", _("changed")))
            if c.get(key)
        ]  # fmt: skip
        lines.append(f"{part}: " + "; ".join(said))
    return lines


def awaiting_approval(city: City) -> Strategy | None:
    """The version of a city's strategy waiting for its steering committee, if any."""
    return (
        Strategy.objects.filter(city=city, status=Strategy.Status.AWAITING)
        .prefetch_related("approvals")
        .order_by("-version")
        .first()
    )


def has_signed(strategy: Strategy, user) -> bool:
    return any(a.member_id == user.pk for a in strategy.approvals.all())


def approval_quorum(strategy: Strategy) -> int:
    """Signatures a version needs: its own quorum, or the one in force if higher, so a new file
    cannot lower the bar that approves it."""
    in_force = Strategy.objects.filter(city=strategy.city_id, is_current=True).first()
    return max(
        strategy.steering_committee_quorum, in_force.steering_committee_quorum if in_force else 0
    )


def sign_approval(strategy: Strategy, *, by) -> Strategy:
    """A member of the city's steering committee signs a version awaiting approval; when a
    quorum has signed, it becomes the version in force. Each signature is an audit event."""
    permissions.require(by, "strategy.approve", city=strategy.city)
    with transaction.atomic():
        strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
        if strategy.status != Strategy.Status.AWAITING:
            raise Refused(_("This version is not awaiting approval."))
        if strategy.approvals.filter(member=by).exists():
            raise Refused(_("You have already signed the approval of this version."))
        StrategyApproval.objects.create(strategy=strategy, member=by)
        in_force = Strategy.objects.filter(city=strategy.city, is_current=True).first()
        quorum = approval_quorum(strategy)
        signed = strategy.approvals.count()
        audit.record(
            "strategy.approval_signed",
            strategy,
            by=by,
            after={"version": strategy.version, "signatures": signed, "quorum": quorum},
            city=strategy.city.code,
        )
        if signed >= quorum:
            Strategy.objects.filter(city=strategy.city, is_current=True).update(is_current=False)
            strategy.is_current = True
            strategy.status = Strategy.Status.APPROVED
            strategy.approved_at = timezone.now()
            strategy.save(update_fields=["is_current", "status", "approved_at"])
            City.objects.filter(pk=strategy.city_id).update(
                name_nl=strategy.source["name"]["nl"], name_en=strategy.source["name"]["en"]
            )
            audit.record(
                "strategy.version_approved",
                strategy,
                by=by,
                before={"version_in_force": in_force.version if in_force else None},
                after={"version_in_force": strategy.version, "signatures": signed},
                city=strategy.city.code,
            )
    return strategy


# --- reading ----------------------------------------------------------------------------------


def current_programme() -> Programme | None:
    return Programme.objects.current().order_by("code").first()


NOT_ADMITTED = Prefetch(
    "areas", Area.all_areas.filter(admitted=False), to_attr="areas_not_admitted"
)  # for `strategy_dict` of a list


def in_force_key() -> str:
    """A short key naming the programme and strategy versions in force (ids and content hashes,
    one query). A version's names, areas and boundaries never change once loaded, so what is
    derived from them alone may be kept under this key: a new version taking force (a load, a
    steering committee's approval) changes the key and the kept value is not read again."""

    def kind(name):
        return Value(name, output_field=CharField())

    programmes = Programme.objects.current().values_list(kind("p"), "pk", "content_hash")
    strategies = Strategy.objects.current().values_list(kind("s"), "pk", "content_hash")
    versions = sorted(programmes.order_by().union(strategies.order_by(), all=True).order_by())
    return hashlib.sha256(repr(versions).encode()).hexdigest()[:16]


def current_strategies(city: str | None = None):
    """Current city strategies with what the pages and the API show, in a few queries."""
    qs = (
        Strategy.objects.current()
        .select_related("city", "programme")
        .prefetch_related(
            "principles",
            "areas",
            "policy_references",
            "themes__example_actions",
            "themes__specific_objectives__priority",
        )
        .order_by("city__code")
    )
    return qs.filter(city__code=city) if city else qs


def strategy_indicators(strategy: Strategy) -> list[dict]:
    """The territorial indicators the strategy fills once (RCO74, RCO75 …), with the value and
    note its file gives; never chosen by a project."""
    given = strategy.source.get("strategy_indicators") or {}
    indicators = {i.code: i for i in strategy.programme.indicators.filter(code__in=given)}
    out = []
    for code, entry in given.items():
        note = entry.get("note") or {}
        out.append(
            {
                "indicator": indicators.get(code),
                "code": code,
                "value": None if entry.get("value") is None else Decimal(entry["value"]),
                "note": note.get((get_language() or "nl")[:2]) or note.get("nl", ""),
            }
        )
    return out


def programme_objectives(programme: Programme):
    """Priorities with their specific objectives and indicators, prefetched."""
    return programme.priorities.prefetch_related("specific_objectives__indicators")


def indicator_dict(indicator: Indicator) -> dict:
    return {
        "code": indicator.code,
        "name": both(indicator, "name"),
        "unit": both(indicator, "unit"),
        "kind": indicator.kind,
        "territorial": indicator.territorial,
    }


def programme_dict(programme: Programme) -> dict:
    return {
        "code": programme.code,
        "version": programme.version,
        "name": both(programme, "name"),
        "fund": programme.fund,
        "period": {"start": programme.period_start, "end": programme.period_end},
        "eligibility": {
            "start": programme.eligibility_start.isoformat(),
            "end": programme.eligibility_end.isoformat(),
        },
        "max_eu_cofinancing_rate": str(programme.max_eu_cofinancing_rate),
        "urban_minimum_share": str(programme.urban_minimum_share),
        "gti_share": str(programme.gti_share),
        "priorities": [
            {
                "code": p.code,
                "reference": p.reference,
                "title": both(p, "title"),
                "share": str(p.share),
                "specific_objectives": [
                    {
                        "code": so.code,
                        "title": both(so, "title"),
                        "indicators": [indicator_dict(i) for i in so.indicators.all()],
                    }
                    for so in p.specific_objectives.all()
                ],
            }
            for p in programme_objectives(programme)
        ],
    }


def _not_admitted(strategy: Strategy):
    prefetched = getattr(strategy, "areas_not_admitted", None)
    if prefetched is not None:
        return prefetched
    return Area.all_areas.filter(strategy=strategy, admitted=False)


def strategy_dict(strategy: Strategy) -> dict:
    return {
        "city": strategy.city.code,
        "name": both(strategy.city, "name"),
        "version": strategy.version,
        "programme": strategy.programme.code,
        "title": both(strategy, "title"),
        "territory": both(strategy, "territory"),
        "principles": [
            {
                "code": p.code,
                "text": both(p, "text"),
                "mandatory": p.mandatory,
                "note": both(p, "note") if p.note_nl else None,
            }
            for p in strategy.principles.all()
        ],
        "themes": [
            {
                "code": t.code,
                "name": both(t, "name"),
                "specific_objectives": [so.code for so in t.specific_objectives.all()],
                "sdgs": [sdgs.goal_dict(g) for g in sdgs.goals_of(t.sdgs)],
                "example_actions": [
                    {
                        "nl": a.text_nl,
                        "en": a.text_en,
                        "group": both(a, "group") if a.group_nl else None,
                    }
                    for a in t.example_actions.all()
                ],
            }
            for t in strategy.themes.all()
        ],
        "areas": [{"code": a.code, "name": a.name, "kind": a.kind} for a in strategy.areas.all()],
        "areas_not_admitted": [
            {"code": a.code, "name": a.name, "decision": both(a, "decision")}
            for a in _not_admitted(strategy)
        ],
        "policy_references": [
            {"code": r.code, "kind": r.kind, "title": both(r, "title"), "url": r.url or None}
            for r in strategy.policy_references.all()
        ],
        "attribution": both(strategy, "attribution"),
        "steering_committee_quorum": strategy.steering_committee_quorum,
    }


def show(city: str | None = None) -> dict:
    """Everything loaded and current, as `gti strategy show --format json` prints it."""
    programme = current_programme()
    return {
        "programme": programme_dict(programme) if programme else None,
        "strategies": [strategy_dict(s) for s in current_strategies(city)],
    }


def theme_objective_table(strategies) -> tuple[list, list[dict]]:
    """Cross table: rows are theme codes (in the order the strategies give them), columns the
    specific objectives, each cell the set of city codes whose theme has that objective."""
    rows: dict[str, dict] = {}
    objectives: dict[str, SpecificObjective] = {}
    for strategy in strategies:
        for theme in strategy.themes.all():
            row = rows.setdefault(theme.code, {"theme": theme, "cells": {}})
            for so in theme.specific_objectives.all():
                objectives.setdefault(so.code, so)
                row["cells"].setdefault(so.code, []).append(strategy.city)
    columns = sorted(objectives.values(), key=lambda so: (so.priority.position, so.position))
    for row in rows.values():
        row["cells"] = [row["cells"].get(so.code, []) for so in columns]
    return columns, list(rows.values())


def area_of(city: str, code: str) -> Area | None:
    """An area of the city's strategy in force, by code (admitted or not)."""
    return (
        Area.all_areas.filter(strategy__is_current=True, strategy__city__code=city, code=code)
        .select_related("strategy__city")
        .first()
    )


def area_projects(area: Area, user) -> list[tuple]:
    """The proposals linked to an area (by its code, under any strategy version) that this
    person may see, each with whether they may open it: approved projects are public (their
    line, not their file); the rest as `visible_to` allows."""
    from gti.proposals.models import Proposal

    seen = Proposal.objects.visible_to(user).values("pk")
    found = list(
        Proposal.objects.filter(
            Q(state=Proposal.State.APPROVED) | Q(pk__in=seen),
            city=area.strategy.city,
            areas__code=area.code,
        )
        .select_related("theme")
        .distinct()
        .order_by("reference")
    )
    openable = set(
        Proposal.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in found])
        .values_list("pk", flat=True)
    )
    return [(p, p.pk in openable) for p in found]
