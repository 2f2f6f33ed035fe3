"""The public portal and the list of operations over the API, served by gunicorn: the latency
of its list and filter requests (p50 and p95 over a few hundred requests on loopback) against
the bare SQL of the same requests, on SQLite and on PostgreSQL.

The data are the dashboard bench's (`dashboard.build`: 10,000 projects at scale 1, six in ten
approved). gunicorn runs with `deploy/gunicorn.conf.py` on the same database. Each request is
first made once in this process to record the SQL it runs (Django's own statements, values
filled in); the floor of that request is the time to run exactly those statements on a plain
connection. Per database: p50 and p95 of both and the ratio of the p95s; the last line is
`RATIO portal-p95 <x>`, the worse of the databases. Target: within 3x.
"""

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dashboard
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("GTI_BENCH_PORTAL_ROUNDS", "20"))  # times through REQUESTS
REQUESTS = [
    "/en/portal/",
    "/en/portal/?page=3",
    "/en/portal/?city=gent",
    "/en/portal/?city=antwerpen&status=running",
    "/en/portal/?objective=SD+2.4",
    "/en/portal/?sdg=11",
    "/en/portal/?q=groen",
    "/api/v1/operations",
    "/api/v1/operations?city=gent&page=2",
    "/api/v1/operations?sort=-total_cost_eur",
    "/api/v1/operations?theme=klimaatadaptatie&status=running",
    "/api/v1/operations?q=energie",
]
DONE = "portal ratio on"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GTI_BIND": f"127.0.0.1:{port}", "GTI_WEB_WORKERS": "3",
           "GTI_ALLOWED_HOSTS": "127.0.0.1", "GTI_SECRET_KEY": "bench-" + "x" * 50,
           "GTI_API_RATE_ANONYMOUS": "1000000/min", "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=5):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def recorded(path: str) -> list[str]:
    """The SQL statements one request runs, values filled in as the database got them."""
    with CaptureQueriesContext(connection) as queries:
        answer = Client().get(path, HTTP_HOST="127.0.0.1")
    assert answer.status_code == 200, (path, answer.status_code)
    return [q["sql"] for q in queries.captured_queries]


def replay(statements: list[str]) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            # a server-side cursor (a list read in chunks on PostgreSQL): its query, read at once
            cursor.execute(re.sub(r"^DECLARE .*? CURSOR .*? FOR ", "", sql))
            cursor.fetchall()
    return (time.perf_counter() - start) * 1000


def fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
    return (time.perf_counter() - start) * 1000


def p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def measure() -> float:
    vendor = connection.vendor
    dashboard.build(progress=lambda line: print(f"  {line}", flush=True))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    statements = {path: recorded(path) for path in REQUESTS}
    server, base = start_gunicorn()
    try:
        for path in REQUESTS:  # every worker warmed up
            fetch(base + path)
        served, bare = [], []
        for _ in range(ROUNDS):
            for path in REQUESTS:
                served.append(fetch(base + path))
                bare.append(replay(statements[path]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = p(served, 0.95) / p(bare, 0.95)
    print(
        f"{len(served)} requests; queries per request "
        f"{min(map(len, statements.values()))}-{max(map(len, statements.values()))}"
    )
    print(f"{'':<10} {'p50 ms':>9} {'p95 ms':>9}")
    print(f"{'gunicorn':<10} {p(served, 0.5):>9.1f} {p(served, 0.95):>9.1f}")
    print(f"{'bare SQL':<10} {p(bare, 0.5):>9.1f} {p(bare, 0.95):>9.1f}")
    print(f"{DONE} {vendor}: {ratio:.2f}", flush=True)
    return ratio


def run() -> None:
    print("-- sqlite", flush=True)
    ratios = {"sqlite": measure()}
    print("-- postgresql", flush=True)
    found = dashboard.postgres_ratio("portal", DONE)
    if found is not None:
        ratios["postgresql"] = found
    print(f"RATIO portal-p95 {max(ratios.values()):.2f}")
