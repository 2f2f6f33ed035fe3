import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gti.accounts import audit
from gti.accounts.models import AuditEvent


class Command(BaseCommand):
    help = (
        "The audit trail. `verify` walks the hash chain and checks the anchors; exit 1 naming the "
        "first broken event. `anchor` writes the head of the chain outside the database."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = sub.add_parser(
            "verify", help="check that no event was changed, removed or reordered"
        )
        verify.add_argument(
            "--anchors",
            type=Path,
            help="anchors file to check against (default GTI_DATA_DIR/audit-anchors.log if "
            "it exists)",
        )
        anchor = sub.add_parser(
            "anchor", help="append '<time> <event id> <head hash>' to the anchors file"
        )
        anchor.add_argument(
            "--file", type=Path, help="append-only file (default GTI_DATA_DIR/audit-anchors.log)"
        )
        anchor.add_argument(
            "--print", action="store_true", help="only print the line, to file it elsewhere"
        )

    def handle(self, *args, action, **options):
        if action == "anchor":
            return self.anchor(options["file"], options["print"])
        return self.verify(options["anchors"])

    def anchor(self, path, print_only):
        line = audit.anchor_line() if print_only else audit.anchor(path)
        if line is None:
            raise CommandError("the audit trail is empty: nothing to anchor")
        self.stdout.write(line)

    def verify(self, anchors):
        if anchors and not anchors.exists():
            raise CommandError(f"--anchors: no file {anchors}")
        total = AuditEvent.objects.count()

        def progress(n):
            self.stderr.write(f"checked {n} of {total} events")

        broken = audit.verify_all(anchors, progress=progress if total > 5000 else None)
        if broken:
            self.stdout.write(f"BROKEN: {broken}")
            sys.exit(1)
        self.stdout.write(f"OK: {total} events, chain intact")
