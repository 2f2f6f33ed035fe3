"""Background jobs over the API: start the Excel export, follow the job, fetch its file; the
services of `monitoring/jobs.py`. Another person's job answers 404 (the managing authority sees
every job)."""

import datetime

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status

from gti.api.auth import TokenAuth
from gti.api.shapes import CHANGE, READ, Input
from gti.monitoring import jobs
from gti.monitoring.models import Job

router = Router(tags=["jobs"], auth=TokenAuth())


class ExportIn(Input):
    city: str | None = None  # a city's code: only its projects; left out: all the caller sees


class AnnualPdfIn(Input):
    year: int
    city: str | None = None  # a city's code; left out: every city the caller reads


class JobOut(Schema):
    id: int
    kind: str
    parameters: dict
    state: str  # queued | running | done | failed
    done: int
    total: int
    message: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    file_name: str
    download: str | None  # GET it when the job is done


def _out(job: Job) -> dict:
    done = job.state == Job.State.DONE
    return {
        "id": job.pk, "kind": job.kind, "parameters": job.parameters, "state": job.state,
        "done": job.done, "total": job.total, "message": job.message,
        "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "file_name": job.file_name,
        "download": reverse("api:job_file", kwargs={"pk": job.pk}) if done else None,
    }  # fmt: skip


def _job(request, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user), pk=pk)


@router.post(
    "/exports",
    response={201: JobOut, **CHANGE},
    summary="Start the Excel export of projects, grants, claims, payments and indicator values "
    "(the secretariat: its city; the managing authority; auditors); the task worker runs it",
)
def start_export(request, payload: ExportIn):
    job = jobs.start("excel", payload.model_dump(exclude_none=True), by=request.user)
    return Status(201, _out(job))


@router.get("/jobs/{pk}", response={200: JobOut, **READ}, summary="A job: its state and progress")
def get_job(request, pk: int):
    return _out(_job(request, pk))


@router.get(
    "/jobs/{pk}/file",
    response={200: None, **READ},
    url_name="job_file",
    summary="The file of a finished job",
)
def job_file(request, pk: int):
    job = _job(request, pk)
    file = jobs.result(job, request.user)
    return FileResponse(file.open("rb"), as_attachment=True, filename=job.file_name)


@router.post(
    "/reports/annual/pdf",
    response={201: JobOut, **CHANGE},
    summary="Start making the annual implementation report of a year as PDF (the secretariat and "
    "steering committee: their city; the managing authority; auditors); the task worker runs it",
)
def start_annual_pdf(request, payload: AnnualPdfIn):
    job = jobs.start("annual_pdf", payload.model_dump(exclude_none=True), by=request.user)
    return Status(201, _out(job))
