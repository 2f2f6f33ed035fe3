from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gti.accounts.models import PROGRAMME_ROLES, Role


class RoleForm(forms.Form):
    """A role in a city (or, where the role allows it, the whole programme) and why."""

    role = forms.ChoiceField(label=_("Role"))
    city = forms.ChoiceField(label=_("City"), required=False)
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the role is asked for: a second person (the managing authority) "
            "approves it. The secretariat grants the applicant role directly."
        ),
    )

    def __init__(self, *args, cities=(), programme=False, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [r for r in Role if programme or r not in PROGRAMME_ROLES]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        choices = [(c.code, c.name) for c in cities]
        if programme:
            choices.insert(0, ("", _("Whole programme")))
        self.fields["city"].choices = choices


class NewUserForm(RoleForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The person receives a link here to set their own password."),
    )
    field_order = ["username", "name", "email", "role", "city", "reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=1000)


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=1000, required=False)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action contains"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    actor = forms.CharField(label=_("Who (user name)"), required=False)
    object = forms.CharField(label=_("Object (reference or id)"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("What the key is for"), max_length=100, required=False)
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=366, initial=settings.GTI_API_KEY_DAYS
    )
