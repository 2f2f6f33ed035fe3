"""The Excel export for the managing authority: one workbook with the approved projects, the
grants (the version in force), the claims and their lines, the payments, the payment
applications and the indicator targets with the values achieved.

Only what the person may see goes in: every sheet reads its rows through the scoped querysets
(`visible_to`), so a city's secretariat exports its own city. The workbook is written in
openpyxl's write-only mode and the rows are read with `.iterator()`, so a large programme never
sits in memory whole; `progress(done, total)` is told as the rows go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import BaseModel, ConfigDict, field_validator

from gti import spreadsheets
from gti.accounts import permissions
from gti.errors import Invalid
from gti.monitoring import services
from gti.monitoring.models import (
    Claim,
    ClaimLine,
    Grant,
    GrantVersion,
    Payment,
    PaymentApplication,
    ProgressReport,
)
from gti.proposals.models import BudgetLine, Proposal
from gti.strategy.models import City

CHUNK = 500  # rows read from the database at a time
EVERY = 200  # rows between two progress updates
MONEY_FORMAT = "#,##0.00"


class CityParameters(BaseModel):
    """A job's choice of city: one city (its code), or every city the person may see."""

    model_config = ConfigDict(extra="forbid")
    city: str | None = None

    @field_validator("city")
    @classmethod
    def _known(cls, code):
        if code is not None and not City.objects.filter(code=code).exists():
            raise ValueError(_("no such city"))
        return code


class ExcelParameters(CityParameters):
    """What the person chooses: one city's projects only, or all they may see."""


def readable_cities(person, action: str) -> list[City]:
    """The cities whose figures the person may read for `action`: all for the command line and
    programme-wide roles, else the cities of the person's grants of the roles allowed it."""
    cities = City.objects.filter(strategies__is_current=True).distinct().order_by("code")
    if person is None:
        return list(cities)
    ids: set = set()
    for role in permissions.ACTIONS[action]:
        found = permissions.cities(person, role)
        if found is None:
            return list(cities)
        ids |= found
    return [c for c in cities if c.pk in ids]


def check_excel(person, params: ExcelParameters) -> None:
    """Before the job is queued, and again when it runs: a city the person may not read is
    refused by name, rather than answered with an empty workbook."""
    if params.city and params.city not in {c.code for c in readable_cities(person, "export.excel")}:
        raise Invalid.one("city", _("not a city whose figures you may read"))


@dataclass
class Sheet:
    title: str
    headings: list[str]
    rows: Callable[[], Iterator[list]]
    count: int
    money: set[int]  # the columns (0-based) that hold amounts


def _visible(model, user):
    """What the person may see; the command line run without a person: the whole programme."""
    return model.objects.all() if user is None else model.objects.visible_to(user)


def _proposals(user, city: str | None):
    """The approved proposals the person may see (ids first: the visible set is distinct)."""
    seen = _visible(Proposal, user).filter(state=Proposal.State.APPROVED)
    if city:
        seen = seen.filter(city__code=city)
    return Proposal.objects.filter(pk__in=seen.values("pk"))


def _sheets(user, params: ExcelParameters) -> list[Sheet]:
    today = timezone.localdate()
    proposals = _proposals(user, params.city)
    grants = _visible(Grant, user).filter(proposal__in=proposals)
    claims = _visible(Claim, user).filter(grant__in=grants)
    applications = PaymentApplication.objects.none()
    if user is None or permissions.can(user, "payment_application.view"):
        applications = PaymentApplication.objects.all()
        if params.city:
            applications = applications.filter(city__code=params.city)

    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    costs = BudgetLine.objects.filter(proposal=OuterRef("pk")).values("proposal")
    project_rows = (
        proposals.select_related("city", "theme", "specific_objective__priority")
        .annotate(
            total=Coalesce(Subquery(costs.annotate(s=Sum("amount")).values("s")), zero),
            eligible=Coalesce(
                Subquery(costs.filter(eligible=True).annotate(s=Sum("amount")).values("s")), zero
            ),
        )
        .order_by("reference")
    )

    def projects():
        for p in project_rows.iterator(chunk_size=CHUNK):
            yield [p.reference, p.title, p.city.name, p.promoter, p.theme.name,
                   p.specific_objective.code, p.specific_objective.priority.code,
                   p.start_date, p.end_date, p.total, p.eligible, p.erdf_requested,
                   p.erdf_granted]  # fmt: skip

    grant_rows = (
        grants.select_related("proposal__city")
        .prefetch_related(
            Prefetch("versions", GrantVersion.objects.filter(state=GrantVersion.State.APPROVED))
        )
        .order_by("proposal__reference")
    )

    def in_force(grant) -> GrantVersion | None:
        versions = list(grant.versions.all())
        return services.in_force_among(versions, today) or min(
            versions, key=lambda v: v.number, default=None
        )

    def grant_sheet():
        for g in grant_rows.iterator(chunk_size=CHUNK):
            v = in_force(g)
            yield [g.proposal.reference, g.proposal.city.name, g.get_state_display(),
                   v and v.number, v and v.in_force_from, v and v.erdf, v and v.rate,
                   v and v.eligible_from, v and v.eligible_until]  # fmt: skip

    claim_rows = claims.select_related("grant__proposal", "version", "payment").order_by(
        "grant__proposal__reference", "number"
    )

    def claim_sheet():
        for c in claim_rows.iterator(chunk_size=CHUNK):
            paid = getattr(c, "payment", None)
            yield [c.grant.proposal.reference, c.number, c.get_state_display(), c.final,
                   c.submitted_on, c.version and c.version.number, c.declared, c.accepted,
                   c.erdf_payable, paid and paid.amount, paid and paid.paid_on]  # fmt: skip

    line_rows = (
        ClaimLine.objects.filter(claim__in=claims)
        .select_related("claim__grant__proposal")
        .order_by("claim__grant__proposal__reference", "claim__number", "position")
    )

    def line_sheet():
        for li in line_rows.iterator(chunk_size=CHUNK):
            yield [li.claim.grant.proposal.reference, li.claim.number, li.position, li.category,
                   li.partner, li.invoice, li.date, li.description, li.cost_option, li.declared,
                   li.get_outcome_display(), li.kept, li.reason]  # fmt: skip

    payment_rows = (
        Payment.objects.filter(claim__in=claims)
        .select_related("grant__proposal", "claim")
        .order_by("paid_on", "pk")
    )

    def payment_sheet():
        for p in payment_rows.iterator(chunk_size=CHUNK):
            yield [p.grant.proposal.reference, p.claim.number, p.paid_on, p.amount]

    application_rows = applications.select_related("city", "priority")

    def application_sheet():
        for a in application_rows.iterator(chunk_size=CHUNK):
            yield [a.city.name, a.priority.code, a.accounting_year, a.number,
                   a.get_state_display(), a.submitted_on, a.eligible, a.erdf]  # fmt: skip

    accepted = ProgressReport.objects.filter(state=ProgressReport.State.ACCEPTED).order_by(
        "-period_end"
    )
    indicator_grants = grant_rows.prefetch_related(
        Prefetch("reports", accepted.prefetch_related("values"), to_attr="accepted")
    )

    def indicator_sheet():
        for g in indicator_grants.iterator(chunk_size=CHUNK):
            v = in_force(g)
            last = g.accepted[0] if g.accepted else None
            achieved = {x.code: x.value for x in last.values.all()} if last else {}
            for target in v.indicators if v else []:
                yield [g.proposal.reference, target["code"], Decimal(target["reference_value"]),
                       Decimal(target["target"]), achieved.get(target["code"]),
                       last and last.period_end]  # fmt: skip

    n_indicators = sum(
        len(v.indicators)
        for v in (in_force(g) for g in grant_rows.iterator(chunk_size=CHUNK))
        if v is not None
    )
    return [
        Sheet(_("Projects"), [_("Reference"), _("Title"), _("City"), _("Promoter"), _("Theme"),
              _("Specific objective"), _("Priority"), _("Start"), _("End"), _("Total cost"),
              _("Eligible cost"), _("ERDF requested"), _("ERDF granted")],
              projects, project_rows.count(), {9, 10, 11, 12}),
        Sheet(_("Grants"), [_("Reference"), _("City"), _("State"), _("Version in force"),
              _("In force from"), _("ERDF granted"), _("ERDF rate"), _("Eligible from"),
              _("Eligible until")], grant_sheet, grant_rows.count(), {5}),
        Sheet(_("Claims"), [_("Reference"), _("Claim"), _("State"), _("Final claim"),
              _("Submitted on"), _("Grant version"), _("Declared"), _("Accepted eligible cost"),
              _("ERDF payable"), _("ERDF paid"), _("Paid on")],
              claim_sheet, claim_rows.count(), {6, 7, 8, 9}),
        Sheet(_("Claim lines"), [_("Reference"), _("Claim"), _("Line"), _("Cost category"),
              _("Partner"), _("Invoice"), _("Date"), _("What it pays for"), _("Cost option"),
              _("Declared"), _("Verification"), _("Accepted"), _("Reason")],
              line_sheet, line_rows.count(), {9, 11}),
        Sheet(_("Payments"), [_("Reference"), _("Claim"), _("Paid on"), _("ERDF paid")],
              payment_sheet, payment_rows.count(), {3}),
        Sheet(_("Payment applications"), [_("City"), _("Priority"), _("Accounting year"),
              _("Number"), _("State"), _("Submitted on"), _("Eligible expenditure"), _("ERDF")],
              application_sheet, application_rows.count(), {6, 7}),
        Sheet(_("Indicator values"), [_("Reference"), _("Indicator"), _("Reference value"),
              _("Target"), _("Value achieved"), _("Achieved by")],
              indicator_sheet, n_indicators, set()),
    ]  # fmt: skip


def write_excel(user, params: ExcelParameters, out: IO[bytes], progress) -> str:
    """Write the workbook of what `user` may see to `out` (`user` None: the whole programme,
    for the command line), telling `progress(done, total)` as rows are written; return the
    file's name."""
    sheets = _sheets(user, params)
    total = sum(s.count for s in sheets)
    done = 0
    progress(done, total)
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.freeze_panes = "A2"
        ws.append([_cell(ws, h, font=bold) for h in sheet.headings])
        for row in sheet.rows():
            ws.append([_cell(ws, v, money=i in sheet.money) for i, v in enumerate(row)])
            done += 1
            if done % EVERY == 0:
                progress(min(done, total), max(total, done))
        progress(min(done, total), max(total, done))
    book.save(out)
    day = timezone.localdate().isoformat()
    return f"gti-export-{params.city + '-' if params.city else ''}{day}.xlsx"


def _cell(ws, value, *, font=None, money=False):
    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    cell = spreadsheets.cell(ws, value)
    if font:
        cell.font = font
    if money and value is not None:
        cell.number_format = MONEY_FORMAT
    return cell
