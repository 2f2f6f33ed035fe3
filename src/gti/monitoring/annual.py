"""The annual implementation report of the GTI for one calendar year, per city or for the whole
GTI: what the secretariats and the managing authority report on each year (the strategy, the
projects selected, grants, progress reports, claims and payments, indicators, SDGs, the 60/40
balance and N+3).

Reads only, through the scoped querysets (`visible_to`) of the person asking; `person=None`
(the command) reads everything. Where the dashboard already computes a figure it is reused
with the year's end as its bound:

- selected: approved by a confirmed decision of the managing authority dated in the year (or
  by its end, for the cumulative figures); eligible cost from the proposal's eligible budget
  lines, ERDF committed its ERDF granted;
- grants in force: a version approved and in force by the year's end, not closed before the
  year began; amendments: versions after the first that took force in the year;
- claims: declared (submitted) in the year, verified in the year (lines accepted, reduced,
  rejected), paid in the year;
- indicators: the latest accepted progress report whose period ended by the year's end.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.contrib.staticfiles import finders
from django.db.models import Count, Max, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import Field

from gti.accounts import permissions
from gti.errors import Invalid
from gti.monitoring import dashboard
from gti.monitoring.dashboard import cents
from gti.monitoring.exports import CityParameters, readable_cities
from gti.monitoring.models import (
    Claim,
    ClaimLine,
    Grant,
    GrantVersion,
    Payment,
    PaymentApplication,
    ProgressReport,
)
from gti.proposals import documents
from gti.proposals.models import BudgetLine, Proposal
from gti.strategy.models import City, Programme, Strategy

ZERO = Decimal("0.00")
FIRST_YEAR, LAST_YEAR = 2021, 2035  # the programme period and its closure (CPR art. 63)


@dataclass
class Selection:
    """Projects selected for one specific objective and theme."""

    objective: str
    theme: str
    projects: int = 0
    eligible: Decimal = ZERO
    erdf: Decimal = ZERO


@dataclass
class Claims:
    declared_count: int = 0
    declared: Decimal = ZERO
    verified_count: int = 0
    lines_accepted: int = 0
    lines_reduced: int = 0
    lines_rejected: int = 0
    declared_verified: Decimal = ZERO  # what the verified claims declared
    accepted: Decimal = ZERO  # the eligible cost kept
    payable: Decimal = ZERO  # the ERDF payable on it
    paid_count: int = 0
    paid: Decimal = ZERO


@dataclass
class Section:
    """The figures of one city, or of the whole GTI (`city` None)."""

    city: City | None
    selected_year: list[Selection] = field(default_factory=list)
    selected_total: list[Selection] = field(default_factory=list)
    grants_in_force: int = 0
    amendments: int = 0
    reports_submitted: int = 0
    reports_accepted: int = 0
    claims: Claims = field(default_factory=Claims)
    payment_applications: list[PaymentApplication] | None = None  # None: not the person's to see
    indicators: list[dict] = field(default_factory=list)
    sdgs: list[dict] = field(default_factory=list)
    balance: list[dict] = field(default_factory=list)

    def totals(self, rows: list[Selection]) -> Selection:
        return Selection(
            "", "", sum(r.projects for r in rows),
            sum((r.eligible for r in rows), ZERO), sum((r.erdf for r in rows), ZERO),
        )  # fmt: skip

    @property
    def year_total(self) -> Selection:
        return self.totals(self.selected_year)

    @property
    def cumulative_total(self) -> Selection:
        return self.totals(self.selected_total)


@dataclass
class AnnualReport:
    year: int
    start: datetime.date
    end: datetime.date
    programme: Programme
    strategies: list[Strategy]
    sections: list[Section]  # one per city, then the GTI as a whole when there are several
    n3: list[dict] | None  # the programme's N+3 years as of the year's end


class BadChoice(ValueError):
    """A year or city the report cannot be made for; `field` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def cities_for(person) -> list[City]:
    """The cities whose report the person may read."""
    return readable_cities(person, "annual_report.view")


def _chosen(person, year: int, city: City | str | None) -> list[City]:
    """The cities of the report asked for; BadChoice names a year or city it cannot be made for."""
    if person is not None:
        permissions.require(person, "annual_report.view")
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadChoice("year", _("a year from %(first)s to %(last)s") % {
            "first": FIRST_YEAR, "last": LAST_YEAR})  # fmt: skip
    allowed = cities_for(person)
    if city is not None:
        code = getattr(city, "code", city)
        allowed = [c for c in allowed if c.code == code]
        if not allowed:
            raise BadChoice("city", _("not a city whose report you may read"))
    return allowed


def annual_report(person, year: int, city: City | str | None = None) -> AnnualReport:
    """The report for `year`, for `city` (a City or its code) or every city `person` may see."""
    allowed = _chosen(person, year, city)
    programme = Programme.objects.filter(is_current=True).first()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    sections = [_section(person, programme, start, end, c) for c in allowed]
    if len(allowed) > 1:
        sections.append(_section(person, programme, start, end, None, allowed))
    strategies = list(
        Strategy.objects.filter(is_current=True, city__in=allowed).select_related("city")
        .prefetch_related("themes__specific_objectives").order_by("city__code")
    )  # fmt: skip
    # Programme-wide (the programme file's commitments): as the year ended, or today.
    as_of = min(end, timezone.localdate())
    n3 = dashboard.n3(programme, as_of) if programme is not None else None
    return AnnualReport(year, start, end, programme, strategies, sections, n3)


def _proposals(person, programme, cities):
    seen = Proposal.objects.all() if person is None else Proposal.objects.visible_to(person)
    seen = seen.filter(city__in=cities)
    if programme is not None:  # every version of the programme, as on the dashboard
        seen = seen.filter(call__programme__code=programme.code)
    return dashboard.plain(seen)


def _selected(proposals, until: datetime.date, since: datetime.date | None = None):
    """The proposals approved by a confirmed decision of the managing authority dated by
    `until` (and from `since`)."""
    decided = Q(
        decisions__outcome="approved", decisions__meeting__purpose="decision",
        decisions__meeting__state="confirmed", decisions__meeting__date__lte=until,
    )  # fmt: skip
    if since is not None:
        decided &= Q(decisions__meeting__date__gte=since)
    approved = proposals.filter(decided, state=Proposal.State.APPROVED).values("pk")
    return Proposal.objects.filter(pk__in=approved)


def _selection(proposals) -> list[Selection]:
    """Per specific objective and theme (by code: both cities' strategies and their versions
    share the codes, so the GTI's rows add them up; the name is one of theirs)."""
    key = ("specific_objective__code", "theme__code")
    rows = {
        (r["specific_objective__code"], r["theme__code"]): r
        for r in proposals.order_by().values(*key)
        .annotate(n=Count("pk"), erdf=Sum("erdf_granted"), name_nl=Max("theme__name_nl"),
                  name_en=Max("theme__name_en"))
    }  # fmt: skip
    eligible = dict(
        ((r["proposal__specific_objective__code"], r["proposal__theme__code"]), r["total"])
        for r in BudgetLine.objects.filter(proposal__in=proposals, eligible=True).order_by()
        .values("proposal__specific_objective__code", "proposal__theme__code")
        .annotate(total=Sum("amount"))
    )  # fmt: skip
    name = "name_en" if (get_language() or "nl").startswith("en") else "name_nl"
    return [
        Selection(
            objective=objective or "", theme=r[name] or "", projects=r["n"],
            eligible=cents(eligible.get((objective, theme))), erdf=cents(r["erdf"]),
        )
        for (objective, theme), r in sorted(rows.items(), key=lambda i: [k or "" for k in i[0]])
    ]  # fmt: skip


def _claims(claims, payments, start, end) -> Claims:
    out = Claims()
    declared = claims.exclude(state=Claim.State.DRAFT).filter(submitted_on__range=(start, end))
    figures = declared.aggregate(n=Count("pk"), total=Sum("declared"))
    out.declared_count, out.declared = figures["n"], cents(figures["total"])
    verified = claims.filter(state__in=(Claim.State.VERIFIED, Claim.State.PAID),
                             verified_at__date__range=(start, end))  # fmt: skip
    figures = verified.aggregate(n=Count("pk"), declared=Sum("declared"),
                                 accepted=Sum("accepted"), payable=Sum("erdf_payable"))  # fmt: skip
    out.verified_count = figures["n"]
    out.declared_verified = cents(figures["declared"])
    out.accepted = cents(figures["accepted"])
    out.payable = cents(figures["payable"])
    lines = dict(
        ClaimLine.objects.filter(claim__in=verified).order_by().values_list("outcome")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    out.lines_accepted = lines.get(ClaimLine.Outcome.ACCEPT, 0)
    out.lines_reduced = lines.get(ClaimLine.Outcome.REDUCE, 0)
    out.lines_rejected = lines.get(ClaimLine.Outcome.REJECT, 0)
    figures = payments.filter(paid_on__range=(start, end)).aggregate(
        n=Count("pk"), total=Sum("amount"))  # fmt: skip
    out.paid_count, out.paid = figures["n"], cents(figures["total"])
    return out


def _section(person, programme, start, end, city, cities=None) -> Section:
    cities = cities or [city]
    proposals = _proposals(person, programme, cities)
    until_end = _selected(proposals, end)
    section = Section(city=city)
    section.selected_year = _selection(_selected(proposals, end, since=start))
    section.selected_total = _selection(until_end)

    grants = (Grant.objects.all() if person is None else Grant.objects.visible_to(person)).filter(
        proposal__in=proposals
    )
    section.grants_in_force = (
        grants.filter(versions__state=GrantVersion.State.APPROVED,
                      versions__in_force_from__lte=end)
        .exclude(closed_on__lt=start).distinct().count()
    )  # fmt: skip
    section.amendments = GrantVersion.objects.filter(
        grant__in=grants, number__gt=1, state=GrantVersion.State.APPROVED,
        in_force_from__range=(start, end),
    ).count()  # fmt: skip
    reports = ProgressReport.objects.filter(grant__in=grants).aggregate(
        submitted=Count("pk", filter=Q(submitted_at__date__range=(start, end))),
        accepted=Count("pk", filter=Q(state=ProgressReport.State.ACCEPTED,
                                      reviewed_at__date__range=(start, end))),
    )  # fmt: skip
    section.reports_submitted, section.reports_accepted = reports["submitted"], reports["accepted"]

    claims = Claim.objects.all() if person is None else Claim.objects.visible_to(person)
    claims = claims.filter(grant__in=grants)
    section.claims = _claims(claims, Payment.objects.filter(grant__in=grants), start, end)

    if person is None or permissions.can(person, "payment_application.view"):
        section.payment_applications = list(
            PaymentApplication.objects.filter(
                city__in=cities, submitted_on__range=(start, end),
                state=PaymentApplication.State.SUBMITTED,
            ).select_related("city", "priority")
        )  # fmt: skip
    section.indicators = dashboard.indicators(until_end, until=end)
    section.sdgs = dashboard.sdgs(until_end)
    if programme is not None:
        section.balance = dashboard.balance(until_end, programme)
    return section


# --- the report as a document ---------------------------------------------------------------


def filename(report) -> str:
    cities = [s.city.code for s in report.sections if s.city is not None]
    return f"gti-annual-report-{report.year}-{cities[0] if len(cities) == 1 else 'gti'}"


def html(report) -> str:
    """The report as a page of its own (the command's HTML and the PDF's source)."""
    css = Path(finders.find("gti/document.css")).read_text(encoding="utf-8")
    return render_to_string("monitoring/annual_report.html", {
        "layout": "monitoring/print_layout.html", "report": report, "css": css})  # fmt: skip


def pdf(report) -> bytes:
    return documents.render_pdf(html(report))


class PdfParameters(CityParameters):
    """The report a background job makes as PDF (`jobs.KINDS["annual_pdf"]`)."""

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)


def check_pdf(person, params: PdfParameters) -> None:
    """Before a PDF job is queued: a city the person may not read is refused by name."""
    try:
        _chosen(person, params.year, params.city)
    except BadChoice as exc:
        raise Invalid.one(exc.field, str(exc)) from exc


def write_pdf(person, params: PdfParameters, out: IO[bytes], progress) -> str:
    """The job's work: the figures (step 1), the PDF (step 2), written to `out`."""
    progress(0, 2)
    try:
        report = annual_report(person, params.year, params.city)
    except BadChoice as exc:
        raise Invalid.one(exc.field, str(exc)) from exc
    progress(1, 2)
    out.write(pdf(report))
    progress(2, 2)
    return f"{filename(report)}.pdf"
