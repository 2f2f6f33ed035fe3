"""The participation package's messages, translated with or without the site.

Inside the site (pages, management commands: Django's settings configured) Django translates, in
the visitor's or the command's language. `gti pb` runs without loading the site (gti/__main__.py),
so there the project's compiled catalogue is read with Python's gettext, in the site's default
language, as Django's management commands speak it. Importing Django to ask would cost the
fraction of a second that path saves (django.conf alone loads asyncio), so the settings are
looked for only if something has loaded them.
"""

import gettext as _gettext
import os
import sys
from functools import cache

LANGUAGE_CODE = "nl"  # settings.LANGUAGE_CODE, without importing the settings
LOCALE = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "locale")


def gettext(message: str) -> str:
    conf = sys.modules.get("django.conf")
    if conf is not None and conf.settings.configured:
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    return _catalogue().gettext(message)


@cache
def _catalogue() -> _gettext.NullTranslations:
    return _gettext.translation("django", LOCALE, languages=[LANGUAGE_CODE], fallback=True)
