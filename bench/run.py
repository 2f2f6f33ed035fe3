"""Benchmarks: `make bench`. Each prints its figures and a ratio against a baseline measured in
the same run, on the same machine, so the numbers compare across machines. Not a test.

With GTI_BENCH_PART=postgresql (how `dashboard.run` and `opendata.run` start their child
process) only the bench GTI_BENCH_MODULE names (default: dashboard) runs, on the PostgreSQL
database DATABASE_URL names. GTI_BENCH_ONLY=opendata (a bench's name) runs that bench alone."""

import importlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
POSTGRES_PART = os.environ.get("GTI_BENCH_PART") == "postgresql"
os.environ["GTI_DATA_DIR"] = tempfile.mkdtemp(prefix="gti-bench-")
if not POSTGRES_PART:
    os.environ.pop("DATABASE_URL", None)  # the embedded SQLite database, fresh
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gti.settings")

import django  # noqa: E402

django.setup()

import dashboard  # noqa: E402
import opendata  # noqa: E402
import optimizer  # noqa: E402
import pb  # noqa: E402
import portal  # noqa: E402
import strategy_load  # noqa: E402
from django.core.management import call_command  # noqa: E402

if POSTGRES_PART:
    dashboard.create_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    print(dashboard.STARTED, flush=True)
    importlib.import_module(os.environ.get("GTI_BENCH_MODULE", "dashboard")).measure()
    sys.exit()
call_command("migrate", verbosity=0)
# the dashboard's RATIO line comes last
for bench in [strategy_load, optimizer, opendata, portal, pb, dashboard]:
    if os.environ.get("GTI_BENCH_ONLY", bench.__name__) != bench.__name__:
        continue
    print(f"== {bench.__name__} ==")
    bench.run()
