from django import template

from gti.portfolio import explain as explaining
from gti.templatetags.money import format_eur

register = template.Library()


@register.filter
def get(mapping, key):
    """`{{ mapping|get:key }}`: a value of a dict by a key held in a variable."""
    return (mapping or {}).get(key, 0)


@register.filter
def name(names, key):
    """`{{ names|name:code }}`: the name of a theme, area or envelope by its code; the code if
    it has none (an item of a scenario no longer in the strategy)."""
    return (names or {}).get(key) or key


@register.filter
def join_names(codes, names):
    """`{{ ids|join_names:names }}`: the names of the codes, comma-separated."""
    return ", ".join(str(name(names, c)) for c in codes or [])


@register.filter
def bars(mapping):
    """(label, value, width %) for a horizontal bar chart, widest first."""
    items = sorted((mapping or {}).items(), key=lambda kv: -kv[1])
    top = max((v for _k, v in items), default=0) or 1
    return [(k, v, round(100 * v / top)) for k, v in items]


@register.filter
def money_bars(mapping):
    """`bars` of amounts in euro, written as the reader's language writes them."""
    return [(k, format_eur(v), width) for k, v, width in bars(mapping)]


@register.filter
def share_bars(mapping):
    return [(k, f"{100 * v:.1f}%", round(100 * v)) for k, v in sorted((mapping or {}).items())]


@register.filter
def percent(value):
    return f"{100 * (value or 0):.1f}%"


@register.simple_tag(takes_context=True)
def explain(context, explanation):
    """`{% explain text %}`: an optimiser explanation in the reader's language."""
    names = context.get("names") or {}
    return explaining.render(explanation, names.get("envelopes"))
