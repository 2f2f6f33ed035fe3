from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gti.accounts.services import create_token


class Command(BaseCommand):
    help = "API keys. `create USER` makes a key for USER and prints it once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="make a key and print it (only its hash is kept)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the key is for")

    def handle(self, *args, action, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user {username!r}")
        self.stdout.write(create_token(user, name=name))
