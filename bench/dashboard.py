"""The programme dashboard on 10,000 projects and 1,000,000 indicator values.

The demo (`gti.demo.run`) is made through the real services; its proposals, grants, claims,
payments and progress reports are then copied with `bulk_create` up to the size (the services
would take hours for 10,000 projects). Each dashboard figure (`monitoring/dashboard.py`, as the
page asks them for the managing authority) is timed, best of three, against the same aggregate
written as bare SQL on the same data in the same run; the last line is the ratio of the totals,
`RATIO dashboard <x>`. Target: within 3x.

`GTI_BENCH_SCALE` (default 1) scales the size down for a quick run. The bench runs on the
embedded SQLite database of `bench/run.py`; PostgreSQL is not measured here yet. The annual
report is not built yet, so it is not timed.
"""

import datetime
import os
import random
import time
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from gti import demo
from gti.monitoring import dashboard
from gti.monitoring.models import (
    Claim,
    Grant,
    GrantVersion,
    IndicatorValue,
    Payment,
    ProgressReport,
)
from gti.proposals.models import IndicatorTarget, Proposal
from gti.strategy import services as strategy
from gti.strategy.models import Indicator, Programme, Strategy

SCALE = float(os.environ.get("GTI_BENCH_SCALE", "1"))
PROJECTS = int(10_000 * SCALE)
VALUES = int(1_000_000 * SCALE)
BATCH = 5_000
S = Proposal.State


def _batches(rows):
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _create(model, rows):
    for part in _batches(rows):
        model.objects.bulk_create(part)


def build(progress=print):
    if not Strategy.objects.current().exists():
        strategy.load_files()
    demo.run(progress=lambda line: None)
    rng = random.Random(2026)
    base = list(Proposal.objects.prefetch_related("areas", "indicator_targets"))
    version = GrantVersion.objects.filter(state="approved").first()
    claim = Claim.objects.filter(state="paid").first()
    payment = claim.payment
    ma = claim.verified_by
    states = [S.APPROVED] * 6 + [S.VALIDATED, S.ASSESSED, S.REJECTED, S.IN_ASSESSMENT]
    proposals = []
    for n in range(PROJECTS):
        p = base[n % len(base)]
        copy = Proposal(**{f.attname: getattr(p, f.attname) for f in Proposal._meta.concrete_fields
                           if f.attname != "id"})  # fmt: skip
        copy.reference, copy.state = f"BENCH-{n}", rng.choice(states)
        copy.erdf_granted = copy.erdf_requested if copy.state == S.APPROVED else None
        proposals.append(copy)
    _create(Proposal, proposals)
    made = list(Proposal.objects.filter(reference__startswith="BENCH-").order_by("pk"))
    through = Proposal.areas.through
    areas, targets = [], []
    for n, p in enumerate(made):
        source = base[n % len(base)]
        areas += [through(proposal_id=p.pk, area_id=a.pk) for a in source.areas.all()]
        targets += [IndicatorTarget(proposal_id=p.pk, indicator_id=t.indicator_id,
                                    baseline=t.baseline, target=t.target)
                    for t in source.indicator_targets.all()]  # fmt: skip
    _create(through, areas)
    _create(IndicatorTarget, targets)
    progress(f"{len(made)} proposals, {len(areas)} areas, {len(targets)} indicator targets")
    approved = [p for p in made if p.state == S.APPROVED]
    _create(Grant, [Grant(proposal_id=p.pk) for p in approved])
    grants = list(Grant.objects.filter(proposal__reference__startswith="BENCH-").order_by("pk"))
    fields = [
        f.attname for f in GrantVersion._meta.concrete_fields if f.attname not in {"id", "grant_id"}
    ]
    _create(GrantVersion, [GrantVersion(grant_id=g.pk, **{f: getattr(version, f) for f in fields})
                           for g in grants])  # fmt: skip
    versions = dict(GrantVersion.objects.filter(grant__in=grants).values_list("grant_id", "pk"))
    now = timezone.now()
    claims = []
    for n, g in enumerate(grants):
        day = now - datetime.timedelta(days=30 * (n % 24))
        claims.append(Claim(
            grant_id=g.pk, number=1, state="paid", created_by_id=ma.pk, submitted_by_id=ma.pk,
            submitted_on=day.date(), version_id=versions[g.pk], declared=claim.declared,
            verified_by_id=ma.pk, verified_at=day, accepted=claim.accepted,
            erdf_payable=claim.erdf_payable, payable_per_category=claim.payable_per_category,
        ))  # fmt: skip
    _create(Claim, claims)
    made_claims = list(Claim.objects.filter(grant__in=grants).order_by("pk"))
    _create(Payment, [
        Payment(claim_id=c.pk, grant_id=c.grant_id, amount=c.erdf_payable, paid_on=c.submitted_on,
                per_category=c.payable_per_category, recorded_by_id=payment.recorded_by_id)
        for c in made_claims
    ])  # fmt: skip
    progress(f"{len(grants)} grants with a paid claim each")
    codes = list(Indicator.objects.filter(programme=Programme.objects.get(is_current=True))
                 .values_list("code", flat=True))  # fmt: skip
    per_grant = max(1, -(-VALUES // (len(grants) * len(codes))))  # reports per grant
    reports = []
    for g in grants:
        for k in range(per_grant):
            year, half = 2022 + k // 2, k % 2
            reports.append(ProgressReport(
                grant_id=g.pk, period_start=datetime.date(year, 1 + 6 * half, 1),
                period_end=datetime.date(year, 6 + 6 * half, 30 if half == 0 else 31),
                state="accepted", narrative="Bench", submitted_by_id=ma.pk,
            ))  # fmt: skip
    _create(ProgressReport, reports)
    report_ids = list(ProgressReport.objects.filter(grant__in=grants).values_list("pk", flat=True))
    values, made_values = [], 0
    for rid in report_ids:
        for code in codes:
            if made_values >= VALUES:
                break
            values.append(IndicatorValue(report_id=rid, code=code,
                                         value=Decimal(rng.randint(0, 10_000)) / 100))  # fmt: skip
            made_values += 1
        if len(values) >= 100_000:
            _create(IndicatorValue, values)
            values = []
            progress(f"{made_values} indicator values")
    _create(IndicatorValue, values)
    progress(f"{len(report_ids)} progress reports, {made_values} indicator values")
    return ma


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def bare_sql() -> dict[str, list]:
    """The same aggregates as the dashboard, written by hand."""
    queries = {
        "pipeline": "SELECT state, COUNT(*), SUM(erdf_requested), SUM(erdf_granted) "
                    "FROM proposals_proposal GROUP BY state",
        "money": " UNION ALL ".join([
            f"SELECT 'committed', {_month('g.created_at')}, SUM(p.erdf_granted) FROM "
            "monitoring_grant g JOIN proposals_proposal p ON p.id = g.proposal_id GROUP BY 2",
            f"SELECT 'claimed', {_month('c.submitted_on')}, SUM(c.declared * v.rate) FROM "
            "monitoring_claim c JOIN monitoring_grantversion v ON v.id = c.version_id "
            "WHERE c.state <> 'draft' GROUP BY 2",
            f"SELECT 'verified', {_month('verified_at')}, SUM(erdf_payable) FROM "
            "monitoring_claim WHERE state IN ('verified', 'paid') GROUP BY 2",
            f"SELECT 'paid', {_month('paid_on')}, SUM(amount) FROM monitoring_payment GROUP BY 2",
        ]),
        "balance": "SELECT pr.code, SUM(p.erdf_granted) FROM proposals_proposal p "
                   "JOIN strategy_specificobjective so ON so.id = p.specific_objective_id "
                   "JOIN strategy_priority pr ON pr.id = so.priority_id "
                   "WHERE p.state = 'approved' GROUP BY pr.code",
        "areas": "SELECT a.id, a.code, a.name, c.code, SUM(p.erdf_granted), COUNT(*) "
                 "FROM proposals_proposal p JOIN proposals_proposal_areas pa "
                 "ON pa.proposal_id = p.id JOIN strategy_area a ON a.id = pa.area_id "
                 "JOIN strategy_city c ON c.id = p.city_id WHERE p.state = 'approved' "
                 "GROUP BY a.id, a.code, a.name, c.code",
        "indicators": " UNION ALL ".join([
            "SELECT i.code, SUM(t.target), COUNT(*) FROM proposals_indicatortarget t "
            "JOIN strategy_indicator i ON i.id = t.indicator_id JOIN proposals_proposal p "
            "ON p.id = t.proposal_id WHERE p.state = 'approved' GROUP BY i.code",
            "SELECT code, SUM(value), 0 FROM (SELECT v.code, v.value, ROW_NUMBER() OVER ("
            "PARTITION BY r.grant_id, v.code ORDER BY r.period_start DESC) AS rn "
            "FROM monitoring_indicatorvalue v JOIN monitoring_progressreport r "
            "ON r.id = v.report_id WHERE r.state = 'accepted') latest WHERE rn = 1 GROUP BY code",
        ]),
        "sdgs": "SELECT t.sdgs, SUM(p.erdf_granted), COUNT(*) FROM proposals_proposal p "
                "JOIN strategy_theme t ON t.id = p.theme_id WHERE p.state = 'approved' "
                "GROUP BY t.sdgs",
    }  # fmt: skip
    out = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            out[name] = cursor.fetchall()
    return out


def dashboard_figures(ma) -> dict[str, list]:
    code = Programme.objects.get(is_current=True).code
    proposals = Proposal.objects.visible_to(ma).filter(call__programme__code=code)
    programme = Programme.objects.get(is_current=True)
    return {
        "pipeline": dashboard.pipeline(proposals),
        "money": dashboard.money_over_time(proposals),
        "balance": dashboard.balance(proposals, programme),
        "areas": dashboard.areas(proposals),
        "indicators": dashboard.indicators(proposals),
        "sdgs": dashboard.sdgs(proposals),
    }


def best(fn, times=3) -> float:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        spent.append(time.perf_counter() - start)
    return min(spent)


def run():
    start = time.perf_counter()
    ma = build(progress=lambda line: print(f"  {line}", flush=True))
    print(f"data made in {time.perf_counter() - start:.1f} s ({connection.vendor})")
    ours, bare = best(lambda: dashboard_figures(ma)), best(bare_sql)
    print(f"dashboard figures: {ours * 1000:.0f} ms; bare SQL: {bare * 1000:.0f} ms")
    print(f"RATIO dashboard {ours / bare:.2f}")
