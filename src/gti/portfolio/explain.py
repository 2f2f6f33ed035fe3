"""The optimiser's explanations in the reader's language.

`optimizer.py` stays pure and writes each explanation as data (a list of `{"code": …}` reasons);
this module turns them into sentences through gettext when a page or the CLI shows them.
"""

from django.utils import formats
from django.utils.translation import gettext as _

from gti.templatetags.money import format_eur


def _num(value) -> str:
    """A score or value: `72.5` → `72,5` in Dutch; no trailing zeros."""
    return f"{float(value):g}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def _reason(r: dict, names: dict) -> str:
    code = r.get("code")
    if code == "selected":
        params = {"funded": format_eur(r["funded"]), "value": _num(r["value"])}
        if "requested" in r:
            params["requested"] = format_eur(r["requested"])
            return _("selected: %(funded)s of %(requested)s requested, value %(value)s") % params
        return _("selected: %(funded)s, value %(value)s") % params
    if code == "excluded_by_alternative":
        return _(
            "excluded by its alternative %(alternative)s (selected, value %(rival)s); its value "
            "would have to rise above %(rival)s (now %(value)s)"
        ) % {"alternative": r["alternative"], "rival": _num(r["alternative_value"]),
             "value": _num(r["value"])}  # fmt: skip
    if code == "requires_unselected":
        return _("requires %(required)s, which is not selected") % {"required": r["required"]}
    if code == "envelope_short":
        params = {
            "envelope": names.get(r["envelope"], r["envelope"]),
            "left": format_eur(r["left"]),
            "asks": format_eur(r["asks"]),
            "short": format_eur(r["short"]),
            "value": _num(r["value"]),
        }
        text = (
            _(
                "envelope %(envelope)s has %(left)s left and it asks %(asks)s: its ERDF would have "
                "to fall by %(short)s"
            )
            % params
        )
        if "displace_value" in r:
            text += _(
                ", or its value rise above %(worth)s (now %(value)s) to displace selected "
                "proposals worth that much"
            ) % {"worth": _num(r["displace_value"]), "value": params["value"]}
        elif "displace_breaks" in r:
            text += _(
                "; taking the place of selected proposals worth %(worth)s would break another "
                "constraint (a minimum, an exclusion or a dependency)"
            ) % {"worth": _num(r["displace_breaks"])}
        return text
    if code == "no_gain":
        return _(
            "fits every constraint, but adding it would not raise the total value (value %(value)s)"
        ) % {"value": _num(r["value"])}
    if code == "conflict":
        return _("These constraints cannot all hold: %(constraints)s") % {
            "constraints": ", ".join(r["constraints"])
        }
    return str(r)


def render(explanation, names: dict | None = None) -> str:
    """One proposal's explanation as a sentence; `names` gives envelope names by id. Text
    stored by an older version of the optimiser is shown as it is."""
    if isinstance(explanation, str):
        return explanation
    names = names or {}
    reasons = [_reason(r, names) for r in explanation]
    if explanation and explanation[0].get("code") in {"selected", "conflict"}:
        return "; ".join(reasons)
    return _("left out: %(reasons)s") % {"reasons": "; ".join(reasons)}
