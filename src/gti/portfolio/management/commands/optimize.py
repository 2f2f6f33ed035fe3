import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from gti.portfolio import optimizer

PROGRESS_FROM = 2000  # proposals: above this, show the steps on stderr


class Command(BaseCommand):
    help = (
        "Choose the portfolio for INSTANCE.json: the exact optimum (SciPy milp, HiGHS, relative "
        "gap at most 1e-6) beside rank-and-fill, with binding constraints and explanations. "
        "Exit 2 on an invalid instance, naming the place; an infeasible one exits 0 with status "
        "'infeasible' and the conflicting constraints."
    )

    def add_arguments(self, parser):
        parser.add_argument("instance", type=Path, help="the instance (JSON)")
        parser.add_argument("--output", type=Path, help="write the result here, not to stdout")
        parser.add_argument(
            "--time-limit", type=float, default=120.0, help="seconds for the solver (default 120)"
        )

    def handle(self, *args, instance, output, time_limit, **options):
        try:
            text = instance.read_text(encoding="utf-8")
        except OSError as exc:
            self.stderr.write(f"{instance}: cannot read: {exc.strerror}")
            sys.exit(2)
        try:
            inst = optimizer.load(text)
        except optimizer.InstanceError as exc:
            self.stderr.write(f"{instance}: {exc}")
            sys.exit(2)
        progress = None
        if len(inst.proposals) > PROGRESS_FROM:

            def progress(message):
                self.stderr.write(message)

        result = optimizer.solve(inst, time_limit=time_limit, progress=progress)
        text = optimizer.dumps(result)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
            if progress:
                progress(f"result written to {output}")
        else:
            self.stdout.write(text)
