import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand
from pydantic import ValidationError

from gti.monitoring import money
from gti.proposals.inputs import messages


class Command(BaseCommand):
    help = "Monitoring. `n3 INSTANCE.json`: the N+3 forecast (CPR art. 105) per year 2022-2027."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        forecast = sub.add_parser(
            "n3",
            help="target, covered, shortfall and status per year; exit 2 on an invalid "
            "instance, naming the place",
        )
        forecast.add_argument("instance", type=Path, help="the instance (JSON)")

    def handle(self, *args, action, instance, **options):
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

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)
