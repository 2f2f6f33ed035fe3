from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gti.notifications.models import REQUIRED, Delivery, Kind


class PreferencesForm(forms.Form):
    """The language of messages and, per kind that may wait, how it arrives."""

    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            if kind not in REQUIRED:
                self.fields[kind.value] = forms.ChoiceField(
                    label=kind.label,
                    choices=Delivery.choices,
                    initial=Delivery.IMMEDIATE,
                    required=False,
                )

    def choices(self) -> dict[str, str]:
        """The kinds given (a kind left out keeps its choice)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "language" and v}


class MarkReadForm(forms.Form):
    notification = forms.IntegerField(required=False, min_value=1)
