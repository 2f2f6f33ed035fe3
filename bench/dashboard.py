"""The programme dashboard on 10,000 projects and 1,000,000 indicator values, on SQLite and on
PostgreSQL.

The demo (`gti.demo.run`) is made through the real services; its proposals, grants, claims,
payments and progress reports are then copied with `bulk_create` up to the size (the services
would take hours for 10,000 projects). Each dashboard figure (`monitoring/dashboard.py`, as the
page asks them for the managing authority) is timed, best of three, against the same aggregate
written as bare SQL on the same data in the same run; per database the figures and the ratio of
the totals are printed. Target: within 3x.

Databases: first the embedded SQLite database of `bench/run.py`; then PostgreSQL, in a child
process (`bench/run.py` again with GTI_BENCH_PART=postgresql) on GTI_BENCH_DATABASE_URL when
given (an empty database: the bench fills it), else on a throw-away cluster of
`scripts/with-postgres`. When PostgreSQL cannot be started or reached (no server installed, no
such database server) or GTI_BENCH_POSTGRES=0, a line says so and the ratio is SQLite's alone;
when the bench fails on a PostgreSQL that was there, the run fails. The last line is
`RATIO dashboard <x>`, the worse of the databases measured.

`GTI_BENCH_SCALE` (default 1) scales the size down for a quick run; on so little data the ORM's
fixed cost per query weighs most, so its ratio is not the one the target is about. The annual
implementation report of this year (`monitoring/annual.py`, for the managing authority: each
city and both) is timed as one more figure against its aggregates in bare SQL, section by
section as the report asks them.
"""

import datetime
import os
import random
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.utils import timezone

from gti import demo
from gti.monitoring import annual, dashboard
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
from gti.strategy.models import City, Indicator, Programme, Strategy

ROOT = Path(__file__).resolve().parent.parent
SCALE = float(os.environ.get("GTI_BENCH_SCALE", "1"))
PROJECTS = int(10_000 * SCALE)
VALUES = int(1_000_000 * SCALE)
BATCH = 5_000
STARTED = "PostgreSQL database ready"  # the child's line once it has migrated its database
S = Proposal.State


def _batches(rows):
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _create(model, rows):
    for part in _batches(rows):
        model.objects.bulk_create(part)


def build(progress=print):
    if Proposal.objects.filter(reference__startswith="BENCH-").exists():  # another bench made it
        return Claim.objects.filter(state="paid").first().verified_by
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


def bare_sql() -> dict:
    """The same aggregates as the dashboard, written by hand: a function per figure."""
    queries = {
        "pipeline": "SELECT state, COUNT(*), SUM(erdf_requested), SUM(erdf_granted) "
                    "FROM proposals_proposal GROUP BY state",
        "money": " UNION ALL ".join([
            f"SELECT 'committed', {_month('in_force_from')}, SUM(change) FROM (SELECT "
            "in_force_from, erdf - COALESCE(LAG(erdf) OVER (PARTITION BY grant_id ORDER BY "
            "number), 0) AS change FROM monitoring_grantversion WHERE state = 'approved') v "
            "GROUP BY 2",
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
            f"SELECT code, SUM(value), 0 FROM ({LATEST_ANY}) latest WHERE rn = 1 GROUP BY code",
        ]),
        "sdgs": "SELECT t.sdgs, p.sdgs, SUM(p.erdf_granted), COUNT(*) FROM proposals_proposal p "
                "JOIN strategy_theme t ON t.id = p.theme_id WHERE p.state = 'approved' "
                "GROUP BY t.sdgs, p.sdgs",
        "sdg_results": "SELECT t.sdgs, p.sdgs, latest.code, SUM(latest.value), COUNT(*) FROM "
                       f"({LATEST_ANY}) latest JOIN monitoring_grant g ON g.id = latest.grant_id "
                       "JOIN proposals_proposal p ON p.id = g.proposal_id "
                       "JOIN strategy_theme t ON t.id = p.theme_id "
                       "WHERE rn = 1 AND p.state = 'approved' "
                       "GROUP BY t.sdgs, p.sdgs, latest.code",
    }  # fmt: skip

    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    figures = {name: (lambda sql=sql: run(sql)) for name, sql in queries.items()}
    figures["annual"] = annual_sql
    return figures


# Each grant's latest accepted value per indicator (the window the dashboard uses).
LATEST = (
    "SELECT r.grant_id, v.code, v.value, ROW_NUMBER() OVER (PARTITION BY r.grant_id, v.code "
    "ORDER BY r.period_start DESC, r.id DESC) AS rn FROM monitoring_indicatorvalue v "
    "JOIN monitoring_progressreport r ON r.id = v.report_id WHERE r.state = 'accepted' {until}"
)
LATEST_ANY = LATEST.format(until="")
YEAR = timezone.localdate().year
# The annual report of YEAR for the managing authority: per city and for both, the same
# aggregates as `annual.annual_report` asks, each over the section's cities.
SELECTED = (
    "p.state = 'approved' AND EXISTS (SELECT 1 FROM portfolio_decision d JOIN portfolio_meeting m "
    "ON m.id = d.meeting_id WHERE d.proposal_id = p.id AND d.outcome = 'approved' AND "
    "m.purpose = 'decision' AND m.state = 'confirmed' AND m.date <= %(end)s {since})"
)
ANNUAL = {
    "selection": "SELECT so.code, t.code, COUNT(*), SUM(p.erdf_granted) FROM proposals_proposal p "
                 "JOIN strategy_specificobjective so ON so.id = p.specific_objective_id "
                 "JOIN strategy_theme t ON t.id = p.theme_id WHERE p.city_id IN ({cities}) "
                 "AND {selected} GROUP BY so.code, t.code",
    "eligible": "SELECT so.code, t.code, SUM(b.amount) FROM proposals_budgetline b "
                "JOIN proposals_proposal p ON p.id = b.proposal_id "
                "JOIN strategy_specificobjective so ON so.id = p.specific_objective_id "
                "JOIN strategy_theme t ON t.id = p.theme_id WHERE b.eligible AND "
                "p.city_id IN ({cities}) AND {selected} GROUP BY so.code, t.code",
    "in_force": "SELECT COUNT(DISTINCT g.id) FROM monitoring_grant g JOIN proposals_proposal p "
                "ON p.id = g.proposal_id JOIN monitoring_grantversion v ON v.grant_id = g.id "
                "WHERE p.city_id IN ({cities}) AND v.state = 'approved' AND "
                "v.in_force_from <= %(end)s AND (g.closed_on IS NULL OR g.closed_on >= %(start)s)",
    "amendments": "SELECT COUNT(*) FROM monitoring_grantversion v JOIN monitoring_grant g ON "
                  "g.id = v.grant_id JOIN proposals_proposal p ON p.id = g.proposal_id WHERE "
                  "p.city_id IN ({cities}) AND v.number > 1 AND v.state = 'approved' AND "
                  "v.in_force_from BETWEEN %(start)s AND %(end)s",
    "reports": "SELECT SUM(CASE WHEN r.submitted_at >= %(start)s AND r.submitted_at < %(next)s "
               "THEN 1 ELSE 0 END), SUM(CASE WHEN r.state = 'accepted' AND r.reviewed_at >= "
               "%(start)s AND r.reviewed_at < %(next)s THEN 1 ELSE 0 END) FROM "
               "monitoring_progressreport r JOIN monitoring_grant g ON g.id = r.grant_id "
               "JOIN proposals_proposal p ON p.id = g.proposal_id WHERE p.city_id IN ({cities})",
    "declared": "SELECT COUNT(*), SUM(c.declared) FROM monitoring_claim c JOIN monitoring_grant g "
                "ON g.id = c.grant_id JOIN proposals_proposal p ON p.id = g.proposal_id WHERE "
                "p.city_id IN ({cities}) AND c.state <> 'draft' AND c.submitted_on BETWEEN "
                "%(start)s AND %(end)s",
    "verified": "SELECT COUNT(*), SUM(c.declared), SUM(c.accepted), SUM(c.erdf_payable) FROM "
                "monitoring_claim c JOIN monitoring_grant g ON g.id = c.grant_id JOIN "
                "proposals_proposal p ON p.id = g.proposal_id WHERE p.city_id IN ({cities}) AND "
                "c.state IN ('verified', 'paid') AND c.verified_at >= %(start)s AND "
                "c.verified_at < %(next)s",
    "lines": "SELECT l.outcome, COUNT(*) FROM monitoring_claimline l JOIN monitoring_claim c ON "
             "c.id = l.claim_id JOIN monitoring_grant g ON g.id = c.grant_id JOIN "
             "proposals_proposal p ON p.id = g.proposal_id WHERE p.city_id IN ({cities}) AND "
             "c.state IN ('verified', 'paid') AND c.verified_at >= %(start)s AND "
             "c.verified_at < %(next)s GROUP BY l.outcome",
    "paid": "SELECT COUNT(*), SUM(pay.amount) FROM monitoring_payment pay JOIN monitoring_grant g "
            "ON g.id = pay.grant_id JOIN proposals_proposal p ON p.id = g.proposal_id WHERE "
            "p.city_id IN ({cities}) AND pay.paid_on BETWEEN %(start)s AND %(end)s",
    "applications": "SELECT * FROM monitoring_paymentapplication WHERE city_id IN ({cities}) AND "
                    "state = 'submitted' AND submitted_on BETWEEN %(start)s AND %(end)s",
    "targets": "SELECT i.code, SUM(t.target), COUNT(*) FROM proposals_indicatortarget t "
               "JOIN strategy_indicator i ON i.id = t.indicator_id JOIN proposals_proposal p "
               "ON p.id = t.proposal_id WHERE p.city_id IN ({cities}) AND {selected} "
               "GROUP BY i.code",
    "achieved": "SELECT latest.code, SUM(latest.value) FROM ({latest}) latest "
                "JOIN monitoring_grant g ON g.id = latest.grant_id "
                "JOIN proposals_proposal p ON p.id = g.proposal_id "
                "WHERE rn = 1 AND p.city_id IN ({cities}) AND {selected} GROUP BY latest.code",
    "sdgs": "SELECT t.sdgs, p.sdgs, SUM(p.erdf_granted), COUNT(*) FROM proposals_proposal p "
            "JOIN strategy_theme t ON t.id = p.theme_id WHERE p.city_id IN ({cities}) AND "
            "{selected} GROUP BY t.sdgs, p.sdgs",
    "balance": "SELECT pr.code, SUM(p.erdf_granted) FROM proposals_proposal p "
               "JOIN strategy_specificobjective so ON so.id = p.specific_objective_id "
               "JOIN strategy_priority pr ON pr.id = so.priority_id WHERE "
               "p.city_id IN ({cities}) AND {selected} GROUP BY pr.code",
}  # fmt: skip


def annual_sql() -> list:
    """The annual report's aggregates for each city and for both (the sections it shows)."""
    cities = list(City.objects.filter(strategies__is_current=True).distinct()
                  .values_list("pk", flat=True))  # fmt: skip
    start, end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    params = {"start": start, "end": end, "next": end + datetime.timedelta(days=1)}
    latest = LATEST.format(until="AND r.period_end <= %(end)s")
    out = []
    with connection.cursor() as cursor:
        for section in [[c] for c in cities] + [cities]:
            ids = ", ".join(str(pk) for pk in section)
            for name, sql in ANNUAL.items():
                selected = [SELECTED.format(since="")]
                if name in ("selection", "eligible"):  # in the year and by its end
                    selected.append(SELECTED.format(since="AND m.date >= %(start)s"))
                for chosen in selected:
                    cursor.execute(sql.format(cities=ids, selected=chosen, latest=latest), params)
                    out.append(cursor.fetchall())
    return out


def dashboard_figures(ma) -> dict:
    """The figures as the page asks them (`views_dashboard._tables`): a function per figure."""
    programme = Programme.objects.get(is_current=True)

    def proposals():
        return Proposal.objects.visible_to(ma).filter(call__programme__code=programme.code)

    return {
        "pipeline": lambda: dashboard.pipeline(proposals()),
        "money": lambda: dashboard.money_over_time(proposals()),
        "balance": lambda: dashboard.balance(proposals(), programme),
        "areas": lambda: dashboard.areas(proposals()),
        "indicators": lambda: dashboard.indicators(proposals(), programme),
        "sdgs": lambda: dashboard.sdgs(proposals()),
        "sdg_results": lambda: dashboard.sdg_results(proposals()),
        "annual": lambda: annual.annual_report(ma, YEAR),
    }


def best(fn, times=3) -> float:
    """The best wall time of `times` runs, in milliseconds."""
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        spent.append((time.perf_counter() - start) * 1000)
    return min(spent)


def measure() -> float:
    """Make the data on this process's database, time each figure and print; the ratio."""
    vendor = connection.vendor
    start = time.perf_counter()
    ma = build(progress=lambda line: print(f"  {line}", flush=True))
    print(f"data made in {time.perf_counter() - start:.1f} s ({vendor})", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as a live database has them
    ours, bare = dashboard_figures(ma), bare_sql()
    print(f"{'figure':<12} {'dashboard ms':>12} {'bare SQL ms':>12} {'ratio':>7}")
    total_ours = total_bare = 0.0
    for name in ours:
        a, b = best(ours[name]), best(bare[name])
        total_ours, total_bare = total_ours + a, total_bare + b
        print(f"{name:<12} {a:>12.1f} {b:>12.1f} {a / b:>6.2f}x", flush=True)
    ratio = total_ours / total_bare
    print(f"{'dashboard':<12} {total_ours:>12.1f} {total_bare:>12.1f} {ratio:>6.2f}x")
    print(f"dashboard ratio on {vendor}: {ratio:.2f}", flush=True)
    return ratio


def postgres_command() -> tuple[list[str], dict] | str:
    """How to run the PostgreSQL part in a child process, or why it cannot run."""
    if os.environ.get("GTI_BENCH_POSTGRES") == "0":
        return "GTI_BENCH_POSTGRES=0"
    me = [sys.executable, str(ROOT / "bench" / "run.py")]
    env = {**os.environ, "GTI_BENCH_PART": "postgresql"}
    if os.environ.get("GTI_BENCH_DATABASE_URL"):
        return me, {**env, "DATABASE_URL": os.environ["GTI_BENCH_DATABASE_URL"]}
    return [str(ROOT / "scripts" / "with-postgres"), *me], env


def run() -> None:
    print("-- sqlite", flush=True)
    ratios = {"sqlite": measure()}
    print("-- postgresql", flush=True)
    command = postgres_command()
    if isinstance(command, str):
        print(f"PostgreSQL not measured ({command}): the ratio is SQLite's only")
    else:
        child = subprocess.run(command[0], env=command[1], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, check=False)  # fmt: skip
        print(child.stdout, end="", flush=True)
        found = re.search(r"dashboard ratio on postgresql: ([\d.]+)", child.stdout)
        if found:
            ratios["postgresql"] = float(found.group(1))
        elif STARTED in child.stdout:
            # The database was there and the bench failed on it: a failure, not a skip.
            sys.exit(f"PostgreSQL part failed (exit {child.returncode})")
        else:
            print(f"PostgreSQL could not be started or reached (exit {child.returncode}): "
                  "the ratio is SQLite's only")  # fmt: skip
    print(f"RATIO dashboard {max(ratios.values()):.2f}")


def postgres_ratio(module: str, done: str, env: dict | None = None) -> float | None:
    """Run `module`'s measure on PostgreSQL in a child process and read its ratio from the line
    `<done> postgresql: <x>`; None when PostgreSQL is left out or cannot be reached."""
    command = postgres_command()
    if isinstance(command, str):
        print(f"PostgreSQL not measured ({command}): the ratio is SQLite's only")
        return None
    env = {**command[1], "GTI_BENCH_MODULE": module, **(env or {})}
    child = subprocess.run(command[0], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, check=False)  # fmt: skip
    print(child.stdout, end="", flush=True)
    found = re.search(rf"{done} postgresql: ([\d.]+)", child.stdout)
    if found:
        return float(found.group(1))
    if STARTED in child.stdout:  # the database was there and the bench failed on it
        sys.exit(f"PostgreSQL part failed (exit {child.returncode})")
    print(f"PostgreSQL could not be started or reached (exit {child.returncode}): "
          "the ratio is SQLite's only")  # fmt: skip
    return None


def create_database(url: str) -> None:
    """Make the database `url` names when the server has none of that name yet (the cluster of
    `scripts/with-postgres` starts with only `postgres`)."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
