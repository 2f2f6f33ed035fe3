from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gti.accounts.models import ApiToken
from gti.accounts.services import create_token, revoke_token
from gti.errors import Invalid


class Command(BaseCommand):
    help = (
        "API keys. `create USER` makes a key for USER and prints it once; `revoke gti_PREFIX` "
        "stops the key that starts with gti_PREFIX."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="make a key and print it (only its hash is kept)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the key is for")
        create.add_argument(
            "--days", type=int, default=None, help="how long it works (default GTI_API_KEY_DAYS)"
        )
        revoke = sub.add_parser("revoke", help="stop a key at once")
        revoke.add_argument(
            "prefix", help="gti_ and the 8 characters after it, as the API keys page shows them"
        )

    def handle(self, *args, action, **options):
        if action == "revoke":
            return self.revoke(options["prefix"].removeprefix("gti_")[:8])
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user {username!r}")
        try:
            key = create_token(user, name=options["name"], days=options["days"])
        except Invalid as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(key)

    def revoke(self, prefix):
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at=None))
        if not tokens:
            raise CommandError(f"prefix: no key gti_{prefix}… that still works")
        if len(tokens) > 1:
            raise CommandError(f"prefix: {len(tokens)} keys start with gti_{prefix}; ask an admin")
        revoke_token(tokens[0])
        self.stdout.write(f"revoked gti_{prefix}… of {tokens[0].user}")
