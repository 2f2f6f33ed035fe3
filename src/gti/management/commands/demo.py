from django.core.management.base import BaseCommand, CommandError

from gti import demo
from gti.strategy.models import Strategy


class Command(BaseCommand):
    help = (
        "Create demo data once: a GTI call for both cities, about forty proposals in every state, "
        "and a demo user per role (printed with their password: for demonstration only)."
    )

    def handle(self, *args, **options):
        if not Strategy.objects.current().exists():
            raise CommandError("no strategy loaded: run `gti strategy load` first")
        demo.run(progress=lambda line: self.stderr.write(line))
        self.stdout.write(
            f"DEMO users (demonstration only, password for all: {demo.DEMO_PASSWORD}):"
        )
        for name, (role, city) in demo.DEMO_USERS.items():
            self.stdout.write(f"  {name:32} {role.label} {city or ''}".rstrip())
