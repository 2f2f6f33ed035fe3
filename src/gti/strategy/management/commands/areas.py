import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from gti.strategy import figures


class Command(BaseCommand):
    help = (
        "Figures per area. `import-stats FILE.csv` imports figures (population, income, green "
        "within walking distance, unemployment …) with their year and source, whole or not at all."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        about = (
            "Import figures per area from a CSV file with the columns "
            "city,area,figure,year,value,source (an empty area: the whole city; figure: one of "
            + ", ".join(figures.FIGURES)
            + "). A figure already there for the same area, figure and year is updated. Any bad "
            "row: each is printed as FILE:LINE:COLUMN: problem, nothing is imported, exit 2."
        )
        stats = sub.add_parser("import-stats", help=about, description=about)
        stats.add_argument("file", type=Path, help="a UTF-8 CSV file")

    def handle(self, *args, action, **options):
        getattr(self, "handle_" + action.replace("-", "_"))(**options)

    def handle_import_stats(self, file, **options):
        def progress(n, total):
            self.stderr.write(f"imported {n}/{total}")

        try:
            done = figures.import_file(file, progress=progress)
        except figures.FiguresRefused as exc:
            for problem in exc.problems:
                self.stdout.write(str(problem))
            self.stdout.write(f"nothing imported: {len(exc.problems)} problem(s)")
            sys.exit(2)
        self.stdout.write(
            f"{done.count} figure(s) imported: {done.created} new, {done.updated} updated"
        )
