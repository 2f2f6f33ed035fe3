from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """`{{ mapping|get:key }}`: a value of a dict by a key held in a variable."""
    return (mapping or {}).get(key, 0)


@register.filter
def bars(mapping):
    """(label, value, width %) for a horizontal bar chart, widest first."""
    items = sorted((mapping or {}).items(), key=lambda kv: -kv[1])
    top = max((v for _k, v in items), default=0) or 1
    return [(k, f"{v:,.0f}" if isinstance(v, float) else v, round(100 * v / top)) for k, v in items]


@register.filter
def share_bars(mapping):
    return [(k, f"{100 * v:.1f}%", round(100 * v)) for k, v in sorted((mapping or {}).items())]


@register.filter
def percent(value):
    return f"{100 * (value or 0):.1f}%"
