"""`{% load money %}` `{{ amount|eur }}`: an amount in euro as the reader's language writes it.

Dutch `EUR 1.234.567,89`, English `EUR 1,234,567.89`, from a Decimal (or its text) and never via
float arithmetic, so a cent is never lost. USE_THOUSAND_SEPARATOR stays off: it would reformat ids
and years too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

# (thousands separator, decimal mark) per language; English is the fallback.
SEPARATORS = {"nl": (".", ","), "en": (",", ".")}
CENT = Decimal("0.01")


def format_eur(amount, language: str | None = None) -> str:
    """`EUR 1.234,50` (nl) / `EUR 1,234.50` (en); empty for no amount, the input for non-numbers."""
    if amount is None or amount == "":
        return ""
    try:
        # floats come from JSON results (scenarios): their shortest text is the amount meant
        value = Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not value.is_finite():
        return str(amount)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    thousands, mark = SEPARATORS.get((language or get_language() or "nl")[:2], SEPARATORS["en"])
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"EUR {sign}{thousands.join(groups)}{mark}{cents}"


@register.filter
def eur(amount):
    return format_eur(amount)


@register.filter
def percent(rate):
    """A rate kept as a fraction, as a plain percentage: 0.4000 → `40`, 0.3333 → `33.33`."""
    if rate is None or rate == "":
        return ""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}"
