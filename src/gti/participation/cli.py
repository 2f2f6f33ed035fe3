"""`gti pb`: participatory budgeting on a pabulib file, a pure computation without the site.

gti/__main__.py runs `main` before Django is loaded; the management command `pb` (`gti help`,
`call_command`) wraps the same `add_arguments` and `run`. Nothing here may import Django's
settings, models or translation machinery (gti.participation.texts translates), and this
package does without the standard library's slower imports (pathlib, dataclasses): that keeps
the command's start-up to a tenth of a second (tests/participation/test_rules.py checks).
"""

import argparse
import json
import os
import sys
from fractions import Fraction

from gti.participation import pabulib, rules
from gti.participation.texts import gettext as _

HELP = (
    "Participatory budgeting. `compute FILE.pb --rule greedy|mes`: the projects a vote in "
    "the pabulib format funds."
)


class Refused(Exception):
    """Input the command refuses (exit 2, nothing written): the message names the option or the
    file's line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    compute = sub.add_parser("compute", help="the outcome of a rule on a .pb file")
    compute.add_argument("file", help="the election, a pabulib .pb file")
    compute.add_argument("--rule", choices=rules.RULES, required=True)
    compute.add_argument("--completion", choices=rules.COMPLETIONS, default="none")
    compute.add_argument(
        "--increment", default="1", help="add1: the raise of a voter's budget per run"
    )
    compute.add_argument("--format", dest="fmt", choices=["json", "text"], default="json")
    compute.add_argument("--output", help="the file to write (else stdout)")


def run(action: str, **options) -> str:
    """Runs the action: the text for standard output (empty when written to --output)."""
    return {"compute": compute}[action](**options)


def compute(file: str, rule: str, completion: str, increment: str, fmt: str,
            output: str | None, **_command) -> str:  # fmt: skip
    """`_command`: the management command's own options (verbosity, …), not used."""
    if rule == "greedy" and completion != "none":
        raise Refused(_("--completion: greedy takes none"))
    try:
        step = pabulib.amount(increment)
    except (ValueError, ZeroDivisionError):
        step = 0
    if step <= 0:
        raise Refused(_("--increment: %(value)r is not a positive number") % {"value": increment})
    if not os.path.isfile(file):
        raise Refused(_("%(file)s: no such file") % {"file": file})
    folder = os.path.dirname(output or "") or "."
    if output is not None and not os.path.isdir(folder):
        raise Refused(_("--output: no folder %(folder)s") % {"folder": folder})
    try:
        instance = pabulib.read(file)
    except pabulib.PabulibError as error:
        raise Refused(f"{file}: {error}") from None
    except UnicodeDecodeError:
        raise Refused(_("%(file)s: not UTF-8 text") % {"file": file}) from None
    outcome = rules.compute(instance, rule, completion, step)
    if fmt == "json":
        text = json.dumps(as_json(outcome), indent=2) + "\n"
    else:
        text = as_text(instance, outcome)
    if output is None:
        return text
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    return ""


def main(argv: list[str] | None = None) -> int:
    """`gti pb ARGS`: the exit code; 2 for a bad option (argparse's message) or refused input
    (one line on stderr)."""
    parser = argparse.ArgumentParser(prog="gti pb", description=HELP)
    add_arguments(parser)
    try:
        options = vars(parser.parse_args(argv))
    except SystemExit as stop:  # --help (0) or a bad option (2), argparse has said why
        return stop.code
    try:
        text = run(**options)
    except Refused as error:
        print(f"gti pb: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


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
