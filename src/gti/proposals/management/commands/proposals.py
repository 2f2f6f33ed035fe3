import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from gti.errors import Refused
from gti.proposals import excel
from gti.proposals.models import Call
from gti.strategy.models import Strategy


class Command(BaseCommand):
    help = (
        "Proposals in Excel. `template FILE.xlsx` writes a template with drop-down lists; "
        "`import FILE.xlsx --call CALL --as USER` imports a filled file whole or not at all, "
        "listing every problem as sheet!cell: message (exit 1)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        template = sub.add_parser("template", help="write an empty template")
        template.add_argument("file", type=Path)
        template.add_argument("--city", help="only this city's areas and principles")
        imp = sub.add_parser("import", help="import a filled template as draft proposals")
        imp.add_argument("file", type=Path)
        imp.add_argument("--call", required=True, help="call reference, e.g. GEN-2026-C1")
        imp.add_argument(
            "--as", dest="username", required=True, help="the applicant the drafts belong to"
        )

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_template(self, file, city, **options):
        strategies = list(Strategy.objects.current().select_related("programme", "city"))
        if city:
            strategies = [s for s in strategies if s.city.code == city]
        if not strategies:
            raise CommandError("--city: no loaded strategy" if city else "no strategy loaded")
        excel.write_template(file, strategies)
        self.stdout.write(f"template written to {file}")

    def handle_import(self, file, call, username, **options):
        found = Call.objects.filter(reference=call).first()
        if found is None:
            raise CommandError(f"--call: no call {call!r}")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--as: no user {username!r}")
        if not file.exists():
            raise CommandError(f"{file}: file not found")

        def progress(n, total):
            self.stderr.write(f"imported {n}/{total}")

        try:
            created = excel.import_file(file, found, by=user, progress=progress)
        except excel.ImportRefused as exc:
            for problem in exc.problems:
                self.stdout.write(str(problem))
            self.stdout.write(f"nothing imported: {len(exc.problems)} problem(s)")
            sys.exit(1)
        except (PermissionDenied, Refused) as exc:
            raise CommandError(str(exc)) from exc
        for proposal in created:
            self.stdout.write(f"{proposal.reference} {proposal.title}")
