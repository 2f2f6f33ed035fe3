"""`{% load figures %}` `{{ value|figure }}`: a figure as the reader's language writes it, with
no trailing zeros (`531.862`, `36`, `12,5` in Dutch), never via float."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

from gti.templatetags.money import SEPARATORS

register = template.Library()


@register.filter
def figure(value) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    thousands, mark = SEPARATORS.get((get_language() or "nl")[:2], SEPARATORS["en"])
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    sign = "-" if number < 0 else ""
    return sign + thousands.join(groups) + (mark + fraction if fraction else "")
