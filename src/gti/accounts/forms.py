from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gti.accounts.models import PROGRAMME_ROLES, Role


class NewUserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in Role if r not in PROGRAMME_ROLES],
    )
    city = forms.ChoiceField(label=_("City"))
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput,
        min_length=12,
        help_text=_("At least 12 characters; the person changes it after the first login."),
    )

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [(c.code, c.name) for c in cities]


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
