"""Background jobs with the real task worker: a job is queued with its task and audit event,
the worker (`gti db_worker --batch`, run here in the test) runs it to its file, its progress
moves; a failing kind records its message; another person's job is not there for them; only
the kind's roles may start one, and a refused start changes nothing."""

import io
import signal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from gti.accounts.models import AuditEvent, RoleGrant
from gti.accounts.permissions import forget
from gti.errors import Invalid
from gti.monitoring import exports, jobs
from gti.monitoring.models import Job
from tests.factories import person

# The worker runs outside any test transaction, as it does beside the web server.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]


def work():
    """The task worker's batch mode: every queued task, then it stops. The worker takes over
    the interrupt signals; the test runner gets its own back."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


def kind(run):
    """A kind of job made for the test: the roles of the export, its own work."""
    return jobs.Kind(run.__name__, "export.excel", exports.ExcelParameters, run)


def snapshot():
    return Job.objects.count(), DBTaskResult.objects.count(), AuditEvent.objects.count()


def test_the_worker_runs_an_export_to_its_file():
    authority = person("managing_authority")
    job = jobs.start("excel", {}, by=authority, language="en")
    assert (job.state, job.done, job.total) == ("queued", 0, 0)
    assert DBTaskResult.objects.get(id=job.task_id).task_path == "gti.monitoring.jobs.run_job"
    started = AuditEvent.objects.get(action="monitoring.job.started")
    assert (started.actor, started.object_id) == (authority, str(job.pk))

    work()
    job.refresh_from_db()
    assert job.state == "done" and job.finished_at and job.message == ""
    # No project yet: the sheets hold their headings and the progress ends at its total.
    assert job.done == job.total == 0
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    book = load_workbook(io.BytesIO(job.file.read()), read_only=True)
    assert book.sheetnames[0] == "Projects" and job.file_name.endswith(".xlsx")
    assert AuditEvent.objects.filter(action="monitoring.job.done", object_id=str(job.pk)).exists()


def test_progress_moves_as_rows_are_written(monkeypatch):
    seen = []

    def counting(user, params, out, progress):
        for n in range(4):
            progress(n, 3)
            seen.append(Job.objects.values_list("done", "total").get())  # as the page reads it
        out.write(b"rows")
        return "counted.txt"

    monkeypatch.setitem(jobs.KINDS, "count", kind(counting))
    job = jobs.start("count", {}, by=person("auditor"))
    work()
    job.refresh_from_db()
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert (job.state, job.done, job.total, job.file.read()) == ("done", 3, 3, b"rows")


def test_a_failing_kind_records_failed_with_its_message(monkeypatch):
    def broken(user, params, out, progress):
        progress(1, 10)
        raise ZeroDivisionError("internal detail")

    def refused(user, params, out, progress):
        raise Invalid.one("city", "no rows for this city")

    monkeypatch.setitem(jobs.KINDS, "broken", kind(broken))
    monkeypatch.setitem(jobs.KINDS, "refused", kind(refused))
    authority = person("managing_authority")
    crash = jobs.start("broken", {}, by=authority, language="en")
    refusal = jobs.start("refused", {}, by=authority, language="en")
    work()
    crash.refresh_from_db()
    refusal.refresh_from_db()
    assert crash.state == "failed" and crash.finished_at and not crash.file
    assert "internal detail" not in crash.message and "log" in crash.message
    assert (crash.done, crash.total) == (1, 10)
    assert refusal.state == "failed" and refusal.message == "city: no rows for this city"
    assert AuditEvent.objects.filter(action="monitoring.job.failed").count() == 2
    # The page shows the message, never an error page; there is no file to fetch.
    client = Client()
    client.force_login(authority)
    page = client.get("/en/monitoring/exports/")
    assert page.status_code == 200 and "city: no rows for this city" in page.content.decode()
    assert client.get(f"/en/monitoring/exports/jobs/{crash.pk}/file/").status_code == 404


def test_a_role_revoked_while_the_job_waits_fails_it():
    secretariat = person("secretariat_gent")
    job = jobs.start("excel", {}, by=secretariat, language="en")
    RoleGrant.objects.filter(user=secretariat).delete()
    forget(secretariat)
    work()
    job.refresh_from_db()
    assert job.state == "failed" and "export.excel" in job.message and not job.file


def test_a_role_revoked_after_the_job_takes_its_file_away():
    secretariat = person("secretariat_gent")
    job = jobs.start("excel", {}, by=secretariat, language="en")
    work()
    client = Client()
    client.force_login(secretariat)
    assert client.get(f"/en/monitoring/exports/jobs/{job.pk}/file/").status_code == 200
    RoleGrant.objects.filter(user=secretariat).delete()
    forget(secretariat)
    assert client.get(f"/en/monitoring/exports/jobs/{job.pk}/file/").status_code == 403


def test_another_person_s_job_is_not_there_for_them():
    job = jobs.start("excel", {}, by=person("secretariat_gent"), language="en")
    work()
    row = f"/en/monitoring/exports/jobs/{job.pk}/"
    paths = [row, f"{row}file/"]
    for name, status in [("secretariat_gent", 200), ("managing_authority", 200),
                         ("auditor", 404), ("secretariat_antwerpen", 404)]:  # fmt: skip
        client = Client()
        client.force_login(person(name))
        assert [client.get(p).status_code for p in paths] == [status, status], name
    # The list shows one's own jobs only.
    client = Client()
    client.force_login(person("managing_authority"))
    assert f'id="job-{job.pk}"' not in client.get("/en/monitoring/exports/").content.decode()


@pytest.mark.parametrize("name", ["applicant_gent", "assessor_gent", "steering_gent"])
def test_only_the_kind_s_roles_start_it(name):
    user = person(name)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        jobs.start("excel", {}, by=user)
    assert snapshot() == before


def test_an_unknown_kind_or_bad_parameters_are_refused_by_field():
    authority = person("managing_authority")
    before = snapshot()
    with pytest.raises(Invalid) as unknown:
        jobs.start("everything", {}, by=authority)
    with pytest.raises(Invalid) as bad:
        jobs.start("excel", {"city": "atlantis", "colour": "red"}, by=authority)
    assert set(unknown.value.errors) == {"kind"}
    assert set(bad.value.errors) == {"city", "colour"}
    assert snapshot() == before


def test_a_job_runs_once():
    job = jobs.start("excel", {}, by=person("auditor"))
    work()
    job.refresh_from_db()
    finished = job.finished_at
    assert jobs.execute(job.pk) is None
    job.refresh_from_db()
    assert job.finished_at == finished


def test_a_city_the_person_does_not_read_is_refused_by_name():
    secretariat = person("secretariat_gent")
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        jobs.start("excel", {"city": "antwerpen"}, by=secretariat, language="en")
    assert refused.value.errors == {"city": ["not a city whose figures you may read"]}
    assert snapshot() == before
    # Its own city, or none chosen: queued.
    jobs.start("excel", {"city": "gent"}, by=secretariat, language="en")


def test_a_city_s_trail_shows_its_exports():
    secretariat = person("secretariat_gent")
    job = jobs.start("excel", {}, by=secretariat, language="en")
    work()
    events = AuditEvent.objects.filter(object_id=str(job.pk), action__startswith="monitoring.job")
    assert {(e.action, e.city) for e in events} == {
        ("monitoring.job.started", "gent"), ("monitoring.job.done", "gent")}  # fmt: skip
    seen = AuditEvent.objects.visible_to(secretariat).filter(
        object_id=str(job.pk), action__startswith="monitoring.job")  # fmt: skip
    assert seen.count() == 2
    assert not AuditEvent.objects.visible_to(person("secretariat_antwerpen")).filter(
        object_id=str(job.pk), action__startswith="monitoring.job").exists()  # fmt: skip


def test_a_city_no_longer_read_takes_its_export_away():
    from gti.strategy.models import City

    secretariat = person("secretariat_gent")
    job = jobs.start("excel", {"city": "gent"}, by=secretariat, language="en")
    work()
    client = Client()
    client.force_login(secretariat)
    assert client.get(f"/en/monitoring/exports/jobs/{job.pk}/file/").status_code == 200
    # Moved to Antwerp's secretariat: the role stays, Ghent's figures go.
    RoleGrant.objects.filter(user=secretariat).update(city=City.objects.get(code="antwerpen"))
    forget(secretariat)
    assert client.get(f"/en/monitoring/exports/jobs/{job.pk}/file/").status_code == 403
