import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from gti.strategy import services
from gti.strategy.models import Programme, Strategy


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped strategy once per test database; each test rolls back to this state."""
    with django_db_blocker.unblock():
        services.load_files()


@pytest.fixture
def loaded(db):
    """The shipped programme and the Antwerp and Ghent strategies (loaded through the service)."""
    if not Programme.objects.exists():  # a browser test before this one flushed the database
        services.load_files()


@pytest.fixture(scope="module")
def demo_made(django_db_setup, django_db_blocker):
    """The full demo (`gti demo`), made once for the module that asks for it, inside a
    transaction rolled back at the module's end: each test nests its own rolled-back transaction
    inside it. The demo takes most of a minute; made per test, it weighed on the whole suite.
    Returns what the command printed."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        if not Programme.objects.exists():  # a browser test before this flushed the database
            services.load_files()
        out = io.StringIO()
        call_command("demo", stdout=out, stderr=io.StringIO())
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def nothing_loaded(db):
    """A database without programme or strategy (rolled back after the test)."""
    Strategy.objects.all().delete()
    Programme.objects.all().delete()


@pytest.fixture(autouse=True)
def _fast_and_isolated(tmp_path, settings):
    """Each test gets its own data folder, passwords hash fast (security is not tested through
    the hash's cost), and messages outside a request read in English; pages choose their own
    language per request, as for a person. The second factor and the API rate limits are
    tested in their own tests (tests/accounts/test_login_security.py, tests/api/test_keys.py)
    and stay out of the way elsewhere."""
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GTI_REQUIRE_2FA = False
    settings.GTI_API_RATE_ANONYMOUS = settings.GTI_API_RATE_KEY = "100000/min"
    cache.clear()
    with translation.override("en"):
        yield


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}"
