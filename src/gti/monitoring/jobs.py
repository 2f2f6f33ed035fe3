"""Background jobs: long work a person asks for (an Excel export, a report as PDF), run by the
task worker (Django's task framework, kept in the database: `gti db_worker`) while the page
shows its progress.

- `start(kind, params, by=…)` checks the role of the kind, validates its parameters with the
  kind's schema, makes the `Job` and enqueues its task in one transaction with the audit event.
- The task (`run_job`) runs the kind's function, which writes the file and tells its progress
  (`progress(job, done, total)`); the file is kept under MEDIA_ROOT like evidence files and is
  served only to the person who asked, or the managing authority (`Job.objects.visible_to`).
- A job that fails records its message and the state `failed`: the person reads why on the page,
  never an error page.

A kind is one entry of `KINDS`: its name, the permission that may start it, the schema of its
parameters and the function `run(user, parameters, out, progress) -> file name`.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ValidationError

from gti.accounts import audit, permissions
from gti.errors import Invalid, Refused
from gti.monitoring import annual, exports
from gti.monitoring.models import Job
from gti.proposals.inputs import messages

try:
    from django.tasks import task
except ImportError:  # Django 5.2: the backport of the same API
    from django_tasks import task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    label: Promise
    action: str  # the permission that may start it (accounts/permissions.py)
    parameters: type[BaseModel]
    run: Callable[[object, BaseModel, IO[bytes], Callable[[int, int], None]], str]
    check: Callable[[object, BaseModel], None] | None = None  # refuses by field before queuing


KINDS: dict[str, Kind] = {
    "excel": Kind(
        _("Excel export: projects, grants, claims, payments and indicator values"),
        "export.excel",
        exports.ExcelParameters,
        exports.write_excel,
        exports.check_excel,
    ),
    "annual_pdf": Kind(
        _("Annual implementation report as PDF"),
        "annual_report.view",
        annual.PdfParameters,
        annual.write_pdf,
        annual.check_pdf,
    ),
}


def kinds_for(user) -> dict[str, Kind]:
    """The kinds this person may start."""
    return {name: k for name, k in KINDS.items() if permissions.can(user, k.action)}


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise Invalid.one("kind", _("not a kind of job"))
    return KINDS[name]


def _parameters(kind: Kind, params: dict) -> BaseModel:
    try:
        return kind.parameters.model_validate(params)
    except ValidationError as exc:
        raise Invalid(messages(exc)) from exc


def _city(job: Job) -> str:
    """The city a job's events belong to (so a city's trail shows its exports): the one chosen,
    or the person's only city; programme-wide jobs have none."""
    if job.parameters.get("city"):
        return job.parameters["city"]
    kind = KINDS.get(job.kind)
    cities = exports.readable_cities(job.requested_by, kind.action) if kind else []
    return cities[0].code if len(cities) == 1 else ""


def start(kind: str, params: dict | None = None, *, by, language: str | None = None) -> Job:
    """Queue a job of `kind` for `by`; refused (403) without the kind's role, (422) with
    parameters its schema refuses."""
    found = _kind(kind)
    permissions.require(by, found.action)
    parsed = _parameters(found, params or {})
    if found.check is not None:
        found.check(by, parsed)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            parameters=parsed.model_dump(mode="json"),
            requested_by=by,
            language=language.split("-")[0],
        )
        # The database backend writes the task in this transaction: both are there, or neither.
        job.task_id = str(run_job.enqueue(job.pk).id)
        job.save(update_fields=["task_id"])
        audit.record("monitoring.job.started", job, by=by, city=_city(job),
                     after={"kind": kind, "parameters": job.parameters})  # fmt: skip
    return job


def result(job: Job, user):
    """The file of a job that is done, for a person who may still start its kind: a role
    revoked since takes the file away with it (403); a job not done has none (404)."""
    if job.state != Job.State.DONE or not job.file:
        raise Http404
    kind = _kind(job.kind)
    permissions.require(user, kind.action)
    if kind.check is not None:  # a city the person no longer reads takes its files away too
        try:
            kind.check(user, _parameters(kind, job.parameters))
        except Invalid:
            raise PermissionDenied from None
    return job.file


def progress(job: Job, done: int, total: int) -> None:
    """Record how far the job is (its own write, seen by the page at once)."""
    Job.objects.filter(pk=job.pk).update(done=done, total=total)
    job.done, job.total = done, total


def _claim(job_id: int) -> Job | None:
    """The job, marked running; None when it ran already (a task is run once)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.QUEUED:
            return None
        job.state, job.started_at = Job.State.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    return job


def _finish(job: Job, state: str, message: str = "") -> None:
    with transaction.atomic():
        job.state, job.message, job.finished_at = state, message, timezone.now()
        job.save(update_fields=["state", "message", "finished_at", "file", "file_name"])
        after = {"file": job.file_name, "done": job.done, "total": job.total}
        audit.record(f"monitoring.job.{state}", job, by=None, reason=message, after=after,
                     city=_city(job))  # fmt: skip


def execute(job_id: int) -> Job | None:
    """Run a queued job to its end: done with its file, or failed with its message."""
    job = _claim(job_id)
    if job is None:
        return None
    with translation.override(job.language):
        try:
            kind = _kind(job.kind)
            # The role is checked again: it may have been revoked while the job waited.
            permissions.require(job.requested_by, kind.action)
            params = _parameters(kind, job.parameters)
            if kind.check is not None:
                kind.check(job.requested_by, params)
            with tempfile.TemporaryFile() as out:
                name = kind.run(job.requested_by, params, out, lambda d, t: progress(job, d, t))
                out.seek(0)
                job.file.save(name, File(out), save=False)
                job.file_name = name
        except (Invalid, Refused, PermissionDenied) as exc:
            _finish(job, Job.State.FAILED, str(exc))
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(job, Job.State.FAILED, str(_("The job failed; the error is in the log.")))
        else:
            _finish(job, Job.State.DONE)
    return job


@task()
def run_job(job_id: int) -> None:
    execute(job_id)
