"""The typed edge of the budgeting pages: each form checks its shape, the services the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gti.budgeting.models import BudgetRound


class RoundForm(forms.Form):
    city = forms.ChoiceField(label=_("City"))
    area = forms.ChoiceField(label=_("Area (a district or wijk budget)"), required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    budget = forms.DecimalField(label=_("Budget (EUR)"), max_digits=14, decimal_places=2)
    ballot_kind = forms.ChoiceField(label=_("Ballot"), choices=BudgetRound.BallotKind)
    min_projects = forms.IntegerField(label=_("Minimum number of projects"), min_value=1,
                                      initial=1)  # fmt: skip
    max_projects = forms.IntegerField(label=_("Maximum number of projects"), min_value=1,
                                      required=False)  # fmt: skip
    points_per_voter = forms.IntegerField(label=_("Points per voter"), min_value=1,
                                          required=False)  # fmt: skip
    max_points_per_project = forms.IntegerField(label=_("Maximum points per project"),
                                                min_value=1, required=False)  # fmt: skip
    completion = forms.ChoiceField(label=_("Completion of equal shares"),
                                   choices=BudgetRound.Completion, initial="add1u")  # fmt: skip
    minimum_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=120,
                                     initial=16)  # fmt: skip
    uses_voter_list = forms.BooleanField(label=_("Only voters on an imported list"),
                                         required=False)  # fmt: skip

    def __init__(self, *args, cities=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [(c.code, c.name) for c in cities]
        self.fields["area"].choices = [("", _("whole city"))] + [
            (f"{a.strategy.city.code}/{a.code}", f"{a.strategy.city.name}: {a.name}") for a in areas
        ]


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What is the idea?"), widget=forms.Textarea(
        attrs={"rows": 4}))  # fmt: skip
    estimated_cost = forms.DecimalField(label=_("Estimated cost (EUR)"), max_digits=14,
                                        decimal_places=2, min_value=1)  # fmt: skip
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args, themes=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "—")] + [(t.code, t.name) for t in themes]
        self.fields["area"].choices = [("", "—")] + [(a.code, a.name) for a in areas]


class ReviewForm(forms.Form):
    idea = forms.IntegerField(widget=forms.HiddenInput)
    feasible = forms.ChoiceField(
        label=_("Feasible"), choices=[("yes", _("feasible")), ("no", _("not feasible"))]
    )
    final_cost = forms.DecimalField(label=_("Final cost (EUR)"), max_digits=14, decimal_places=2,
                                    required=False)  # fmt: skip
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("Number of code letters"), min_value=1, max_value=100_000)


class VoterListForm(forms.Form):
    file = forms.FileField(label=_("Voter list (CSV: identifier, area, birth_year)"))


class PbForm(forms.Form):
    file = forms.FileField(label=_("Election in the pabulib format (.pb)"))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code on your letter"), max_length=20)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Ballot code"), max_length=64)


class PaperForm(forms.Form):
    code = forms.CharField(label=_("Code on the resident's letter"), max_length=20)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100)


def choices_from(post, round_) -> dict:
    """The ballot as {idea id: points}: checked boxes (`choice`) or numbers (`points_<id>`)."""
    if round_.cumulative:
        return {k.removeprefix("points_"): (v.strip() or "0") for k, v in post.items()
                if k.startswith("points_")}  # fmt: skip
    return dict.fromkeys(post.getlist("choice"), 1)
