"""Page forms. They parse what a person typed; the rules are in `rules.py` via the services.

The proposal form has steps. Each step's form turns its fields into the service's input dict and
knows which of its fields a service error path (e.g. `budget_lines[1].amount`) belongs to.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from gti.proposals import rules
from gti.proposals.models import BudgetLine, CoFinancing, Proposal, ScreeningCheck, percent
from gti.strategy.models import SpecificObjective
from gti.strategy.sdgs import GOALS

STEPS = [
    ("general", _("Promoter and project")),
    ("strategy", _("Strategy and place")),
    ("budget", _("Budget and financing")),
    ("indicators", _("Indicators")),
    ("principles", _("Principles")),
    ("review", _("Review and submit")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PARTNER_ROWS = 5
LINE_ROWS = 8
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
    urban_angle = forms.CharField(
        label=_("Urban angle"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "How the project answers an urban challenge: the strategy asks for a clearly "
            "demonstrable urban angle (sections 3.1.4 and 3.2.4)."
        ),
    )
    additionality = forms.CharField(
        label=_("Additionality"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "What the project adds to the regular ERDF calls and other subsidy programmes, and "
            "why it is not funded there."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        admitted = self.strategy.source.get("admitted_city_roles") or []
        if admitted:
            self.fields["city_role"].choices = [("", "—")] + [
                (v, label) for v, label in Proposal.CityRole.choices if v in admitted
            ]
        self.partner_rows = []
        for i in range(PARTNER_ROWS):
            p = f"partner{i}_"
            self.fields[p + "name"] = forms.CharField(
                label=_("Partner %(n)s: name") % {"n": i + 1}
                if i
                else _("Lead partner (the promoter): name"),
                max_length=200,
                required=False,
            )
            self.fields[p + "legal_form"] = forms.CharField(
                label=_("Partner %(n)s: legal form") % {"n": i + 1}, max_length=100, required=False
            )
            self.fields[p + "country"] = forms.CharField(
                label=_("Partner %(n)s: country (two letters)") % {"n": i + 1},
                max_length=2,
                required=False,
                initial="BE",
            )
            self.fields[p + "enterprise_number"] = forms.CharField(
                label=_("Partner %(n)s: enterprise number") % {"n": i + 1},
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "0123.456.789"}),
            )
            self.fields[p + "legal_personality"] = forms.BooleanField(
                label=_("Partner %(n)s: has legal personality") % {"n": i + 1},
                required=False,
                initial=True,
            )
            self.fields[p + "share"] = forms.DecimalField(
                label=_("Partner %(n)s: share of the budget (%%)") % {"n": i + 1},
                max_digits=6,
                decimal_places=2,
                required=False,
            )
            self.partner_rows.append(
                [
                    self[p + name]
                    for name in (
                        "name",
                        "legal_form",
                        "country",
                        "enterprise_number",
                        "legal_personality",
                        "share",
                    )
                ]
            )
        self.main_fields = [self[n] for n in self.base_fields if not n.startswith("partner")]

    def to_input(self):
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("partner")}
        data["contact_email"] = data["contact_email"] or None
        data["city_role"] = data["city_role"] or None
        d = self.cleaned_data
        data["partners"], self.partner_fields = [], []
        for i in range(PARTNER_ROWS):
            p = f"partner{i}_"
            if not d.get(p + "name"):
                continue
            share = d.get(p + "share")
            data["partners"].append(
                {
                    "name": d[p + "name"],
                    "legal_form": d.get(p + "legal_form", ""),
                    "country": d.get(p + "country") or "BE",
                    "enterprise_number": d.get(p + "enterprise_number", ""),
                    "legal_personality": d.get(p + "legal_personality", False),
                    "share": (share / 100) if share is not None else Decimal("0"),
                }
            )
            self.partner_fields.append(p)
        return data

    def field_for(self, path):
        if path.startswith("partners[") and getattr(self, "partner_fields", None):
            index = int(path.split("[")[1].split("]")[0])
            name = self.partner_fields[index] + path.split(".", 1)[1] if "." in path else None
            return name if name in self.fields else None
        return super().field_for(path)


def general_initial(current: dict) -> dict:
    initial = {k: v for k, v in current.items() if k != "partners"}
    for i, p in enumerate(current.get("partners", [])[:PARTNER_ROWS]):
        for key in ("name", "legal_form", "country", "enterprise_number", "legal_personality"):
            initial[f"partner{i}_{key}"] = p[key]
        initial[f"partner{i}_share"] = _percent(p["share"])
    return initial


def _percent(fraction) -> Decimal | None:
    return None if fraction is None else percent(fraction)


class StrategyForm(StepForm):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    specific_objective = forms.ChoiceField(
        label=_("Specific objective"),
        required=False,
        help_text=_("One of the specific objectives of the chosen theme."),
    )
    whole_city = forms.BooleanField(
        label=_("The project covers the whole city"),
        required=False,
        help_text=_("Instead of chosen areas, where the city's strategy allows it."),
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas"), widget=forms.CheckboxSelectMultiple, required=False
    )
    sdgs = forms.MultipleChoiceField(
        label=_("Sustainable Development Goals of the project's own"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "The project serves the goals of its theme; tick the goals it serves besides them."
        ),
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
        self.fields["sdgs"].choices = [(str(g.number), str(g)) for g in GOALS.values()]
        if not strategy.source.get("whole_city_allowed"):
            del self.fields["whole_city"]
        self.fields["policy_references"].choices = [
            (r.code, f"{r.code}: {r.title}"[:140]) for r in strategy.policy_references.all()
        ]

    def to_input(self):
        data = dict(self.cleaned_data)
        data["theme"] = data["theme"] or None
        data["specific_objective"] = data["specific_objective"] or None
        data["sdgs"] = [int(n) for n in data.get("sdgs") or []]
        return data


class BudgetForm(StepForm):
    """Cost lines (each with its cost option and eligibility), the ERDF asked and co-financing.

    A unit-cost line's amount is units × rate, a flat-rate line's a percentage of the eligible
    direct (staff) costs: the form leaves them to the rules and shows what they compute.
    """

    erdf_rate_percent = forms.DecimalField(
        label=_("ERDF rate (%)"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Share of the eligible cost asked from ERDF; at most the programme maximum."),
    )
    erdf_requested = forms.DecimalField(label=_("ERDF requested (EUR)"), **MONEY)
    state_aid = forms.BooleanField(
        label=_("The support is state aid"),
        required=False,
        help_text=_(
            "A project of at most EUR 200,000 uses simplified cost options (flat rate, unit cost "
            "or lump sum), unless it is state aid (CPR art. 53(2))."
        ),
    )

    LINE_FIELDS = (
        "category",
        "description",
        "cost_option",
        "eligible",
        "units",
        "unit_rate",
        "flat_rate",
        "flat_rate_base",
        "amount",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_rows = []
        for i in range(LINE_ROWS):
            n, p = {"n": i + 1}, f"line{i}_"
            fields = {
                "category": forms.ChoiceField(
                    label=_("Line %(n)s: cost category") % n,
                    choices=[("", "—")] + list(BudgetLine.Category.choices),
                    required=False,
                ),
                "description": forms.CharField(
                    label=_("Line %(n)s: what it pays for") % n, max_length=300, required=False
                ),
                "cost_option": forms.ChoiceField(
                    label=_("Line %(n)s: cost option") % n,
                    choices=BudgetLine.CostOption.choices,
                    required=False,
                ),
                "eligible": forms.BooleanField(
                    label=_("Line %(n)s: eligible") % n, required=False, initial=True
                ),
                "units": forms.DecimalField(
                    label=_("Line %(n)s: number of units") % n,
                    max_digits=14,
                    decimal_places=2,
                    required=False,
                ),
                "unit_rate": forms.DecimalField(
                    label=_("Line %(n)s: rate per unit (EUR)") % n, **MONEY
                ),
                "flat_rate": forms.DecimalField(
                    label=_("Line %(n)s: flat rate (%%)") % n,
                    max_digits=6,
                    decimal_places=2,
                    required=False,
                ),
                "flat_rate_base": forms.ChoiceField(
                    label=_("Line %(n)s: flat rate of") % n,
                    choices=[("", "—")] + list(BudgetLine.FlatRateBase.choices),
                    required=False,
                ),
                "amount": forms.DecimalField(label=_("Line %(n)s: amount (EUR)") % n, **MONEY),
            }
            for name, field in fields.items():
                self.fields[p + name] = field
            row = {name: self[p + name] for name in self.LINE_FIELDS}
            self.line_rows.append({**row, "computed": None})
        for value, label in CoFinancing.Source.choices:
            self.fields[f"co_{value}"] = forms.DecimalField(
                label=_("Co-financing by %(source)s (EUR)") % {"source": label}, **MONEY
            )
        self.co_fields = [self[f"co_{v}"] for v in CoFinancing.Source.values]
        self.computed = {}
        computed_options = (BudgetLine.CostOption.UNIT_COST, BudgetLine.CostOption.FLAT_RATE)
        for row, line in zip(self.line_rows, self.current.get("budget_lines", []), strict=False):
            if line["cost_option"] in computed_options:
                row["computed"] = line["amount"]
        for i in range(LINE_ROWS):
            # the amount of a unit cost or a flat rate is computed: not typed
            option = (self.data if self.is_bound else self.initial).get(f"line{i}_cost_option")
            if option in computed_options:
                self.fields[f"line{i}_amount"].widget.attrs["readonly"] = True

    def to_input(self):
        d = self.cleaned_data
        self.line_fields, self.co_field_names = [], []
        lines, co = [], []
        for i in range(LINE_ROWS):
            p = f"line{i}_"
            if not d.get(p + "category"):
                continue
            option = d.get(p + "cost_option") or BudgetLine.CostOption.REAL
            computed = option in (BudgetLine.CostOption.UNIT_COST, BudgetLine.CostOption.FLAT_RATE)
            flat = d.get(p + "flat_rate")
            lines.append(
                {
                    "category": d[p + "category"],
                    "description": d.get(p + "description", ""),
                    "cost_option": option,
                    "eligible": d.get(p + "eligible", False),
                    "units": d.get(p + "units"),
                    "unit_rate": d.get(p + "unit_rate"),
                    "flat_rate": (flat / 100) if flat is not None else None,
                    "flat_rate_base": d.get(p + "flat_rate_base") or None,
                    # what a unit cost or a flat rate comes to is computed, never typed
                    "amount": None if computed else d.get(p + "amount"),
                }
            )
            self.line_fields.append(p)
        amounts = rules.computed_amounts([_line(x) for x in lines])
        self.computed = {
            p: a
            for p, a, x in zip(self.line_fields, amounts, lines, strict=True)
            if x["amount"] is None
        }
        for row, p in zip(self.line_rows, [f"line{i}_" for i in range(LINE_ROWS)], strict=True):
            row["computed"] = self.computed.get(p)
        if self.computed and hasattr(self.data, "copy"):
            self.data = self.data.copy()  # show what the line comes to
            for p, amount in self.computed.items():
                self.data[p + "amount"] = "" if amount is None else str(amount)
        for v in CoFinancing.Source.values:
            if d.get(f"co_{v}") is not None:
                co.append({"source": v, "amount": d[f"co_{v}"]})
                self.co_field_names.append(f"co_{v}")
        rate = d.get("erdf_rate_percent")
        return {
            "budget_lines": lines,
            "co_financing": co,
            "state_aid": d.get("state_aid", False),
            "erdf_rate": (rate / 100) if rate is not None else Decimal("0"),
            "erdf_requested": d.get("erdf_requested") or Decimal("0"),
        }

    def field_for(self, path):
        index = path.split("[")[1].split("]")[0] if "[" in path else None
        if path.startswith("budget_lines[") and index is not None:
            prefix = self.line_fields[int(index)]
            name = prefix + path.split(".", 1)[1] if "." in path else None
            return name if name in self.fields else prefix + "amount"
        if path.startswith("co_financing[") and index is not None:
            return self.co_field_names[int(index)]
        if path == "erdf_rate":
            return "erdf_rate_percent"
        return path if path in self.fields else None


def _line(data: dict) -> rules.Line:
    return rules.Line(**{k: v for k, v in data.items() if k != "description"})


def budget_initial(current: dict) -> dict:
    initial = {
        "erdf_requested": current.get("erdf_requested"),
        "erdf_rate_percent": _percent(current["erdf_rate"]) if current.get("erdf_rate") else None,
        "state_aid": current.get("state_aid", False),
    }
    for i, line in enumerate(current.get("budget_lines", [])[:LINE_ROWS]):
        for key in BudgetForm.LINE_FIELDS:
            initial[f"line{i}_{key}"] = line.get(key)
        initial[f"line{i}_flat_rate"] = _percent(line.get("flat_rate"))
    for c in current.get("co_financing", []):
        initial[f"co_{c['source']}"] = c["amount"]
    return initial


class IndicatorsForm(StepForm):
    """A reference value and a target for each indicator of the chosen specific objective;
    the territorial ones are reported once for the strategy, not here."""

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
        for indicator in objective.indicators.filter(territorial=False) if objective else []:
            key = indicator.code
            self.fields[f"baseline_{key}"] = forms.DecimalField(
                label=_("%(code)s reference value") % {"code": key},
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
    "general": (GeneralForm, general_initial),
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
