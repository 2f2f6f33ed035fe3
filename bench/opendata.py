"""Importing another region's list of operations: `gti opendata import` of 1,000,000 rows, on
SQLite and on PostgreSQL.

A CSV file of operations with the columns of the published list is made once (seeded, values
as a region would publish them); the import is timed against DuckDB's `read_csv` of the same
file into a typed table of a DuckDB database on disk (a column store, in C++, on every core,
that checks no rule beyond the types): the baseline of how fast this file can be read into a
table on this machine, measured in the same run. Per database the figures and the ratio are
printed. Target: within 3x. A third figure is the database's own write of the same rows into a
table like the import's, checking nothing (`database_floor`): the part of the time no import
into that database can save.

Databases: first the embedded SQLite database of `bench/run.py`; then PostgreSQL in a child
process, as `dashboard.py` does it (GTI_BENCH_DATABASE_URL, else `scripts/with-postgres`;
GTI_BENCH_POSTGRES=0 to leave it out); the child reads the same file. The last line is
`RATIO import <x>`, the worse of the databases measured. `GTI_BENCH_SCALE` (default 1) scales
the number of rows down for a quick run.
"""

import csv
import datetime
import io
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import dashboard
import duckdb
from django.core.management import call_command
from django.db import connection, transaction

from gti.opendata.models import ExternalOperation
from gti.opendata.operations import COLUMNS

SCALE = float(os.environ.get("GTI_BENCH_SCALE", "1"))
ROWS = max(1, int(1_000_000 * SCALE))
FILE = "GTI_BENCH_OPENDATA_FILE"  # the file the parent made, for the child
DONE = "import ratio on"
TYPES = {c: "VARCHAR" for c in COLUMNS} | {
    "start_date": "DATE", "expected_end_date": "DATE", "last_updated": "DATE",
    "total_cost_eur": "DECIMAL(14,2)", "eligible_cost_eur": "DECIMAL(14,2)",
    "eu_contribution_eur": "DECIMAL(14,2)", "union_cofinancing_rate": "DECIMAL(5,4)",
}  # fmt: skip
WORDS = ["urban", "regeneration", "green", "energy", "district", "heating", "innovation",
         "skills", "mobility", "cycling", "renovation", "social", "housing", "climate",
         "adaptation", "circular", "economy", "small", "firms"]  # fmt: skip
CITIES = [("Essen", "DE", "45127"), ("Lille", "FR", "59000"), ("Rotterdam", "NL", "3011"),
          ("Liège", "BE", "4000"), ("Porto", "PT", "4000-001"),
          ("Łódź", "PL", "90-001")]  # fmt: skip
OBJECTIVES = ["RSO1.1", "RSO1.4", "RSO2.1", "RSO2.2", "RSO2.7", "RSO2.8", "RSO4.1", "RSO5.1"]


def generate(path: Path, rows: int = ROWS) -> None:
    """`rows` good operations as CSV, streamed to `path`."""
    rng = random.Random(2026)
    start = datetime.date(2021, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            city, country, postcode = CITIES[n % len(CITIES)]
            words = " ".join(rng.choices(WORDS, k=6))
            begin = start + datetime.timedelta(days=rng.randrange(1500))
            total = rng.randrange(10_000_00, 5_000_000_00)
            eligible = total * rng.randrange(70, 101) // 100
            rate = rng.choice((40, 50, 60))
            writer.writerow([
                f"{country}-{n:07d}", words.capitalize(), f"{city} city council",
                f"{words.capitalize()} in {city}. Targets: RCO{rng.randrange(1, 120):02d} "
                f"{rng.randrange(1, 500)}.",
                begin.isoformat(), (begin + datetime.timedelta(days=rng.randrange(365, 1800)))
                .isoformat(),
                f"{total / 100:.2f}", f"{eligible / 100:.2f}",
                f"{eligible * rate // 100 / 100:.2f}", f"0.{rate // 10}", "ERDF",
                "P2 A greener Europe", OBJECTIVES[n % len(OBJECTIVES)], "", city, "",
                city, postcode, country, "2026-10-01",
            ])  # fmt: skip


def with_duckdb(path: Path) -> float:
    """Seconds for DuckDB to read the file into a typed table of a database on disk."""
    folder = tempfile.mkdtemp(prefix="gti-bench-duckdb-")
    db = duckdb.connect(str(Path(folder) / "bench.duckdb"))
    columns = ", ".join(f"'{c}': '{t}'" for c, t in TYPES.items())
    began = time.perf_counter()
    db.execute(
        f"CREATE TABLE operations AS SELECT * FROM read_csv(?, header = true, "
        f"columns = {{{columns}}})",
        [str(path)],
    )
    spent = time.perf_counter() - began
    count = db.execute("SELECT count(*) FROM operations").fetchone()[0]
    db.close()
    shutil.rmtree(folder)
    assert count == ROWS, count
    return spent


def database_floor(path: Path) -> float:
    """Seconds for the database itself to write the same rows into a table like the import's,
    with its indexes, checking nothing: what no import into that database can beat. PostgreSQL:
    COPY of the file. SQLite has no loader of its own: the rows are first put, untimed, in a
    staged table of another file, and INSERT ... SELECT is timed (the rows' values move in C,
    not one of them through Python)."""
    table = connection.ops.quote_name(ExternalOperation._meta.db_table)
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE floor (LIKE {table} INCLUDING ALL)")
            cursor.execute("ALTER TABLE floor ALTER source SET DEFAULT 'floor', "
                           "ALTER imported_at SET DEFAULT now()")  # fmt: skip
            texts = ", ".join(c for c in COLUMNS if not ExternalOperation._meta.get_field(c).null)
            began = time.perf_counter()
            with path.open("rb") as data, cursor.cursor.copy(
                f"COPY floor ({columns}) FROM STDIN "
                f"WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL ({texts}))"  # empty: ''
            ) as copy:  # fmt: skip
                while block := data.read(1 << 20):
                    copy.write(block)
            spent = time.perf_counter() - began
            cursor.execute("DROP TABLE floor")
            return spent
        staged = Path(tempfile.mkdtemp(prefix="gti-bench-floor-")) / "staged.sqlite3"
        cursor.execute("ATTACH DATABASE %s AS staged", [str(staged)])
        cursor.execute(f"CREATE TABLE staged.operations ({columns})")
        with path.open(encoding="utf-8", newline="") as data, transaction.atomic():
            rows = csv.reader(data)
            next(rows)
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO staged.operations VALUES ({marks})", rows)
        began = time.perf_counter()
        with transaction.atomic():
            cursor.execute(
                f"INSERT INTO {table} (source, imported_at, {columns}) "
                f"SELECT 'floor', '2026-01-01 00:00:00', * FROM staged.operations"
            )
        spent = time.perf_counter() - began
        with transaction.atomic():
            cursor.execute(f"DELETE FROM {table} WHERE source = 'floor'")
        cursor.execute("DETACH DATABASE staged")
        shutil.rmtree(staged.parent)
        return spent


def with_gti(path: Path) -> float:
    """Seconds of `gti opendata import` of the file (a source imported for the first time)."""
    ExternalOperation.objects.filter(source="bench").delete()
    began = time.perf_counter()
    call_command("opendata", "import", str(path), "--source", "bench",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    spent = time.perf_counter() - began
    assert ExternalOperation.objects.filter(source="bench").count() == ROWS
    return spent


def measure(path: Path | None = None) -> float:
    """Time both on this process's database, print the figures; the ratio."""
    path = path or Path(os.environ[FILE])
    vendor = connection.vendor
    ours, theirs, floor = with_gti(path), with_duckdb(path), database_floor(path)
    ratio = ours / theirs
    print(f"{'':<26} {'seconds':>8} {'rows/s':>10} {'/ duckdb':>8}")
    for name, spent in [("gti opendata import", ours), ("duckdb read_csv", theirs),
                        (f"{vendor} itself, no check", floor)]:  # fmt: skip
        print(f"{name:<26} {spent:>8.2f} {ROWS / spent:>10,.0f} {spent / theirs:>8.2f}")
    print(f"{DONE} {vendor}: {ratio:.2f}", flush=True)
    return ratio


def run() -> None:
    path = Path(tempfile.mkdtemp(prefix="gti-bench-opendata-")) / "operations.csv"
    began = time.perf_counter()
    generate(path)
    size = path.stat().st_size / 1e6
    print(f"{ROWS} operations, {size:.0f} MB, made in {time.perf_counter() - began:.1f} s")
    print("-- sqlite", flush=True)
    ratios = {"sqlite": measure(path)}
    print("-- postgresql", flush=True)
    found = dashboard.postgres_ratio("opendata", DONE, {FILE: str(path)})
    if found is not None:
        ratios["postgresql"] = found
    shutil.rmtree(path.parent)
    print(f"RATIO import {max(ratios.values()):.2f}")
