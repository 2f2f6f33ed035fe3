"""The list of operations the public may read (CPR art. 49(3)): the one home of what is published
about an approved operation. Every export, page and API of open data reads its rows here, so a
field that is not in `Operation` is never published.

What is read: approved proposals only, their lead partner (the beneficiary), summary, dates,
costs, the grant version in force (ERDF, rate, eligible cost and period), the strategy's names
(priority, specific objective, theme, city), the areas' names and boundaries, and the indicator
codes and values of the latest accepted progress report, and the participation moments held
about it (without who recorded them). What is never read: contact persons,
applicants, screening, assessment, remarks and anything of a proposal that is not approved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from itertools import batched

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gti.monitoring import services
from gti.monitoring.models import Grant, GrantVersion, IndicatorValue, ProgressReport
from gti.participation.models import InvolvementMoment
from gti.proposals.models import BudgetLine, Partner, Proposal
from gti.strategy import geo
from gti.strategy.models import Area, Strategy, Theme

# The member state of the programme: the programme file does not state it yet.
COUNTRY = "BE"
CHUNK = 500  # rows read from the database at a time
CENT = Decimal("0.01")


class Status(TextChoices):
    """Where an approved operation stands: the decision made, its grant not yet in force;
    running under a grant version approved; the grant closed."""

    APPROVED = "approved", gettext_lazy("approved, not started")
    RUNNING = "running", gettext_lazy("running")
    CLOSED = "closed", gettext_lazy("closed")


@dataclass(frozen=True)
class Operation:
    """One published operation; the columns in the order of the published list. `geometry`
    (the operation's areas as one GeoJSON MultiPolygon, or None) is for maps, `status` for the
    portal's pages: neither is a column."""

    operation_id: str
    operation_name: str
    beneficiary: str
    purpose_and_achievements: str
    start_date: str
    expected_end_date: str
    total_cost_eur: str
    eligible_cost_eur: str
    eu_contribution_eur: str
    union_cofinancing_rate: str
    fund: str
    priority: str
    specific_objective: str
    category_of_intervention: str
    city: str
    theme: str
    location: str
    location_postcode: str
    country: str
    last_updated: str
    geometry: dict | None = field(default=None, repr=False, compare=False)
    status: str = field(default=Status.APPROVED, compare=False)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    def row(self) -> dict[str, str]:
        """The published columns, in order."""
        values = asdict(self)
        return {key: values[key] for key in COLUMNS}


COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Operation) if f.name not in ("geometry", "status")
)


def _money(amount) -> str:
    return "" if amount is None else str(Decimal(amount).quantize(CENT))


def _date(value) -> str:
    return "" if value is None else value.isoformat()


def beneficiary(proposal: Proposal) -> str:
    """The beneficiary's name, only where it is a legal entity (CPR art. 49(3)(a): natural
    persons are not named). The promoter field is free text; the lead partner (position 0) is
    the promoter by the submission rules and says whether it has legal personality. Without a
    lead partner with legal personality the name stays empty rather than risk a person's name."""
    lead = proposal.lead_partners[0] if proposal.lead_partners else None
    return lead.name if lead is not None and lead.legal_personality else ""


def _achievements(proposal: Proposal, version: GrantVersion | None, achieved) -> str:
    """The purpose (the proposal's summary), the targets of the grant in force and the values
    of the latest accepted progress report (`achieved`: its end date and (code, value) pairs,
    or None), by indicator code."""
    purpose = proposal.summary.strip()
    parts = [purpose if purpose.endswith((".", "!", "?")) else f"{purpose}."] if purpose else []
    if version is not None and version.indicators:
        targets = "; ".join(
            f"{t['code']} {Decimal(t['target']).normalize():f}" for t in version.indicators
        )
        parts.append(_("Targets: %(targets)s.") % {"targets": targets})
    if achieved is not None and achieved[1]:
        period_end, pairs = achieved
        values = "; ".join(f"{code} {value.normalize():f}" for code, value in pairs)
        parts.append(
            _("Achieved by %(date)s: %(values)s.")
            % {"date": period_end.isoformat(), "values": values}
        )
    return " ".join(parts)


@dataclass
class _Reports:
    """What a grant's accepted progress reports publish: when each was accepted, and the end
    date and indicator values of the latest."""

    reviewed: list = field(default_factory=list)
    latest: tuple | None = None  # (period end, [(code, value)])


def _reports(grant_ids: list[int]) -> dict[int, _Reports]:
    """The accepted reports of these grants, read as plain values in two queries (a page reads
    some fifty values a grant: as model instances they cost more than the queries)."""
    found: dict[int, _Reports] = {}
    latest: dict[int, int] = {}  # report id: its grant
    rows = (
        ProgressReport.objects.filter(grant__in=grant_ids, state=ProgressReport.State.ACCEPTED)
        .order_by("grant", "-period_end", "-pk")
        .values_list("grant", "pk", "period_end", "reviewed_at")
    )
    for grant, report, period_end, reviewed_at in rows:
        if grant not in found:
            found[grant] = _Reports(latest=(period_end, []))
            latest[report] = grant
        if reviewed_at:
            found[grant].reviewed.append(reviewed_at)
    values = IndicatorValue.objects.filter(report__in=latest).order_by("report", "pk")
    # the value as the database writes it: Decimal() of a text is cheaper than the field's own
    # conversion (a float on SQLite), and gives the same number
    as_text = Cast("value", TextField())
    for report, code, value in values.values_list("report", "code", as_text):
        found[latest[report]].latest[1].append((code, Decimal(value)))
    return found


def _geometry(proposal: Proposal, with_geometry: bool) -> dict | None:
    if not with_geometry:
        return None
    areas = proposal.strategy.areas.all() if proposal.whole_city else proposal.listed_areas
    return geo.multipolygon([a.boundary for a in areas if a.boundary])


def _has_version():
    return Exists(
        GrantVersion.objects.filter(
            grant__proposal=OuterRef("pk"), state=GrantVersion.State.APPROVED
        )
    )


STATUS_FILTERS = {
    Status.APPROVED: Q(grant__isnull=True) | Q(grant__state=Grant.State.OPEN, has_version=False),
    Status.RUNNING: Q(grant__state=Grant.State.OPEN, has_version=True),
    Status.CLOSED: Q(grant__state=Grant.State.CLOSED),
}


def matching(rows: QuerySet, q: str) -> QuerySet:
    """The rows whose name or purpose (the published summary) hold the words of `q`: full-text
    search on PostgreSQL (Dutch stemming, the language most proposals are written in), a plain
    substring on SQLite. Never the unpublished description: a hit would betray its words."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return rows.annotate(words=SearchVector("title", "summary", config="dutch")).filter(
            words=SearchQuery(q, config="dutch", search_type="websearch")
        )
    return rows.filter(Q(title__icontains=q) | Q(summary__icontains=q))


def _serving(rows: QuerySet, goal: int) -> list[int]:
    """The ids of the rows whose own goals (a JSON list of numbers) hold `goal`, looked up once
    by the database (PostgreSQL's containment, SQLite's json_each), not in each query of a page."""
    if connection.vendor == "postgresql":
        return list(rows.filter(sdgs__contains=[goal]).values_list("pk", flat=True))
    table = connection.ops.quote_name(Proposal._meta.db_table)
    within = f"SELECT p.id FROM {table} p, json_each(p.sdgs) g WHERE g.value = %s"
    return list(rows.filter(pk__in=RawSQL(within, (goal,))).values_list("pk", flat=True))


# The orders a list may take (a leading "-": descending), each on a published value itself.
SORTS = {"operation_id": "reference", "operation_name": "title", "total_cost_eur": "total"}


def _total():
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    costs = BudgetLine.objects.filter(proposal=OuterRef("pk")).values("proposal")
    return Coalesce(Subquery(costs.annotate(s=Sum("amount")).values("s")), zero)


def approved(
    city: str | None = None,
    *,
    theme: str | None = None,
    objective: str | None = None,
    area: str | None = None,
    status: str | None = None,
    sdg: int | None = None,
    q: str | None = None,
    sort: str = "operation_id",
) -> QuerySet:
    """The approved proposals (the rows to publish), filtered: by city, theme and area (codes;
    an area holds its own projects and the whole city's), specific objective (its code), status
    (`Status`), Sustainable Development Goal (of the theme or the proposal's own) and words
    (`matching`); in the order of `sort` (a key of `SORTS`, "-" first for descending), then by
    reference. Unknown values simply match nothing: the caller checks its input."""
    rows = Proposal.objects.filter(state=Proposal.State.APPROVED)
    if city:
        rows = rows.filter(city__code=city)
    if theme:
        rows = rows.filter(theme__code=theme)
    if objective:
        rows = rows.filter(specific_objective__code=objective)
    if area:
        rows = rows.filter(
            Q(areas__code=area) | Q(whole_city=True, strategy__areas__code=area)
        ).distinct()
    if status:
        rows = rows.annotate(has_version=_has_version()).filter(STATUS_FILTERS[status])
    if sdg:
        themes = [t.pk for t in Theme.objects.only("sdgs") if sdg in t.sdgs]
        rows = rows.filter(Q(theme__in=themes) | Q(pk__in=_serving(rows, sdg)))
    if q:
        rows = matching(rows, q)
    key = SORTS[sort.removeprefix("-")]
    if key == "total":
        rows = rows.annotate(total=_total())
    return rows.order_by(f"-{key}" if sort.startswith("-") else key, "reference")


def published(
    city: str | None = None, *, with_geometry: bool = False, **filters
) -> Iterator[Operation]:
    """The approved operations (of one city, by its code; filtered as `approved` filters), by
    reference, streamed; names in the active language. A few queries whatever the number."""
    return _read(approved(city, **filters), with_geometry)


def credit() -> str:
    """Whose boundaries the geometries are, as their licence asks wherever they are shown or
    passed on (the strategies' attribution, in the active language)."""
    return "; ".join(s.attribution for s in Strategy.objects.current().order_by("city__code"))


def by_pk(ids: list[int]) -> dict[int, Operation]:
    """The published operations of these proposals, by the proposal's id (approved ones only,
    read again: a state changed since the ids were read leaves its row out)."""
    rows = Proposal.objects.filter(pk__in=ids, state=Proposal.State.APPROVED)
    pks = dict(rows.values_list("reference", "pk"))
    return {pks[o.operation_id]: o for o in _read(rows, with_geometry=False, streamed=False)}


def page(number, size: int = 25, **filters) -> Page:
    """One page of the published operations the filters select."""
    pages = Paginator(approved(**filters).values_list("pk", flat=True), size)
    found = pages.get_page(number)
    read = by_pk(list(found.object_list))
    found.object_list = [read[pk] for pk in found.object_list if pk in read]
    return found


def one(operation_id: str) -> Operation | None:
    """The published operation of this reference; None when there is none (or not approved)."""
    rows = Proposal.objects.filter(state=Proposal.State.APPROVED, reference=operation_id)
    return next(_read(rows, with_geometry=False, streamed=False), None)


@dataclass(frozen=True)
class Involvement:
    """A participation moment as published with its operation: what was asked of whom, what
    came out, how participants were told. Who recorded it is not published."""

    held_on: str
    channel: str
    target_group: str
    participants: int
    question: str
    outcome: str
    feedback_on: str
    feedback_how: str


def involvement(operation_id: str) -> list[Involvement]:
    """The participation moments of a published operation (approved ones only)."""
    rows = InvolvementMoment.objects.filter(
        proposal__reference=operation_id, proposal__state=Proposal.State.APPROVED
    ).order_by("held_on", "pk")
    return [
        Involvement(
            held_on=_date(m.held_on),
            channel=m.channel_label,
            target_group=m.get_target_group_display(),
            participants=m.participants,
            question=m.question,
            outcome=m.outcome,
            feedback_on=_date(m.feedback_on),
            feedback_how=m.feedback_how,
        )
        for m in rows
    ]


def per_area(**filters) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """How many of the operations the filters select lie in each area, by (city, area code),
    and how many cover their whole city, by city code: what a map marks."""
    rows = approved(**filters)
    areas = (
        rows.filter(whole_city=False, areas__isnull=False)
        .values_list("city__code", "areas__code")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    whole = (
        rows.filter(whole_city=True)
        .values_list("city__code")
        .annotate(n=Count("pk", distinct=True))
    )
    return (
        {(city, code): n for city, code, n in areas},
        dict(whole.order_by()),
    )


def _status(grant, versions) -> str:
    if grant is None:
        return Status.APPROVED
    if grant.state == Grant.State.CLOSED:
        return Status.CLOSED
    return Status.RUNNING if versions else Status.APPROVED


# What a proposal holds that is never published, not even read here: the contact persons, the
# assessment, the texts only the selection reads; and the large values of its call.
UNREAD = (
    "description", "promoter", "contact_name", "contact_email", "contact_phone", "urban_angle",
    "additionality", "screening_reasons", "block_scores", "consolidated_score",
    "call__procedure", "call__description", "call__programme__source",
)  # fmt: skip


def _read(rows: QuerySet, with_geometry: bool, streamed: bool = True) -> Iterator[Operation]:
    """The operations of these approved proposals. `streamed`: read CHUNK rows at a time (a
    server-side cursor on PostgreSQL), for the whole list; else at once, for a page or one."""
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    costs = BudgetLine.objects.filter(proposal=OuterRef("pk")).values("proposal")
    areas = Area.all_areas.order_by("position").defer("decision_nl", "decision_en")
    # (lists, `to_attr`: a prefetch into a manager filters its queryset again for every row)
    rows = (
        rows.select_related(
            "city", "theme", "specific_objective__priority", "call__programme", "grant"
        )  # fmt: skip
        .defer(*UNREAD)
        .annotate(
            total=_total(),
            eligible=Coalesce(
                Subquery(costs.filter(eligible=True).annotate(s=Sum("amount")).values("s")), zero
            ),
        )
        .prefetch_related(
            Prefetch("partners", Partner.objects.filter(position=0), to_attr="lead_partners"),
            Prefetch(
                "areas", areas if with_geometry else areas.defer("boundary"), to_attr="listed_areas"
            ),
            Prefetch(
                "grant__versions",
                GrantVersion.objects.filter(state=GrantVersion.State.APPROVED).defer(
                    "partner_budget", "milestones", "special_conditions", "reason"
                ),
                to_attr="approved_versions",
            ),
        )
    )
    if with_geometry:
        rows = rows.prefetch_related("strategy__areas")
    today = timezone.localdate()
    for chunk in batched(rows.iterator(chunk_size=CHUNK) if streamed else rows, CHUNK):
        reports = _reports([p.grant.pk for p in chunk if getattr(p, "grant", None)])
        for p in chunk:
            yield _operation(p, reports, today, with_geometry)


def _operation(p: Proposal, reports: dict[int, _Reports], today, with_geometry) -> Operation:
    grant = getattr(p, "grant", None)
    versions = grant.approved_versions if grant is not None else []
    # the version in force today; a grant whose first version starts later: that one
    version = services.in_force_among(versions, today) or min(
        versions, key=lambda v: v.number, default=None
    )
    if version is not None:
        eligible = sum((Decimal(a) for a in version.budget.values()), Decimal("0.00"))
        erdf, rate = version.erdf, version.rate
        start, end = version.eligible_from, version.eligible_until
    else:  # approved, the grant not opened yet: the figures of the decision
        eligible, erdf, rate = p.eligible, p.erdf_granted, p.erdf_rate
        start, end = p.start_date, p.end_date
    accepted = reports.get(grant.pk) if grant is not None else None
    changes = [p.updated_at] + [v.approved_at for v in versions if v.approved_at]
    changes += accepted.reviewed if accepted else []
    objective = p.specific_objective
    return Operation(
        operation_id=p.reference,
        operation_name=p.title,
        beneficiary=beneficiary(p),
        purpose_and_achievements=_achievements(p, version, accepted and accepted.latest),
        start_date=_date(start),
        expected_end_date=_date(end),
        total_cost_eur=_money(p.total),
        eligible_cost_eur=_money(eligible),
        eu_contribution_eur=_money(erdf),
        union_cofinancing_rate="" if rate is None else f"{rate.normalize():f}",
        fund=p.call.programme.fund,
        priority=objective.priority.label if objective else "",
        specific_objective=f"{objective.code} {objective.title}" if objective else "",
        category_of_intervention="",  # CPR Annex I, table 1: not in the data yet
        city=p.city.name,
        theme=p.theme.name if p.theme else "",
        location=p.city.name if p.whole_city else "; ".join(a.name for a in p.listed_areas),
        location_postcode="",  # not in the data yet
        country=COUNTRY,
        last_updated=timezone.localdate(max(changes)).isoformat(),
        geometry=_geometry(p, with_geometry),
        status=_status(grant, versions),
    )
