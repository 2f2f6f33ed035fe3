import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gti.opendata import formats, operations
from gti.strategy.models import City


class Command(BaseCommand):
    help = (
        "Open data. `export --format csv|json|xlsx|geojson --output FILE`: the list of "
        "operations (CPR art. 49(3)), the approved operations with their published fields only."
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
