"""The figures of the dashboards: each a few aggregate queries over the proposals a person may
see (already filtered by city, priority, specific objective or theme), returned as rows that
the page shows as a chart, as a table under it and as CSV.

- pipeline: proposals per state, with ERDF requested and granted;
- money over time: per month the ERDF committed (granted, by the month the grant was opened),
  claimed (declared cost × the grant's rate), verified (payable) and paid, with running totals;
- balance: the ERDF granted per priority against the programme's shares (60/40);
- N+3: `money.forecast` on the programme file's commitments and pre-financing, and the payment
  applications submitted here, with the forecast of the planned claims (`money.with_planned`),
  programme-wide and per city;
- areas: ERDF granted per area (a project in several areas counts in each);
- SDGs: ERDF granted per Sustainable Development Goal, through the projects' themes and the
  goals a project adds of its own; and the indicator values achieved per goal;
- indicators: the approved projects' targets beside what their latest accepted progress reports
  achieved, and for output indicators the programme's milestone 2024 and target 2029 (CPR art. 16,
  the programme file's `performance` block).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber, Substr, TruncMonth
from django.utils import timezone

from gti.monitoring import money
from gti.monitoring.models import (
    Claim,
    Grant,
    GrantVersion,
    IndicatorValue,
    Payment,
    PaymentApplication,
    PlannedClaim,
    ProgressReport,
)
from gti.proposals.models import IndicatorTarget, Proposal
from gti.strategy.models import FIGURES, AreaStatistic
from gti.strategy.schema import N3File
from gti.strategy.sdgs import GOALS

ZERO = Decimal("0.00")
S = Proposal.State
MONEY = DecimalField(max_digits=20, decimal_places=6)


def cents(value) -> Decimal:
    """A sum as the database gives it (a float from SQLite over a subquery, a Decimal without
    places) read back to the cent."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def plain(proposals):
    """The same proposals without the joins of their visibility rule (an expert's assignments):
    summed over those joins, a proposal would count once per row joined."""
    return Proposal.objects.filter(pk__in=proposals.order_by().values("pk"))


def pipeline(proposals) -> list[dict]:
    proposals = plain(proposals)
    found = {
        row["state"]: row
        for row in proposals.order_by()
        .values("state")
        .annotate(n=Count("pk"), requested=Sum("erdf_requested"), granted=Sum("erdf_granted"))
    }
    return [
        {"state": state, "label": str(label), "proposals": found[state]["n"],
         "requested": cents(found[state]["requested"]),
         "granted": cents(found[state]["granted"])}
        for state, label in S.choices if state in found
    ]  # fmt: skip


# Days of a month whose moments may fall in another month in local time (any offset under a day).
EDGE_DAYS = ["01", "28", "29", "30", "31"]


def _by_month(queryset, day_field: str, amount) -> dict[datetime.date, Decimal]:
    """The sums of `amount` per month of `day_field` (in local time for a moment)."""
    if connection.vendor == "sqlite":
        # SQLite has no month function: Django's TruncMonth there is a Python function called
        # per row, most of the dashboard's time. Grouped instead by the stored text's day (UTC),
        # by its hour on the days at a month's edge, and the months taken here.
        text = Cast(day_field, CharField())
        queryset = queryset.annotate(day_of_month=Substr(text, 9, 2))
        key = Case(When(day_of_month__in=EDGE_DAYS, then=Substr(text, 1, 13)),
                   default=Substr(text, 1, 10))  # fmt: skip
    else:
        key = TruncMonth(day_field)
    rows = (
        queryset.order_by().annotate(bucket=key).values("bucket")
        .annotate(total=Sum(amount)).values_list("bucket", "total")
    )  # fmt: skip
    out: dict[datetime.date, Decimal] = {}
    for bucket, total in rows:
        if bucket is not None:
            month = _month(bucket)
            out[month] = out.get(month, ZERO) + Decimal(total or 0)
    return {month: money.money(total) for month, total in out.items()}


def _month(bucket) -> datetime.date:
    """The local month of a moment or a day; of SQLite's text, an hour in UTC or a day away from
    a month's edge (the same month in every time zone)."""
    if isinstance(bucket, str):
        if len(bucket) == 10:
            return datetime.date(int(bucket[:4]), int(bucket[5:7]), 1)
        bucket = datetime.datetime.fromisoformat(f"{bucket}:00").replace(tzinfo=datetime.UTC)
    if isinstance(bucket, datetime.datetime):
        bucket = timezone.localtime(bucket)
    return datetime.date(bucket.year, bucket.month, 1)


def _commitments(grants):
    """Each approved grant version with what it changed of the ERDF committed: version 1 its
    whole amount, an amendment the difference to the version before it, in its month of force."""
    versions = GrantVersion.objects.filter(grant__in=grants, state=GrantVersion.State.APPROVED)
    # From all approved versions: the grant of the outer row is already one the person sees, and
    # `versions` would repeat the visibility subqueries for every row (35x bare SQL on PostgreSQL).
    before = (
        GrantVersion.objects.filter(state=GrantVersion.State.APPROVED, grant=OuterRef("grant"),
                                    number__lt=OuterRef("number"))
        .order_by("-number").values("erdf")[:1]
    )  # fmt: skip
    return versions.annotate(
        change=ExpressionWrapper(
            F("erdf") - Coalesce(Subquery(before), ZERO, output_field=MONEY), output_field=MONEY
        )
    )


def money_over_time(proposals) -> list[dict]:
    proposals = plain(proposals)
    grants = Grant.objects.filter(proposal__in=proposals)
    claims = Claim.objects.filter(grant__in=grants)
    series = {
        "committed": _by_month(_commitments(grants), "in_force_from", "change"),
        "claimed": _by_month(
            claims.exclude(state=Claim.State.DRAFT), "submitted_on",
            ExpressionWrapper(F("declared") * F("version__rate"), output_field=MONEY),
        ),
        "verified": _by_month(claims.filter(state__in=("verified", "paid")), "verified_at",
                              "erdf_payable"),
        "paid": _by_month(Payment.objects.filter(grant__in=grants), "paid_on", "amount"),
    }  # fmt: skip
    months = sorted({m for values in series.values() for m in values})
    running = dict.fromkeys(series, ZERO)
    rows = []
    for month in months:
        row = {"month": month.strftime("%Y-%m")}
        for name, values in series.items():
            running[name] += values.get(month, ZERO)
            row[name] = running[name]
        rows.append(row)
    return rows


def balance(proposals, programme) -> list[dict]:
    """ERDF granted per priority, its share of all granted, and the programme's share."""
    proposals = plain(proposals)
    granted = dict(
        proposals.filter(state=S.APPROVED).order_by()
        .values_list("specific_objective__priority__code").annotate(erdf=Sum("erdf_granted"))
    )  # fmt: skip
    granted = {code: cents(erdf) for code, erdf in granted.items()}
    total = sum(granted.values(), ZERO)
    return [
        {"priority": p.code, "granted": granted.get(p.code) or ZERO,
         "share": ((granted.get(p.code) or ZERO) / total).quantize(Decimal("0.0001"))
         if total else ZERO,
         "target": p.share}
        for p in programme.priorities.order_by("position")
    ]  # fmt: skip


def _submitted(as_of: datetime.date) -> list[tuple]:
    """(day, ERDF, city) of the payment applications submitted by `as_of` (a past day: the
    annual report's year end)."""
    return list(
        PaymentApplication.objects.filter(
            state=PaymentApplication.State.SUBMITTED, submitted_on__lte=as_of
        ).values_list("submitted_on", "erdf", "city__code")
    )  # fmt: skip


def _years(data: dict, applications: list[tuple], as_of: datetime.date) -> list[dict]:
    instance = money.N3Instance.model_validate({
        "commitments": data["commitments"],
        "prefinancing": data.get("prefinancing", []),
        "applications": [{"date": d, "amount": f"{a:.2f}"} for d, a, _city in applications],
        "as_of": as_of,
    })  # fmt: skip
    return money.forecast(instance)["years"]


def n3(programme, as_of: datetime.date) -> list[dict] | None:
    """The N+3 years for the programme file's commitments, covered by its pre-financing and the
    payment applications submitted here; None when the file holds no commitments."""
    data = (programme.source or {}).get("n3")
    return _years(data, _submitted(as_of), as_of) if data else None


def n3_figures(programme, as_of: datetime.date, cities=None) -> dict | None:
    """The N+3 years of `n3` with the forecast of the claims planned on the open grants
    (`money.with_planned`, the file's `application_lag_days`); and per city (of `cities`, codes:
    those the person reads; None: all) what its payment applications cover and its planned
    claims add. The commitments are programme-wide and the files split them per priority only,
    so a city has no target of its own. None when the file holds no commitments."""
    data = (programme.source or {}).get("n3")
    if not data:
        return None
    lag = N3File.model_validate(data).application_lag_days
    applications = _submitted(as_of)
    planned = list(
        # A plan dated before `as_of` is late or already declared: it forecasts nothing.
        PlannedClaim.objects.filter(
            grant__state=Grant.State.OPEN, grant__proposal__call__programme__code=programme.code,
            expected_on__gte=as_of,
        ).values_list("expected_on", "erdf", "grant__proposal__city__code")
    )  # fmt: skip
    years = _years(data, applications, as_of)
    shown = sorted(
        {*programme.source.get("gti_cities", []), *(c for *_, c in applications),
         *(c for *_, c in planned)}
    )  # fmt: skip
    per_city = []
    for city in shown if cities is None else [c for c in shown if c in cities]:
        mine = [(d, a) for d, a, c in applications if c == city]
        own = []
        for y in years:
            covered = sum((a for d, a in mine if d <= money.deadline(y["year"])), ZERO)
            own.append({**y, "target": "0.00", "covered": f"{covered:.2f}"})
        for row in money.with_planned(own, [(d, e) for d, e, c in planned if c == city], lag):
            per_city.append({"year": row["year"], "deadline": row["deadline"], "city": city,
                             "covered": row["covered"], "planned": row["planned"],
                             "forecast": row["forecast"]})  # fmt: skip
    return {
        "years": money.with_planned(years, [(d, e) for d, e, _city in planned], lag),
        "cities": per_city,
        "lag_days": lag,
    }


def areas(proposals) -> list[dict]:
    proposals = plain(proposals)
    rows = (
        proposals.filter(state=S.APPROVED).exclude(areas=None).order_by()
        .values("areas__pk", "areas__code", "areas__name", "city__code")
        .annotate(erdf=Sum("erdf_granted"), projects=Count("pk"))
        .order_by("city__code", "areas__name")
    )  # fmt: skip
    return [
        {"area": r["areas__pk"], "code": r["areas__code"], "name": r["areas__name"],
         "city": r["city__code"], "projects": r["projects"], "erdf": cents(r["erdf"])}
        for r in rows
    ]  # fmt: skip


def figures_of_areas() -> list:
    """The needs figures some area has (what the map can be coloured by)."""
    codes = set(
        AreaStatistic.objects.filter(area__isnull=False).values_list("figure", flat=True).distinct()
    )
    return [f for code, f in FIGURES.items() if code in codes]


def area_figure(code: str) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """A needs figure per area (its latest year): {(city code, area code): (value, year)}.
    Read back by the area's code, so the figures outlive a new version of the strategy."""
    rows = (
        AreaStatistic.objects.filter(figure=code, area__isnull=False).order_by("year")
        .values_list("city__code", "area__code", "value", "year")
    )  # fmt: skip
    return {(city, area): (value, year) for city, area, value, year in rows}


def performance(programme) -> dict[str, dict]:
    """The programme file's milestone 2024 and target 2029 per output indicator (CPR art. 16)."""
    rows = ((programme.source or {}).get("performance") or {}).get("indicators") or []
    return {r["indicator"]: {"milestone_2024": cents(r["milestone_2024"]),
                             "target_2029": cents(r["target_2029"])} for r in rows}  # fmt: skip


def _latest_values(approved, until: datetime.date | None = None):
    """Each grant's latest accepted value per indicator (values are cumulative, so the latest
    counts), of the `approved` proposals; with `until`, of reports whose period ended by then.
    Ranked by a window function: one pass over the values on every database (a correlated
    subquery per value was 4.5x slower than bare SQL on PostgreSQL). On a tie of periods the
    later report counts."""
    accepted = {"report__state": ProgressReport.State.ACCEPTED}
    if until is not None:
        accepted["report__period_end__lte"] = until
    ranked = (
        IndicatorValue.objects.filter(report__grant__proposal__in=approved, **accepted)
        .annotate(rank=Window(
            RowNumber(), partition_by=[F("report__grant"), F("code")],
            order_by=[F("report__period_start").desc(), F("report").desc()],
        )).filter(rank=1)
    )  # fmt: skip
    return IndicatorValue.objects.filter(pk__in=ranked.values("pk"))


def indicators(proposals, programme=None, until: datetime.date | None = None) -> list[dict]:
    """Per indicator: the targets of the approved projects (at decision) and what their latest
    accepted progress reports achieved (values are cumulative, so the latest counts); with
    `until`, only reports whose period ended by then (the annual report's year end). With the
    programme, also its milestone 2024 and target 2029 of each output indicator (None where it
    gives none), an indicator with a milestone shown even before any project targets it."""
    approved = plain(proposals).filter(state=S.APPROVED)
    targets = (
        IndicatorTarget.objects.filter(proposal__in=approved).order_by()
        .values("indicator__code", "indicator__kind").annotate(target=Sum("target"), n=Count("pk"))
    )  # fmt: skip
    achieved = dict(
        _latest_values(approved, until).order_by().values_list("code").annotate(total=Sum("value"))
    )
    per_code = {t["indicator__code"]: t for t in targets}
    framework = performance(programme) if programme else {}
    rows = []
    for code in sorted(per_code.keys() | framework.keys()):
        t = per_code.get(code, {})
        target = cents(t.get("target"))
        done = cents(achieved.get(code))
        rows.append({
            "code": code, "kind": t.get("indicator__kind", "output"),  # the framework's are
            "projects": t.get("n", 0), "target": target, "achieved": done,
            "share": (done / target).quantize(Decimal("0.0001")) if target else ZERO,
        })  # fmt: skip
        if programme:
            rows[-1].update(framework.get(code, {"milestone_2024": None, "target_2029": None}))
    return rows


def _goals(theme_goals, own) -> set[int]:
    """A project's goals: its theme's and its own, each once."""
    return {*(theme_goals or []), *(own or [])}


def sdgs(proposals) -> list[dict]:
    """ERDF granted per Sustainable Development Goal: a project counts once towards every goal
    of its theme and every goal it adds of its own."""
    proposals = plain(proposals)
    rows = (
        proposals.filter(state=S.APPROVED).order_by()
        .values_list("theme__sdgs", "sdgs", "erdf_granted")
    )  # fmt: skip
    totals: dict[int, list] = {}
    for theme_goals, own, erdf in rows:
        for number in _goals(theme_goals, own):
            row = totals.setdefault(number, [ZERO, 0])
            row[0] += cents(erdf)
            row[1] += 1
    return [
        {"sdg": number, "name": str(GOALS[number].name) if number in GOALS else "",
         "projects": n, "erdf": erdf}
        for number, (erdf, n) in sorted(totals.items())
    ]  # fmt: skip


def sdg_results(proposals) -> list[dict]:
    """Per goal and indicator, what the approved projects under that goal achieved (their
    theme's goals and their own, as `sdgs` counts them): the latest accepted progress report
    of each project, values being cumulative. One query."""
    approved = plain(proposals).filter(state=S.APPROVED)
    # Summed per combination of goals and indicator in the database; the goals spread in Python.
    values = (
        _latest_values(approved).order_by()
        .values_list("report__grant__proposal__theme__sdgs", "report__grant__proposal__sdgs",
                     "code")
        .annotate(total=Sum("value"), n=Count("pk"))
    )  # fmt: skip
    totals: dict[tuple[int, str], list] = {}
    for theme_goals, own, code, total, n in values:
        for number in _goals(theme_goals, own):
            row = totals.setdefault((number, code), [ZERO, 0])
            row[0] += cents(total)
            row[1] += n
    return [
        {"sdg": number, "name": str(GOALS[number].name) if number in GOALS else "",
         "indicator": code, "projects": n, "achieved": achieved}
        for (number, code), (achieved, n) in sorted(totals.items())
    ]  # fmt: skip
