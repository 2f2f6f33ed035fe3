from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gti.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from gti.accounts import security  # noqa: F401  (connects the login signals)
