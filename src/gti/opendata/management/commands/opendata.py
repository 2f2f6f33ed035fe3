import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from gti.opendata import formats, imports, operations
from gti.strategy.models import City


class Command(BaseCommand):
    help = _(
        "Open data. `export --format csv|json|xlsx|geojson --output FILE`: the list of "
        "operations (CPR art. 49(3)), the approved operations with their published fields only. "
        "`import FILE.csv [--source NAME] [--skip-bad]`: another region's list, for comparison."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = sub.add_parser(
            "export", help="the list of operations in an open format; progress on stderr"
        )
        export.add_argument("--format", dest="fmt", choices=formats.FORMATS, required=True)
        export.add_argument("--output", type=Path, required=True, help="the file to write")
        export.add_argument("--city", help="one city's operations only (its code)")
        export.add_argument(
            "--language", choices=["nl", "en"], default="nl", help="of the names and texts"
        )

        about = _(
            "Import another region's list of operations from a UTF-8 CSV file with the columns "
            "of the exported list (any order; a missing or unknown column: nothing imported). "
            "Dates ISO (YYYY-MM-DD); amounts non-negative with at most two decimals, "
            "eu_contribution_eur <= eligible_cost_eur <= total_cost_eur; "
            "union_cofinancing_rate between 0 and 1. Importing the same source again REPLACES "
            "its rows. Any bad row: each is listed as `line N: column: problem` (the first %(n)s "
            "and a count), nothing is imported, exit 2; with --skip-bad the good rows are "
            "imported and the bad ones listed. Progress on stderr."
        ) % {"n": imports.SHOWN}
        imp = sub.add_parser("import", help=about, description=about)
        imp.add_argument("file", type=Path, help=_("a UTF-8 CSV file"))
        imp.add_argument(
            "--source", help=_("the list's name (default: the file's name); its rows are replaced")
        )
        imp.add_argument(
            "--skip-bad", action="store_true", help=_("import the good rows, list the bad ones")
        )
        imp.add_argument(
            "--batch-size", type=int, default=imports.BATCH,
            help=_("rows stored at a time (default %(default)s)"),
        )  # fmt: skip

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_export(self, fmt, output, city, language, **options):
        known = list(City.objects.order_by("code").values_list("code", flat=True))
        if city is not None and city not in known:
            message = f"--city: {city}: not a city (known: {', '.join(known)})"
            raise CommandError(message, returncode=2)
        folder = output.parent.resolve()
        if not folder.is_dir():
            raise CommandError(f"--output: no folder {folder}", returncode=2)
        if output.is_dir():
            raise CommandError(f"--output: {output} is a folder", returncode=2)

        def progress(done):
            self.stderr.write(f"\rwritten {done} operations", ending="")

        # written beside the target and renamed at the end: a failure leaves nothing behind
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".part")
        try:
            with translation.override(language), os.fdopen(handle, "wb") as out:
                rows = operations.published(city, with_geometry=fmt == "geojson")
                count = formats.write(fmt, rows, out, progress)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stderr.write("")
        self.stdout.write(f"{count} operations written to {output}")

    def handle_import(self, file, source, skip_bad, batch_size, **options):
        def progress(position, size, rows):
            share = position / size if size else 1
            bar = "#" * int(share * 30)
            self.stderr.write(f"\r[{bar:<30}] {share:4.0%} {rows} rows", ending="")

        try:
            done = imports.import_file(
                file, source=source, skip_bad=skip_bad, batch_size=batch_size, progress=progress
            )
        except imports.ImportRefused as exc:
            self.stderr.write("")
            for problem in exc.problems:
                self.stdout.write(str(problem))
            if exc.bad_rows > len(exc.problems):
                self.stdout.write(_("… and more: only the first %(n)s problems are listed")
                                  % {"n": len(exc.problems)})  # fmt: skip
            if exc.bad_rows:
                self.stdout.write(_("nothing imported: %(n)s bad row(s)") % {"n": exc.bad_rows})
            else:
                self.stdout.write(_("nothing imported"))
            sys.exit(2)
        self.stderr.write("")
        for problem in done.problems:
            self.stdout.write(str(problem))
        if done.bad_rows > len(done.problems):
            self.stdout.write(_("… and more: only the first %(n)s problems are listed")
                              % {"n": len(done.problems)})  # fmt: skip
        self.stdout.write(
            _("%(rows)s operations imported as %(source)s (%(replaced)s replaced, %(bad)s bad "
              "row(s) skipped)")
            % {"rows": done.rows, "source": done.source, "replaced": done.replaced,
               "bad": done.bad_rows}
        )  # fmt: skip
