import json
import sys
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from pydantic import ValidationError

from gti.accounts import permissions
from gti.monitoring import exports, money
from gti.proposals.inputs import messages


class Command(BaseCommand):
    help = (
        "Monitoring. `n3 INSTANCE.json`: the N+3 forecast (CPR art. 105) per year 2022-2027. "
        "`export --output FILE.xlsx`: the Excel export of projects, grants, claims, payments and "
        "indicator values, in the foreground."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        forecast = sub.add_parser(
            "n3",
            help="target, covered, shortfall and status per year; exit 2 on an invalid "
            "instance, naming the place",
        )
        forecast.add_argument("instance", type=Path, help="the instance (JSON)")
        export = sub.add_parser(
            "export", help="the Excel export as the page makes it; progress on stderr"
        )
        export.add_argument("--output", type=Path, required=True, help="the workbook to write")
        export.add_argument("--city", help="one city's projects only (its code)")
        export.add_argument(
            "--as", dest="username",
            help="only what this person may see (export.excel); left out: the whole programme",
        )  # fmt: skip
        export.add_argument("--language", choices=["nl", "en"], default="nl")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_n3(self, instance, **options):
        try:
            data = json.loads(instance.read_text(encoding="utf-8"), parse_float=Decimal)
        except OSError as exc:
            self.fail(f"{instance}: cannot read: {exc.strerror}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.fail(f"{instance}: not JSON: {exc}")
        try:
            parsed = money.N3Instance.model_validate(data)
        except ValidationError as exc:
            for place, problems in messages(exc).items():
                self.stderr.write(f"{place}: {'; '.join(problems)}")
            sys.exit(2)
        self.stdout.write(json.dumps(money.forecast(parsed), indent=2))

    def handle_export(self, output, city, username, language, **options):
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--as: no user {username!r}")
            try:
                permissions.require(user, "export.excel")
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        try:
            params = exports.ExcelParameters(city=city)
        except ValidationError as exc:
            raise CommandError(f"--city: {exc.errors()[0]['msg']}") from exc

        def progress(done, total):
            self.stderr.write(f"\rwritten {done}/{total} rows", ending="")

        with translation.override(language), output.open("wb") as out:
            exports.write_excel(user, params, out, progress)
        self.stderr.write("")
        self.stdout.write(f"export written to {output}")

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)
