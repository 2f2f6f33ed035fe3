import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from gti.monitoring import annual
from gti.strategy.models import City

FORMATS = (".html", ".pdf")


class Command(BaseCommand):
    help = (
        "Reports. `annual --year YEAR [--city CITY] --output FILE.html|.pdf`: the annual "
        "implementation report of a city or of the whole GTI."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        report = sub.add_parser(
            "annual",
            help="the annual implementation report; exit 2 on an unknown city, a bad year or an "
            "output that is neither .html nor .pdf, naming the option",
        )
        report.add_argument("--year", type=int, required=True, help="the calendar year")
        report.add_argument("--city", help="a city code (antwerpen, gent); left out: the whole GTI")
        report.add_argument(
            "--output", type=Path, required=True, help="FILE.html or FILE.pdf: the suffix chooses"
        )
        report.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE, help="the report's language",
        )  # fmt: skip

    def handle(self, *args, action, year, city, output, language, **options):
        suffix = output.suffix.lower()
        if suffix not in FORMATS:
            self.fail(f"--output: {output}: the file name ends in .html or .pdf")
        if city is not None and not City.objects.filter(code=city).exists():
            known = ", ".join(City.objects.order_by("code").values_list("code", flat=True))
            self.fail(f"--city: {city}: not a city (known: {known})")
        with translation.override(language):
            self.progress(f"annual report {year} for {city or 'the whole GTI'}: reading figures")
            try:
                report = annual.annual_report(None, year, city)
            except annual.BadChoice as exc:
                self.fail(f"--{exc.field}: {year if exc.field == 'year' else city}: {exc}")
            self.progress(f"writing {suffix[1:].upper()}")
            if suffix == ".pdf":
                content = annual.pdf(report)
            else:
                content = annual.html(report).encode("utf-8")
        try:
            output.write_bytes(content)
        except OSError as exc:
            self.fail(f"--output: {output}: cannot write: {exc.strerror}")
        self.progress(f"written: {output} ({len(content)} bytes)")

    def progress(self, line):
        self.stderr.write(line)

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)
