"""Obligations after selection over the API: the duties of Wijkpark's grant, one marked done
with its file (multipart), the final claim and report marked, closing refused (409, naming each
condition) then allowed. Shapes refused with 422 by field, roles 403 (an expert reads no
grant), other people's grants 404. Every JSON answer is checked against the OpenAPI document."""

import pytest
from django.utils import timezone

from gti.monitoring import claims, reports
from gti.monitoring.models import CommunicationItem, Grant
from tests.api.test_proposals_api import Api
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1
from tests.monitoring.test_obligations import PHOTO, grant, photo  # noqa: F401 (fixture)
from tests.monitoring.test_reports import CONTENT

TODAY = timezone.localdate()


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def upload(api, path, data, status):
    response = api.client.post(path, data, **api.headers)
    assert response.status_code == status, response.content
    api.check("post", path, status, response.json())
    return response.json()


def test_duties_marked_then_the_grant_closed(grant, spec):  # noqa: F811
    ref = grant.proposal.reference
    base = f"/api/v1/grants/{ref}"
    beneficiary, authority = Api("applicant_gent", spec), Api("managing_authority", spec)
    seen = authority("get", f"{base}/obligations")
    assert [(d["kind"], d["status"]) for d in seen["duties"]] == [
        ("website", "open"), ("poster", "open")]  # fmt: skip
    assert (seen["total_cost"], seen["investment"], seen["state"]) == ("160000.00", True, "open")

    # Refused: a duty that does not apply, no file, an unknown field; nothing stored.
    upload(beneficiary, f"{base}/obligations/plaque", {"file": photo()}, 422)
    upload(beneficiary, f"{base}/obligations/poster", {"note": "x"}, 422)
    upload(beneficiary, f"{base}/obligations/poster", {"file": photo(), "colour": "red"}, 422)
    upload(authority, f"{base}/obligations/poster", {"file": photo()}, 403)
    assert not CommunicationItem.objects.exists()
    form = {"file": photo(), "note": "Affiche A3", "done_on": TODAY.isoformat()}
    done = upload(beneficiary, f"{base}/obligations/poster", form, 201)
    poster = done["duties"][1]
    assert (poster["status"], poster["note"], poster["evidence"]["name"]) == (
        "done", "Affiche A3", "affiche.png")  # fmt: skip
    file = authority.client.get(f"{base}/obligations/poster/file", **authority.headers)
    assert b"".join(file.streaming_content) == PHOTO
    upload(beneficiary, f"{base}/obligations/website", {"file": photo(b"s", "s.png")}, 201)

    # Closing needs the final claim paid and the final report accepted.
    refused = authority("post", f"{base}/close", {"reason": "Afgerond"}, 409)
    assert "no claim is marked final; no progress report is marked final" in refused["detail"]
    authority("post", f"{base}/close", {}, 422)
    me = person("applicant_gent")
    claim = claims.start_claim(grant, by=me)
    claims.save_lines(claim, by=me, lines=CLAIM_1)
    marked = beneficiary("post", f"/api/v1/claims/{claim.pk}/final")
    assert marked["final_claim"] == claim.pk
    # A draft is the beneficiary's own: others read that a final claim is not paid, no more.
    unseen = authority("get", f"{base}/obligations")
    assert unseen["final_claim"] is None
    assert "the final claim is not paid yet" in unseen["unmet"]
    assert str(claim.number) not in " ".join(unseen["unmet"])
    claims.submit_claim(claim, by=me)
    assert authority("get", f"{base}/obligations")["final_claim"] == claim.pk
    claims.verify_claim(claim, by=person("managing_authority"), verdicts=VERDICTS_1)
    claims.pay_claim(claim, by=person("managing_authority_2"), paid_on=TODAY)
    report = reports.start_report(grant, by=me)
    reports.save_report(report, by=me, **CONTENT)
    authority("post", f"/api/v1/reports/{report.pk}/final", status=403)
    beneficiary("post", f"/api/v1/reports/{report.pk}/final")
    reports.submit_report(report, by=me)
    reports.review_report(report, by=person("managing_authority"), outcome="accept")

    beneficiary("post", f"{base}/close", {"reason": "Afgerond"}, 403)
    closed = authority("post", f"{base}/close", {"reason": "Afgerond"})
    assert (closed["state"], closed["closed_by"], closed["unmet"]) == (
        "closed", "managing_authority", [])  # fmt: skip
    assert closed["durability_until"] == TODAY.replace(year=TODAY.year + 5).isoformat()
    assert Grant.objects.get(pk=grant.pk).state == "closed"


@pytest.mark.parametrize(
    ("name", "status"),
    [("applicant_gent_2", 404), ("applicant_antwerpen", 404), ("expert", 403)],
)
def test_other_people_do_not_see_the_obligations(grant, spec, name, status):  # noqa: F811
    api = Api(name, spec)
    base = f"/api/v1/grants/{grant.proposal.reference}"
    api("get", f"{base}/obligations", status=status)
    upload(api, f"{base}/obligations/poster", {"file": photo()}, status)
    api("post", f"{base}/close", {"reason": "Afgerond"}, status)
    assert not CommunicationItem.objects.exists()
