import sys

from django.core.management.base import BaseCommand

from gti.accounts import audit
from gti.accounts.models import AuditEvent


class Command(BaseCommand):
    help = "The audit trail. `verify` walks the hash chain; exit 1 naming the first broken event."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("verify", help="check that no event was changed, removed or reordered")

    def handle(self, *args, action, **options):
        total = AuditEvent.objects.count()

        def progress(n):
            self.stderr.write(f"checked {n} of {total} events")

        broken = audit.verify(progress=progress if total > 5000 else None)
        if broken:
            self.stdout.write(f"BROKEN: {broken}")
            sys.exit(1)
        self.stdout.write(f"OK: {total} events, chain intact")
