from django.core.management.base import BaseCommand

from gti.notifications import deadlines


class Command(BaseCommand):
    help = (
        "Deadlines. `remind`: write the reminders due today (GTI_REMINDER_DAYS before each "
        "deadline, once per deadline and offset); run it daily. Progress on stderr."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("remind", help="write today's reminders (idempotent)")

    def handle(self, *args, action, **options):
        written = deadlines.remind(
            progress=lambda done, total: self.stderr.write(f"people: {done}/{total}")
        )
        self.stdout.write(f"reminders written: {written}")
