import json
from fractions import Fraction
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gti.participation import pabulib, rules


def decimal(value: Fraction | None, places: int = 6) -> str | None:
    """An amount as a decimal string: exact when it ends, else rounded to `places` decimals."""
    if value is None:
        return None
    text = pabulib.format_amount(value)
    if "/" not in text:
        return text
    scaled = round(Fraction(value) * 10**places)  # half to even
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def as_json(outcome: rules.Outcome) -> dict:
    return {
        "selected": outcome.selected,
        "total_cost": decimal(outcome.total_cost),
        "rule": outcome.rule,
        "completion": outcome.completion,
        "endowment": decimal(outcome.endowment),
    }


def as_text(instance: pabulib.Instance, outcome: rules.Outcome) -> str:
    lines = [
        _("%(description)s: %(projects)d projects, %(voters)d voters, budget %(budget)s")
        % {
            "description": instance.description or _("election"),
            "projects": len(instance.projects),
            "voters": len(instance.ballots),
            "budget": decimal(outcome.budget),
        },
        _("rule %(rule)s, completion %(completion)s") % vars(outcome),
    ]
    if outcome.endowment is not None:
        lines.append(_("each voter's budget: %(amount)s") % {"amount": decimal(outcome.endowment)})
    for f in outcome.fundings:
        project = instance.projects[f.project]
        if f.phase == "mes":
            how = _("equal shares of %(payers)d supporters") % {"payers": len(f.payments)}
        else:
            how = _("from what remained")
        lines.append(f"  {f.project}  {decimal(f.cost)}  {project.name}  ({how})")
    lines.append(
        _("%(count)d projects funded, %(cost)s of %(budget)s")
        % {
            "count": len(outcome.fundings),
            "cost": decimal(outcome.total_cost),
            "budget": decimal(outcome.budget),
        }
    )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Participatory budgeting. `compute FILE.pb --rule greedy|mes`: the projects a vote in "
        "the pabulib format funds."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        compute = sub.add_parser("compute", help="the outcome of a rule on a .pb file")
        compute.add_argument("file", type=Path, help="the election, a pabulib .pb file")
        compute.add_argument("--rule", choices=rules.RULES, required=True)
        compute.add_argument("--completion", choices=rules.COMPLETIONS, default="none")
        compute.add_argument(
            "--increment", default="1", help="add1: the raise of a voter's budget per run"
        )
        compute.add_argument("--format", dest="fmt", choices=["json", "text"], default="json")
        compute.add_argument("--output", type=Path, help="the file to write (else stdout)")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_compute(self, file, rule, completion, increment, fmt, output, **options):
        if rule == "greedy" and completion != "none":
            raise CommandError(_("--completion: greedy takes none"), returncode=2)
        try:
            step = pabulib.amount(increment)
        except (ValueError, ZeroDivisionError):
            step = 0
        if step <= 0:
            message = _("--increment: %(value)r is not a positive number") % {"value": increment}
            raise CommandError(message, returncode=2)
        if not file.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file}, returncode=2)
        if output is not None and not output.parent.resolve().is_dir():
            raise CommandError(_("--output: no folder %(folder)s") % {"folder": output.parent},
                               returncode=2)  # fmt: skip
        try:
            instance = pabulib.read(file)
        except pabulib.PabulibError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("%(file)s: not UTF-8 text") % {"file": file}, returncode=2
            ) from None
        outcome = rules.compute(instance, rule, completion, step)
        if fmt == "json":
            text = json.dumps(as_json(outcome), indent=2) + "\n"
        else:
            text = as_text(instance, outcome)
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
