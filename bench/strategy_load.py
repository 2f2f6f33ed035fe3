"""Loading the strategy files and reading them back.

- validate+load: `gti strategy load` work (schema, rules, database writes) against the baseline of
  only parsing the same YAML files; the ratio says what validation and storage cost on top.
- show: `gti strategy show` (database reads and shaping) against the baseline of serialising the
  resulting dict to JSON.
"""

import json
import statistics
import time

import yaml
from django.db import transaction

from gti.strategy import schema, services


def timed(fn, repeat: int) -> float:
    """Median wall time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Rollback(Exception):
    pass


def load_and_roll_back():
    try:
        with transaction.atomic():
            services.load_files()
            raise Rollback
    except Rollback:
        pass


def run(repeat: int = 7) -> None:
    files = schema.default_files()
    parse = timed(lambda: [yaml.safe_load(f.read_text(encoding="utf-8")) for f in files], repeat)
    load = timed(load_and_roll_back, repeat)
    print(f"parse YAML only (baseline) {parse:8.1f} ms")
    print(f"validate + load            {load:8.1f} ms   ratio {load / parse:5.2f}x")

    services.load_files()
    data = services.show()
    dump = timed(lambda: json.dumps(data, ensure_ascii=False), repeat)
    show = timed(services.show, repeat)
    print(f"JSON dump only (baseline)  {dump:8.1f} ms")
    print(f"show (read + shape)        {show:8.1f} ms   ratio {show / dump:5.2f}x")
