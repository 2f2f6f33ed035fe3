from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "gti.proposals"
    verbose_name = _("Calls and proposals")
