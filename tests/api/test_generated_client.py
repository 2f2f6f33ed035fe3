"""The OpenAPI document is complete enough for a generated client: `openapi-python-client`
makes a Python package of the served document (no endpoint or schema left out), and that
package, imported as any client would, reads the programme, pages through the areas, lists the
grants with a key and gets the typed 404 and 422 answers, from the live server."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gti.accounts.services import create_token
from gti.strategy.models import Area, Programme
from tests.factories import person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def package(client, tmp_path, monkeypatch):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/v1/openapi.json").json()))
    made = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
         "--output-path", str(tmp_path / "gti_client")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={"PATH": f"{GENERATOR.parent}:/usr/bin:/bin"},
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    # Nothing of the document was skipped.
    assert "Warning" not in made.stdout and "Unable" not in made.stdout, made.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module("gti_client")


def test_a_generated_client_works(package, live_server):
    api = importlib.import_module("gti_client.api.strategy.gti_api_strategy_programme")
    areas = importlib.import_module("gti_client.api.strategy.gti_api_strategy_areas")
    grants = importlib.import_module("gti_client.api.grants.gti_api_grants_list_grants")
    grant = importlib.import_module("gti_client.api.grants.gti_api_grants_get_grant")
    models = importlib.import_module("gti_client.models")

    anonymous = package.Client(base_url=live_server.url)
    programme = api.sync(client=anonymous)
    assert isinstance(programme, models.ProgrammeOut)
    assert programme.code == Programme.objects.get(is_current=True).code

    first = areas.sync(client=anonymous, page=1, page_size=2)
    assert isinstance(first, models.PagedAreaItem)
    assert first.count == Area.objects.count() and len(first.items) == 2
    refused = areas.sync(client=anonymous, page=0)
    assert isinstance(refused, models.FieldErrors)

    key = create_token(person("managing_authority"))
    authority = package.AuthenticatedClient(base_url=live_server.url, token=key)
    listed = grants.sync(client=authority)
    assert isinstance(listed, models.PagedGrantSummaryOut) and listed.count == 0
    missing = grant.sync("GTI-0000-C0-000", client=authority)
    assert isinstance(missing, models.Detail)
