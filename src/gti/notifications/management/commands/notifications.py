from django.core.management.base import BaseCommand

from gti.notifications import services


class Command(BaseCommand):
    help = (
        "Notifications. `send`: e-mail every message waiting (new ones and retries that are "
        "due). `digest`: one e-mail per person with the messages of the daily digest. "
        "Progress on stderr."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("send", help="send the e-mail of the messages waiting; retries included")
        sub.add_parser("digest", help="send each person the digest of their waiting messages")

    def progress(self, label):
        return lambda done, total: self.stderr.write(f"{label}: {done}/{total}")

    def handle(self, *args, action, **options):
        if action == "send":
            sent, failed = services.send(progress=self.progress("messages"))
            self.stdout.write(f"sent {sent}, failed {failed} (retried later)")
        else:
            sent, failed = services.send_digests(progress=self.progress("people"))
            self.stdout.write(f"digests sent {sent}, failed {failed} (kept for the next run)")
