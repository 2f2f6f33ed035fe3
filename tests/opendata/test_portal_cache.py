"""What the portal keeps: the filters' choices and the drawn areas under the key of the versions
in force (never stale once a new version takes force), the downloads and the DCAT description
for `FRESH` seconds (a change to the list shows after that at the latest)."""

import pytest
from django.core.cache.backends import locmem

from gti.opendata import views_portal
from gti.proposals.models import Proposal
from gti.strategy import services
from tests.factories import person
from tests.strategy.test_approval import load_changed_ghent

pytestmark = pytest.mark.usefixtures("loaded")


def test_a_new_strategy_version_in_force_shows_at_once(client, tmp_path):
    assert client.get("/en/portal/").content.decode().count("Digitalisation &amp; skills") == 2
    pending = load_changed_ghent(
        tmp_path, old="en: Digitalisation & skills", new="en: Digital skills"
    )
    page = client.get("/en/portal/").content.decode()  # awaiting approval: not yet in force
    assert page.count("Digitalisation &amp; skills") == 2 and "Digital skills" not in page
    services.sign_approval(pending, by=person("steering_gent"))
    services.sign_approval(pending, by=person("steering_gent_2"))
    page = client.get("/en/portal/").content.decode()
    assert "Digital skills" in page
    assert page.count("Digitalisation &amp; skills") == 1  # Antwerp's theme of that name only
    assert page.count("<path ") > 0  # the areas of the new version drawn


def test_a_download_is_kept_a_minute_then_made_again(client, monkeypatch, approved_one):
    def csv():
        return b"".join(client.get("/en/portal/operations.csv").streaming_content).decode()

    first = csv()
    assert approved_one.title in first
    Proposal.objects.filter(pk=approved_one.pk).update(title="Renamed square")
    assert csv() == first  # kept
    now = locmem.time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + views_portal.FRESH + 1)
    assert "Renamed square" in csv()


@pytest.fixture
def approved_one():
    from tests.factories import efro_call
    from tests.monitoring.test_grants import approved, envelopes

    envelopes("gent")
    envelopes("antwerpen")
    return approved(efro_call(), "gent", title="Groen plein")
