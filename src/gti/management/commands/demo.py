from django.core.management.base import BaseCommand, CommandError

from gti import demo
from gti.strategy import figures
from gti.strategy.models import Strategy


class Command(BaseCommand):
    help = (
        "Create demo data once: a GTI call for both cities, about forty proposals in every state, "
        "the grants of the approved ones with their first progress reports and claims (verified, "
        "paid, in payment applications), and a demo user per role (printed with their password: "
        "for demonstration only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="add the demo to a database that holds other data (never on real data)",
        )

    def handle(self, *args, force, **options):
        if not Strategy.objects.current().exists():
            raise CommandError("no strategy loaded: run `gti strategy load` first")
        foreign = demo.foreign_data()
        if foreign and not force:
            raise CommandError(
                "this database holds data the demo did not make ("
                + "; ".join(foreign)
                + "). The demo adds users with a published password: run it on an empty "
                "database (another GTI_DATA_DIR or DATABASE_URL), or add --force if you are sure."
            )
        demo.run(progress=lambda line: self.stderr.write(line))
        figures.import_file(figures.SAMPLE)  # the strategy's own figures for the area pages
        self.stdout.write(
            f"DEMO users (demonstration only, password for all: {demo.DEMO_PASSWORD}):"
        )
        for name, (role, city) in demo.DEMO_USERS.items():
            self.stdout.write(f"  {name:32} {role.label} {city or ''}".rstrip())
