"""The rules of the indicator values a progress report gives. Pure Python on decimals; no Django.

- A value is what was achieved since the start of the operation (cumulative), never negative.
- A value lower than the one of the last accepted report needs a reason (a count corrected, a
  result lost): progress does not quietly go backwards.
- A code is one of the indicators of the grant's conditions in force on the period's end, given
  once; a report to be submitted gives every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")


class Refused(ValueError):
    """A rule broken; `errors` maps each place (e.g. `indicators[2].value`) to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Value:
    code: str
    value: Decimal
    reason: str = ""


def check(
    values: list[Value],
    *,
    codes: list[str],
    previous: dict[str, Decimal],
    complete: bool = False,
) -> None:
    """Refuse what breaks a rule above, every problem at once by place. `codes` are the grant's
    indicators, `previous` the values of the last accepted report, `complete` asks for every
    code (at submission; a draft may be saved half done)."""
    errors: dict[str, list[str]] = {}

    def fail(place, message):
        errors.setdefault(place, []).append(message)

    seen: set[str] = set()
    for n, item in enumerate(values):
        where = f"indicators[{n}]"
        if item.code not in codes:
            fail(f"{where}.code", "not an indicator of the grant")
        elif item.code in seen:
            fail(f"{where}.code", "given twice")
        seen.add(item.code)
        if item.value < ZERO:
            fail(f"{where}.value", "must not be negative")
        last = previous.get(item.code)
        if last is not None and item.value < last and not item.reason.strip():
            fail(
                f"{where}.reason",
                f"lower than the {last} of the last accepted report: give the reason",
            )
    if complete:
        for code in codes:
            if code not in seen:
                fail("indicators", f"no value for {code}")
    if errors:
        raise Refused(errors)
