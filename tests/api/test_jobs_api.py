"""Jobs over the API: the managing authority starts the Excel export (201, the job), the task
worker runs it, the job shows its progress and download address, the file is a workbook.
Refused: a role without the export (403), bad input (422 by field), another person's job (404).
Every JSON answer is checked against the OpenAPI document."""

import io

import pytest
from openpyxl import load_workbook

from gti.monitoring.models import Job
from tests.api.test_proposals_api import Api
from tests.monitoring.test_jobs import work

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def test_start_follow_and_fetch_an_export(spec):
    authority = Api("managing_authority", spec)
    job = authority("post", "/api/v1/exports", {"city": "gent"}, 201)
    assert (job["kind"], job["state"], job["parameters"]) == ("excel", "queued", {"city": "gent"})
    assert job["download"] is None
    queued = authority.client.get(f"/api/v1/jobs/{job['id']}/file", **authority.headers)
    assert queued.status_code == 404  # no file before the job is done

    work()
    done = authority("get", f"/api/v1/jobs/{job['id']}")
    assert done["state"] == "done" and done["done"] == done["total"]
    assert done["download"] == f"/api/v1/jobs/{job['id']}/file"
    file = authority.client.get(done["download"], **authority.headers)
    assert file.status_code == 200 and done["file_name"] in file["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(file.streaming_content)), read_only=True)
    assert book.sheetnames[:2] == ["Projects", "Grants"]  # the caller's language (English)


def test_refused_starts_change_nothing_and_other_people_s_jobs_are_not_there(spec):
    secretariat = Api("secretariat_gent", spec)
    applicant, auditor = Api("applicant_gent", spec), Api("auditor", spec)
    applicant("post", "/api/v1/exports", {}, 403)
    assert set(secretariat("post", "/api/v1/exports", {"city": "atlantis"}, 422)["errors"]) == {
        "city"
    }
    assert set(secretariat("post", "/api/v1/exports", {"colour": "red"}, 422)["errors"]) == {
        "colour"
    }
    secretariat("post", "/api/v1/exports", [], 422)
    assert not Job.objects.exists()

    job = secretariat("post", "/api/v1/exports", {}, 201)
    work()
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/file"):
        assert auditor.client.get(path, **auditor.headers).status_code == 404
        assert applicant.client.get(path, **applicant.headers).status_code == 404
    assert auditor.client.get("/api/v1/jobs/999999", **auditor.headers).status_code == 404
    # The managing authority reads every job.
    assert Api("managing_authority", spec)("get", f"/api/v1/jobs/{job['id']}")["state"] == "done"
