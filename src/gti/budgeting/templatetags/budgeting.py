from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """An exact share as a percentage with one decimal: Fraction(1, 3) → 33.3%."""
    if value is None:
        return "—"
    tenths = round(Fraction(value) * 1000)
    return f"{tenths // 10}.{tenths % 10}%"
