"""An area the strategy does not admit (Borsbeek) is in the data but never open to a proposal."""

import pytest

from gti.errors import Invalid
from gti.proposals.models import Proposal
from gti.strategy.models import Area, Strategy
from tests.factories import draft, open_call


def test_borsbeek_is_loaded_but_not_admitted(loaded):
    antwerp = Strategy.objects.current().get(city__code="antwerpen")
    borsbeek = Area.all_areas.get(strategy=antwerp, code="borsbeek")
    assert not borsbeek.admitted and borsbeek.boundary is None
    assert (
        "niet" in borsbeek.decision_nl and "not part of the GTI territory" in borsbeek.decision_en
    )
    assert "borsbeek" not in antwerp.areas.values_list("code", flat=True)
    assert antwerp.areas.count() == 9


def test_a_proposal_in_borsbeek_is_refused(loaded):
    call = open_call("antwerpen")
    before = Proposal.objects.count()
    with pytest.raises(Invalid) as refused:
        draft(call, applicant="applicant_antwerpen", areas=["borsbeek"])
    assert any(key.startswith("areas") for key in refused.value.errors)
    assert Proposal.objects.count() == before


def test_the_admin_lists_every_area_with_whether_it_is_admitted(client, loaded, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/strategy/area/?q=&admitted__exact=0").content.decode()
    assert "Borsbeek" in page and "Borgerhout" not in page
    antwerp = Strategy.objects.current().get(city__code="antwerpen")
    page = client.get(f"/admin/strategy/strategy/{antwerp.pk}/change/").content.decode()
    assert "Borsbeek" in page


def test_the_api_and_the_cli_give_the_areas_not_admitted(client, loaded):
    data = client.get("/api/v1/strategies/antwerpen").json()
    assert [a["code"] for a in data["areas_not_admitted"]] == ["borsbeek"]
    assert "not part of the GTI territory" in data["areas_not_admitted"][0]["decision"]["en"]
    assert len(data["areas"]) == 9 and data["steering_committee_quorum"] == 2
    areas = client.get("/api/v1/areas?page_size=200").json()["items"]
    assert "borsbeek" not in [a["code"] for a in areas] and "borgerhout" in [
        a["code"] for a in areas
    ]
