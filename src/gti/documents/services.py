"""Uploading, replacing and removing documents, and the annexes a call asks. Each change checks
the role on the dossier, writes its audit event (with the file's SHA-256) in the same
transaction, and removes a file it stored when the change does not hold.

Rules kept here: a file's content is what its name says (`sniff`); a file and a dossier have a
size limit (`GTI_DOCUMENT_MAX_BYTES`, `GTI_DOSSIER_MAX_BYTES`); a replacement is a new version
and the old one stays; a document is never deleted once its dossier is submitted, and before
that only the applicant removes a draft annex; a proposal is not submitted while a required
annex is missing (`missing_annexes`, called by the submission service).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from gti.accounts import audit, permissions
from gti.documents.models import ANNEX_KINDS, KINDS, AnnexKind, Document, Kind
from gti.documents.sniff import NotAccepted, sniff
from gti.errors import Invalid, Refused

OPTIONAL, REQUIRED = "optional", "required"


def field_of(dossier) -> str:
    """The foreign key of `Document` that holds this dossier."""
    from gti.monitoring.models import Claim, Grant, ProgressReport
    from gti.proposals.models import Call, Proposal

    for model, name in ((Call, "call"), (Proposal, "proposal"), (Grant, "grant"),
                        (ProgressReport, "report"), (Claim, "claim")):  # fmt: skip
        if isinstance(dossier, model):
            return name
    raise TypeError(f"not a dossier: {dossier!r}")


def documents_of(dossier):
    return Document.objects.filter(**{field_of(dossier): dossier}).select_related("uploaded_by")


def city_code(dossier) -> str:
    field = field_of(dossier)
    if field == "call":
        return dossier.city.code if dossier.city_id else ""
    if field == "proposal":
        return dossier.city.code
    grant = dossier if field == "grant" else dossier.grant
    return grant.proposal.city.code


def kinds_for(dossier) -> list[tuple[str, str]]:
    """The kinds this dossier takes, as (code, label): a proposal the kinds its call asks."""
    field = field_of(dossier)
    if field == "proposal":
        asked = [Kind(a.kind) for a in dossier.call.annex_kinds.all()]
        kinds = [*asked, Kind.OTHER]
    else:
        kinds = KINDS[field]
    return [(k.value, k.label) for k in kinds]


def _upload_action(dossier) -> str:
    return {
        "call": "document.call",
        "proposal": "document.annex",
        "grant": "document.grant",
        "report": "report.edit",
        "claim": "claim.edit",
    }[field_of(dossier)]


def _open_for_files(dossier) -> bool:
    """Whether the dossier's state still takes files: a proposal or claim while a draft, a
    report while a draft or returned, a call until closed, a grant while open."""
    from gti.monitoring.reports import EDITABLE

    field = field_of(dossier)
    if field == "report":
        return dossier.state in EDITABLE
    if field in ("proposal", "claim"):
        return dossier.state == "draft"
    return dossier.state != "closed"


def may_upload(user, dossier) -> bool:
    return permissions.can(user, _upload_action(dossier), dossier) and _open_for_files(dossier)


def may_remove(user, document: Document) -> bool:
    """Only a draft annex of a proposal that was never part of a submitted dossier, by its
    applicant, and only its latest version."""
    proposal = document.proposal
    return (
        proposal is not None
        and proposal.state == "draft"
        and (proposal.submitted_at is None or document.uploaded_at > proposal.submitted_at)
        and not hasattr(document, "replaced_by")
        and permissions.can(user, "document.annex", proposal)
    )


def _locked(dossier):
    """The dossier read afresh under its row lock (a grant's open grant first, as every change
    under a grant does), so sizes and versions are counted once."""
    field = field_of(dossier)
    if field in ("grant", "report", "claim"):
        from gti.monitoring.services import lock_open

        grant = lock_open(dossier.pk if field == "grant" else dossier.grant_id)
        if field == "grant":
            return grant
    return type(dossier).objects.select_for_update().get(pk=dossier.pk)


def _mb(n: int) -> str:
    return filesizeformat(n)


def _check_file(dossier, file, errors: dict) -> str | None:
    """The file's content type, or None with the reasons under `file`."""
    limit = settings.GTI_DOCUMENT_MAX_BYTES
    if file is None:
        errors["file"] = [_("choose a file")]
    elif not file.size:
        errors["file"] = [_("the file is empty")]
    elif file.size > limit:
        errors["file"] = [
            _("%(name)s is %(size)s, larger than the limit of %(mb)s per file")
            % {"name": file.name, "size": _mb(file.size), "mb": _mb(limit)}
        ]
    else:
        held = documents_of(dossier).aggregate(total=Sum("size"))["total"] or 0
        if held + file.size > settings.GTI_DOSSIER_MAX_BYTES:
            errors["file"] = [
                _("the dossier holds %(held)s; with this file it would pass its limit of "
                  "%(mb)s") % {"held": _mb(held), "mb": _mb(settings.GTI_DOSSIER_MAX_BYTES)}
            ]  # fmt: skip
        else:
            try:
                return sniff(file.name or "", file)
            except NotAccepted as exc:
                errors["file"] = [f"{file.name}: {exc}"]
    return None


def upload(dossier, *, by, kind: str = "", file, replaces: Document | None = None) -> Document:
    """Store `file` on the dossier as a document of `kind`, or as the next version of
    `replaces` (whose kind it keeps; the old version stays). Refused as `kind` or `file`;
    a refused file leaves no row and no file behind."""
    permissions.require(by, _upload_action(dossier), dossier)
    field = field_of(dossier)
    with transaction.atomic():
        dossier = _locked(dossier)
        if not _open_for_files(dossier):
            raise Refused(_("%(dossier)s no longer takes files") % {"dossier": dossier})
        errors: dict[str, list[str]] = {}
        if replaces is not None:
            replaces = Document.objects.select_for_update().get(pk=replaces.pk)
            if getattr(replaces, f"{field}_id") != dossier.pk:
                raise Invalid.one("replaces", _("not a document of this dossier"))
            if Document.objects.filter(replaces=replaces).exists():
                raise Invalid.one("replaces", _("a newer version exists; replace that one"))
            kind = replaces.kind
        elif kind not in {code for code, _label in kinds_for(dossier)}:
            errors["kind"] = [_("choose one of the kinds this dossier takes")]
        content_type = _check_file(dossier, file, errors)
        if errors:
            raise Invalid(errors)
        document = Document(
            **{field: dossier},
            kind=kind,
            content_type=content_type,
            version=replaces.version + 1 if replaces else 1,
            replaces=replaces,
        )
        stored = document.take(file, by)
        try:
            document.save()
            after = {"document": document.pk, "kind": kind, "name": document.name,
                     "version": document.version, "size": document.size,
                     "content_type": content_type, "sha256": document.sha256}  # fmt: skip
            before = (
                {"document": replaces.pk, "name": replaces.name, "version": replaces.version,
                 "sha256": replaces.sha256} if replaces else {}
            )  # fmt: skip
            audit.record(
                "documents.document.replaced" if replaces else "documents.document.uploaded",
                dossier, by=by, before=before, after=after, reason=document.name,
                city=city_code(dossier),
            )  # fmt: skip
        except Exception:
            default_storage.delete(stored)  # the new file goes when the change does not hold
            raise
    return document


def remove(document: Document, *, by, reason: str = "") -> None:
    """Remove a draft annex (its applicant, before the proposal is submitted); the file goes
    once the change holds."""
    proposal = document.proposal
    if proposal is None:
        raise Refused(_("only a proposal's draft annex can be removed"))
    permissions.require(by, "document.annex", proposal)
    with transaction.atomic():
        proposal = _locked(proposal)
        document = Document.objects.select_for_update().get(pk=document.pk)
        document.proposal = proposal
        if not may_remove(by, document):
            raise Refused(
                _("%(document)s is part of a submitted dossier or has a newer version; it is kept")
                % {"document": document}
            )
        name, file_name = document.name, document.file.name
        audit.record(
            "documents.document.removed", proposal, by=by,
            before={"document": document.pk, "kind": document.kind, "name": name,
                    "version": document.version, "sha256": document.sha256},
            reason=reason or name, city=proposal.city.code,
        )  # fmt: skip
        document.delete()
        transaction.on_commit(lambda: default_storage.delete(file_name))


# --- the annexes a call asks -------------------------------------------------------------------


def annex_kinds(call) -> dict[str, str]:
    """{kind: "optional" | "required"} for the kinds the call asks."""
    return {a.kind: REQUIRED if a.required else OPTIONAL for a in call.annex_kinds.all()}


def set_annex_kinds(call, *, by, kinds: dict[str, str]) -> dict[str, str]:
    """Set the annexes the call asks (the role that runs the call): `kinds` maps an annex kind
    to "optional" or "required"; a kind left out is not asked. Refused as `kinds.<kind>`."""
    permissions.require(by, "document.call", call)
    allowed = {k.value for k in ANNEX_KINDS}
    errors = {
        f"kinds.{kind}": [_("not an annex kind") if kind not in allowed else _("not a choice")]
        for kind, choice in kinds.items()
        if kind not in allowed or choice not in (OPTIONAL, REQUIRED)
    }
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        call = _locked(call)
        if call.state == "closed":
            raise Refused(_("%(call)s is closed") % {"call": call})
        before = annex_kinds(call)
        if before == kinds:
            return before
        call.annex_kinds.all().delete()
        AnnexKind.objects.bulk_create(
            AnnexKind(call=call, kind=kind, required=choice == REQUIRED)
            for kind, choice in kinds.items()
        )
        audit.record(
            "documents.annex_kinds.set", call, by=by, before=before, after=kinds,
            city=city_code(call),
        )  # fmt: skip
    return kinds


def missing_annexes(proposal) -> list[str]:
    """The names of the required annexes the proposal does not hold: the one rule that blocks
    submission (`submit_proposal`) and that the proposal page shows before it."""
    held = set(proposal.documents.values_list("kind", flat=True))
    return [
        str(Kind(a.kind).label)
        for a in proposal.call.annex_kinds.all()
        if a.required and a.kind not in held
    ]
