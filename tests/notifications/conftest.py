import pytest


@pytest.fixture(autouse=True)
def _messages(settings, mailoutbox):
    """Links to a known address; the sending task runs at once (the worker's job in production)
    and the e-mail lands in Django's outbox."""
    settings.GTI_SITE_URL = "https://gti.example.org"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
