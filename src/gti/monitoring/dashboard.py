"""The figures of the dashboards: each a few aggregate queries over the proposals a person may
see (already filtered by city, priority, specific objective or theme), returned as rows that
the page shows as a chart, as a table under it and as CSV.

- pipeline: proposals per state, with ERDF requested and granted;
- money over time: per month the ERDF committed (granted, by the month the grant was opened),
  claimed (declared cost × the grant's rate), verified (payable) and paid, with running totals;
- balance: the ERDF granted per priority against the programme's shares (60/40);
- N+3: `money.forecast` on the programme file's commitments and pre-financing, and the payment
  applications submitted here;
- areas: ERDF granted per area (a project in several areas counts in each).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth

from gti.monitoring import money
from gti.monitoring.models import Claim, Grant, Payment, PaymentApplication
from gti.proposals.models import Proposal

ZERO = Decimal("0.00")
S = Proposal.State
MONEY = DecimalField(max_digits=20, decimal_places=6)


def pipeline(proposals) -> list[dict]:
    found = {
        row["state"]: row
        for row in proposals.order_by()
        .values("state")
        .annotate(n=Count("pk"), requested=Sum("erdf_requested"), granted=Sum("erdf_granted"))
    }
    return [
        {"state": state, "label": str(label), "proposals": found[state]["n"],
         "requested": found[state]["requested"] or ZERO,
         "granted": found[state]["granted"] or ZERO}
        for state, label in S.choices if state in found
    ]  # fmt: skip


def _by_month(queryset, day_field: str, amount) -> dict[datetime.date, Decimal]:
    rows = (
        queryset.order_by().annotate(month=TruncMonth(day_field)).values("month")
        .annotate(total=Sum(amount)).values_list("month", "total")
    )  # fmt: skip
    out: dict[datetime.date, Decimal] = {}
    for month, total in rows:
        if month is not None:
            day = month.date() if isinstance(month, datetime.datetime) else month
            out[day] = out.get(day, ZERO) + money.money(Decimal(total or 0))
    return out


def money_over_time(proposals) -> list[dict]:
    grants = Grant.objects.filter(proposal__in=proposals)
    claims = Claim.objects.filter(grant__in=grants)
    series = {
        "committed": _by_month(grants, "created_at", "proposal__erdf_granted"),
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
    granted = dict(
        proposals.filter(state=S.APPROVED).order_by()
        .values_list("specific_objective__priority__code").annotate(erdf=Sum("erdf_granted"))
    )  # fmt: skip
    total = sum((v or ZERO for v in granted.values()), ZERO)
    return [
        {"priority": p.code, "granted": granted.get(p.code) or ZERO,
         "share": ((granted.get(p.code) or ZERO) / total).quantize(Decimal("0.0001"))
         if total else ZERO,
         "target": p.share}
        for p in programme.priorities.order_by("position")
    ]  # fmt: skip


def n3(programme, as_of: datetime.date) -> list[dict] | None:
    """The N+3 years for the programme file's commitments, covered by its pre-financing and the
    payment applications submitted here; None when the file holds no commitments."""
    data = (programme.source or {}).get("n3")
    if not data:
        return None
    applications = PaymentApplication.objects.filter(state=PaymentApplication.State.SUBMITTED)
    instance = money.N3Instance.model_validate({
        "commitments": data["commitments"],
        "prefinancing": data.get("prefinancing", []),
        "applications": [{"date": d, "amount": f"{a:.2f}"}
                         for d, a in applications.values_list("submitted_on", "erdf")],
        "as_of": as_of,
    })  # fmt: skip
    return money.forecast(instance)["years"]


def areas(proposals) -> list[dict]:
    rows = (
        proposals.filter(state=S.APPROVED).exclude(areas=None).order_by()
        .values("areas__pk", "areas__code", "areas__name", "city__code")
        .annotate(erdf=Sum("erdf_granted"), projects=Count("pk"))
        .order_by("city__code", "areas__name")
    )  # fmt: skip
    return [
        {"area": r["areas__pk"], "code": r["areas__code"], "name": r["areas__name"],
         "city": r["city__code"], "projects": r["projects"], "erdf": r["erdf"] or ZERO}
        for r in rows
    ]  # fmt: skip
