"""Documents on dossiers over the API: the same services and the same permission checks as the
pages. A dossier outside the caller's view answers 404, and so does any of its files."""

import datetime

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gti.api.auth import TokenAuth
from gti.api.shapes import CHANGE, READ, Input
from gti.documents import services
from gti.documents.models import Document
from gti.errors import Invalid
from gti.monitoring import lookups
from gti.proposals import queries
from gti.proposals.models import Proposal

router = Router(tags=["documents"], auth=TokenAuth())


class DocumentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    version: int
    replaces: int | None
    current: bool
    uploaded_by: str
    uploaded_at: datetime.datetime
    download: str


class DocumentIn(Input):
    kind: str = ""
    replaces: int | None = None


def _out(document: Document, current: set[int]) -> dict:
    return {
        "id": document.pk,
        "kind": document.kind,
        "name": document.name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "version": document.version,
        "replaces": document.replaces_id,
        "current": document.pk in current,
        "uploaded_by": document.uploaded_by.get_username(),
        "uploaded_at": document.uploaded_at,
        "download": f"/api/v1/documents/{document.pk}/file",
    }


def _listing(dossier) -> list[dict]:
    found = list(services.documents_of(dossier).order_by("pk"))
    replaced = {d.replaces_id for d in found}
    return [_out(d, {d.pk for d in found if d.pk not in replaced}) for d in found]


def _proposal(request, reference) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("call", "city"),
        reference=reference,
    )


def _upload(request, dossier, payload: DocumentIn, file) -> Document:
    # A form reads its declared fields only: an unknown one is refused, as in JSON bodies.
    unknown = (set(request.POST) - set(DocumentIn.model_fields)) | (set(request.FILES) - {"file"})
    if unknown:
        raise Invalid({name: [str(_("not a field of this form"))] for name in sorted(unknown)})
    old = None
    if payload.replaces is not None:
        old = services.documents_of(dossier).filter(pk=payload.replaces).first()
        if old is None:
            raise Invalid.one("replaces", _("not a document of this dossier"))
    return services.upload(dossier, by=request.user, kind=payload.kind, file=file, replaces=old)


@router.get(
    "/proposals/{reference}/documents",
    response={200: list[DocumentOut], **READ},
    summary="The annexes of a proposal, every version (`current`: not replaced)",
)
def proposal_documents(request, reference: str):
    return _listing(_proposal(request, reference))


@router.post(
    "/proposals/{reference}/documents",
    response={201: DocumentOut, **CHANGE},
    summary="Upload an annex of a draft proposal (its applicant; multipart: `file`, `kind` — "
    "one the call asks, or `other` —, or `replaces` the id of the version it replaces)",
)
def upload_proposal_document(
    request, reference: str, payload: Form[DocumentIn], file: File[UploadedFile]
):
    document = _upload(request, _proposal(request, reference), payload, file)
    return Status(201, _out(document, {document.pk}))


@router.get(
    "/calls/{reference}/documents",
    response={200: list[DocumentOut], **READ},
    summary="The documents of a call: call text, guidance, templates",
)
def call_documents(request, reference: str):
    return _listing(get_object_or_404(queries.calls_visible_to(request.user), reference=reference))


@router.get(
    "/grants/{reference}/documents",
    response={200: list[DocumentOut], **READ},
    summary="The decision documents of a grant",
)
def grant_documents(request, reference: str):
    return _listing(lookups.grant_for(request.user, reference))


@router.post(
    "/grants/{reference}/documents",
    response={201: DocumentOut, **CHANGE},
    summary="Upload a decision document of a grant (the managing authority; multipart as for "
    "a proposal, `kind`: decision or other)",
)
def upload_grant_document(
    request, reference: str, payload: Form[DocumentIn], file: File[UploadedFile]
):
    document = _upload(request, lookups.grant_for(request.user, reference), payload, file)
    return Status(201, _out(document, {document.pk}))


@router.get(
    "/documents/{pk}/file",
    response={200: None, **READ},
    summary="Download a document (whoever may see its dossier)",
)
def document_file(request, pk: int):
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
