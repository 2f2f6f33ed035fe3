import pytest

from gti.strategy import services


@pytest.fixture
def loaded(db):
    """The shipped programme and the Antwerp and Ghent strategies, loaded through the service."""
    return services.load_files()


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, settings):
    """Each test gets its own data folder: nothing a test writes lands in the working copy."""
    settings.DATA_DIR = tmp_path / "var"


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}"
