"""Page forms. They parse what a person typed; the rules are in `rules.py` via the services.

The proposal form has steps. Each step's form turns its fields into the service's input dict and
knows which of its fields a service error path (e.g. `budget_lines[1].amount`) belongs to.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from gti.proposals.models import BudgetLine, CoFinancing, Proposal, ScreeningCheck
from gti.strategy.models import SpecificObjective

STEPS = [
    ("general", _("Promoter and project")),
    ("strategy", _("Strategy and place")),
    ("budget", _("Budget and financing")),
    ("indicators", _("Indicators")),
    ("principles", _("Principles")),
    ("review", _("Review and submit")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": None, "required": False}


class StepForm(forms.Form):
    """A step: `to_input()` gives its part of the proposal, `field_for()` maps error paths."""

    def __init__(self, *args, call, strategy, proposal=None, current=None, **kwargs):
        self.call, self.strategy, self.proposal = call, strategy, proposal
        self.current = current or {}
        super().__init__(*args, **kwargs)

    def to_input(self) -> dict:
        return dict(self.cleaned_data)

    def field_for(self, path: str) -> str | None:
        name = path.split("[")[0].split(".")[0]
        return name if name in self.fields else None


class GeneralForm(StepForm):
    promoter = forms.CharField(label=_("Promoter organisation"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    city_role = forms.ChoiceField(
        label=_("Role of the city"),
        choices=[("", "—")] + list(Proposal.CityRole.choices),
        required=False,
        help_text=_(
            "Projects are initiated by the city or have the city in a key steering role (regierol)."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )

    def to_input(self):
        data = dict(self.cleaned_data)
        data["contact_email"] = data["contact_email"] or None
        data["city_role"] = data["city_role"] or None
        return data


class StrategyForm(StepForm):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    specific_objective = forms.ChoiceField(
        label=_("Specific objective"),
        required=False,
        help_text=_("One of the specific objectives of the chosen theme."),
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas"), widget=forms.CheckboxSelectMultiple, required=False
    )
    start_date = forms.DateField(label=_("Start"), widget=DATE, required=False)
    end_date = forms.DateField(label=_("End"), widget=DATE, required=False)
    policy_references = forms.MultipleChoiceField(
        label=_("Policy references"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("The city's policy documents the project carries out."),
    )
    research_infrastructure = forms.BooleanField(
        label=_("The project is pure research infrastructure"),
        required=False,
        help_text=_("Pure research infrastructure is outside the GTI (strategy, section 4.1)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        strategy = self.strategy
        themes = (
            self.call.themes.filter(strategy=strategy)
            .prefetch_related("specific_objectives")
            .order_by("position")
        )
        self.fields["theme"].choices = [("", "—")] + [(t.code, t.name) for t in themes]
        objectives = SpecificObjective.objects.filter(themes__in=themes).distinct()
        self.fields["specific_objective"].choices = [("", "—")] + [
            (so.code, f"{so.code}: {so.title}") for so in objectives
        ]
        self.fields["areas"].choices = [(a.code, a.name) for a in strategy.areas.all()]
        self.fields["policy_references"].choices = [
            (r.code, f"{r.code}: {r.title}"[:140]) for r in strategy.policy_references.all()
        ]

    def to_input(self):
        data = dict(self.cleaned_data)
        data["theme"] = data["theme"] or None
        data["specific_objective"] = data["specific_objective"] or None
        return data


class BudgetForm(StepForm):
    erdf_rate_percent = forms.DecimalField(
        label=_("ERDF rate (%)"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Share of the total cost asked from ERDF; at most the programme maximum."),
    )
    erdf_requested = forms.DecimalField(label=_("ERDF requested (EUR)"), **MONEY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in BudgetLine.Category.choices:
            self.fields[f"cost_{value}"] = forms.DecimalField(
                label=capfirst(_("%(category)s (EUR)") % {"category": label}), **MONEY
            )
            self.fields[f"cost_{value}_description"] = forms.CharField(
                label=capfirst(_("%(category)s: what it pays for") % {"category": label}),
                max_length=300,
                required=False,
            )
        for value, label in CoFinancing.Source.choices:
            self.fields[f"co_{value}"] = forms.DecimalField(
                label=_("Co-financing by %(source)s (EUR)") % {"source": label}, **MONEY
            )
        self.cost_fields = [
            (self[f"cost_{v}"], self[f"cost_{v}_description"]) for v in BudgetLine.Category.values
        ]
        self.co_fields = [self[f"co_{v}"] for v in CoFinancing.Source.values]

    def to_input(self):
        d = self.cleaned_data
        self.line_fields, self.co_field_names = [], []
        lines, co = [], []
        for v in BudgetLine.Category.values:
            if d.get(f"cost_{v}") is not None:
                lines.append(
                    {
                        "category": v,
                        "description": d.get(f"cost_{v}_description", ""),
                        "amount": d[f"cost_{v}"],
                    }
                )
                self.line_fields.append(f"cost_{v}")
        for v in CoFinancing.Source.values:
            if d.get(f"co_{v}") is not None:
                co.append({"source": v, "amount": d[f"co_{v}"]})
                self.co_field_names.append(f"co_{v}")
        rate = d.get("erdf_rate_percent")
        return {
            "budget_lines": lines,
            "co_financing": co,
            "erdf_rate": (rate / 100) if rate is not None else Decimal("0"),
            "erdf_requested": d.get("erdf_requested") or Decimal("0"),
        }

    def field_for(self, path):
        index = path.split("[")[1].split("]")[0] if "[" in path else None
        if path.startswith("budget_lines[") and index is not None:
            return self.line_fields[int(index)]
        if path.startswith("co_financing[") and index is not None:
            return self.co_field_names[int(index)]
        if path == "erdf_rate":
            return "erdf_rate_percent"
        return path if path in self.fields else None


def budget_initial(current: dict) -> dict:
    initial = {
        "erdf_requested": current.get("erdf_requested"),
        "erdf_rate_percent": (Decimal(str(current["erdf_rate"])) * 100).normalize()
        if current.get("erdf_rate")
        else None,
    }
    for line in current.get("budget_lines", []):
        initial[f"cost_{line['category']}"] = line["amount"]
        initial[f"cost_{line['category']}_description"] = line["description"]
    for c in current.get("co_financing", []):
        initial[f"co_{c['source']}"] = c["amount"]
    return initial


class IndicatorsForm(StepForm):
    """A baseline and a target for each indicator of the chosen specific objective."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = []
        code = self.current.get("specific_objective")
        objective = (
            SpecificObjective.objects.filter(
                priority__programme=self.strategy.programme, code=code
            ).first()
            if code
            else None
        )
        self.objective = objective
        for indicator in objective.indicators.all() if objective else []:
            key = indicator.code
            self.fields[f"baseline_{key}"] = forms.DecimalField(
                label=_("%(code)s baseline") % {"code": key},
                max_digits=16,
                decimal_places=2,
                required=False,
            )
            self.fields[f"target_{key}"] = forms.DecimalField(
                label=_("%(code)s target (%(unit)s)") % {"code": key, "unit": indicator.unit},
                max_digits=16,
                decimal_places=2,
                required=False,
            )
            self.indicators.append((indicator, self[f"baseline_{key}"], self[f"target_{key}"]))

    def to_input(self):
        d = self.cleaned_data
        self.order = []
        targets = []
        for indicator, _b, _t in self.indicators:
            target = d.get(f"target_{indicator.code}")
            if target is not None:
                targets.append(
                    {
                        "indicator": indicator.code,
                        "baseline": d.get(f"baseline_{indicator.code}") or Decimal("0"),
                        "target": target,
                    }
                )
                self.order.append(f"target_{indicator.code}")
        return {"indicator_targets": targets}

    def field_for(self, path):
        if path.startswith("indicator_targets[") and self.order:
            return self.order[int(path.split("[")[1].split("]")[0])]
        return None


def indicators_initial(current: dict) -> dict:
    initial = {}
    for t in current.get("indicator_targets", []):
        initial[f"baseline_{t['indicator']}"] = t["baseline"]
        initial[f"target_{t['indicator']}"] = t["target"]
    return initial


class PrinciplesForm(StepForm):
    """How the project meets each principle of the city (mandatory ones before submission)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.principles = list(self.strategy.principles.all())
        for p in self.principles:
            self.fields[f"principle_{p.code}"] = forms.CharField(
                label=f"{p.code}: {p.text}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("mandatory") if p.mandatory else _("preferred (bij voorkeur)"),
            )

    def to_input(self):
        return {
            "justifications": {
                p.code: self.cleaned_data[f"principle_{p.code}"]
                for p in self.principles
                if self.cleaned_data.get(f"principle_{p.code}")
            }
        }

    def field_for(self, path):
        if path.startswith("justifications."):
            name = "principle_" + path.split(".", 1)[1]
            return name if name in self.fields else None
        return None


def principles_initial(current: dict) -> dict:
    return {f"principle_{k}": v for k, v in current.get("justifications", {}).items()}


STEP_FORMS = {
    "general": (GeneralForm, lambda c: c),
    "strategy": (StrategyForm, lambda c: c),
    "budget": (BudgetForm, budget_initial),
    "indicators": (IndicatorsForm, indicators_initial),
    "principles": (PrinciplesForm, principles_initial),
}


class ScreeningForm(forms.Form):
    """The admissibility check: a verdict and a note per item (see
    `services.checklist_items`), plus an optional note for the record."""

    reason = forms.CharField(
        label=_("Note for the record"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.rows = []
        for item in items:
            code = item["code"]
            choices = ScreeningCheck.Result.choices
            if item["principle"] and item["mandatory"]:
                choices = [c for c in choices if c[0] != ScreeningCheck.Result.NOT_APPLICABLE]
            self.fields[f"result_{code}"] = forms.ChoiceField(
                label=_("Verdict on %(code)s") % {"code": code},
                choices=choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note on %(code)s") % {"code": code},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.rows.append((item, self[f"result_{code}"], self[f"note_{code}"]))

    def checklist(self) -> dict:
        d = self.cleaned_data
        return {i["code"]: (d[f"result_{i['code']}"], d[f"note_{i['code']}"]) for i in self.items}


class ScoreForm(forms.Form):
    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.rows = []
        for c in criteria:
            self.fields[f"score_{c.code}"] = forms.IntegerField(
                label=_("Score for %(name)s (0-%(max)s)") % {"name": c.name, "max": c.max_score},
                min_value=0,
                max_value=c.max_score,
            )
            self.fields[f"justification_{c.code}"] = forms.CharField(
                label=_("Justification for %(name)s") % {"name": c.name},
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.rows.append((c, self[f"score_{c.code}"], self[f"justification_{c.code}"]))

    @property
    def blocks(self) -> list[tuple[str, list]]:
        """The rows grouped by the assessment blocks of the call's procedure."""
        if not self.criteria:
            return []
        names = {b.code: str(b.name) for b in self.criteria[0].call.rules.assessment.blocks}
        grouped: dict[str, list] = {}
        for row in self.rows:
            grouped.setdefault(row[0].block, []).append(row)
        return [(names.get(code, code), rows) for code, rows in grouped.items()]

    def scores(self) -> dict:
        d = self.cleaned_data
        return {c.code: (d[f"score_{c.code}"], d[f"justification_{c.code}"]) for c in self.criteria}
