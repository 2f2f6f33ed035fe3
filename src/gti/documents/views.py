"""Pages for documents: the section that each dossier's page shows (`section`), uploading,
replacing, removing and downloading, and the annexes a call asks. Thin: a dossier is found
through its own scoped queryset (404 outside a person's view), the service checks the role.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gti.documents import services
from gti.documents.models import ANNEX_KINDS, Document
from gti.documents.sniff import ACCEPTED
from gti.errors import Invalid, Refused

PAGES = {
    "call": ("proposals:call", lambda d: d.reference),
    "proposal": ("proposals:detail", lambda d: d.reference),
    "grant": ("monitoring:grant", lambda d: d.proposal.reference),
    "report": ("monitoring:report", lambda d: d.pk),
    "claim": ("monitoring:claim", lambda d: d.pk),
}
TITLES = {
    "call": gettext_lazy("Documents of the call"),
    "proposal": gettext_lazy("Annexes"),
    "grant": gettext_lazy("Decision documents"),
    "report": gettext_lazy("Documents"),
    "claim": gettext_lazy("Documents"),
}


def _page(dossier) -> str:
    name, key = PAGES[services.field_of(dossier)]
    return reverse(name, args=[key(dossier)]) + "#documents"


def section(user, dossier) -> dict:
    """What the documents section of a dossier's page shows this person."""
    field = services.field_of(dossier)
    documents = list(services.documents_of(dossier).current().select_related("replaces"))
    may_upload = services.may_upload(user, dossier)
    data = {
        "field": field,
        "title": str(TITLES[field]),
        "documents": documents,
        "may_upload": may_upload,
        "kinds": services.kinds_for(dossier) if may_upload else [],
        "upload_url": reverse("documents:upload", args=[field, PAGES[field][1](dossier)]),
        "removable": {d.pk for d in documents if services.may_remove(user, d)},
        "accepted": ACCEPTED,
        "max_mb": f"{settings.GTI_DOCUMENT_MAX_BYTES / (1024 * 1024):g}",
    }
    if field == "proposal":
        data["asked"] = [(a.get_kind_display(), a.required) for a in dossier.call.annex_kinds.all()]
        data["missing"] = services.missing_annexes(dossier) if dossier.state == "draft" else []
    if field == "call" and services.may_upload(user, dossier):
        chosen = services.annex_kinds(dossier)
        data["annex_form"] = [(k.value, k.label, chosen.get(k.value, "")) for k in ANNEX_KINDS]
    return data


def _dossier(user, field: str, key: str):
    from gti.monitoring import lookups
    from gti.proposals.models import Proposal
    from gti.proposals.queries import calls_visible_to

    if field == "call":
        return get_object_or_404(calls_visible_to(user), reference=key)
    if field == "proposal":
        return get_object_or_404(
            Proposal.objects.visible_to(user).select_related("call", "city"), reference=key
        )
    if field == "grant":
        return lookups.grant_for(user, key)
    if field == "report" and key.isdigit():
        return lookups.report_for(user, int(key))
    if field == "claim" and key.isdigit():
        return lookups.claim_for(user, int(key))
    raise Http404


def _answer(request, act) -> None:
    try:
        done = act()
    except Invalid as exc:
        for field, msgs in exc.errors.items():
            messages.error(request, f"{field}: {', '.join(msgs)}")
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@login_required
@require_POST
def upload(request, field, key):
    """Role: as the service decides (the call's runner, the applicant of a draft, the managing
    authority on a grant, the beneficiary on a report or claim)."""
    dossier = _dossier(request.user, field, key)

    def act():
        document = services.upload(
            dossier,
            by=request.user,
            kind=request.POST.get("kind", ""),
            file=request.FILES.get("file"),
        )
        return _("%(name)s is uploaded.") % {"name": document.name}

    _answer(request, act)
    return redirect(_page(dossier))


@login_required
@require_POST
def replace(request, pk):
    """Role: as `upload`, on the document's dossier."""
    old = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    dossier = old.dossier

    def act():
        new = services.upload(
            dossier, by=request.user, file=request.FILES.get("file"), replaces=old
        )
        return _("%(name)s is uploaded as version %(version)s.") % {
            "name": new.name,
            "version": new.version,
        }

    _answer(request, act)
    return redirect(_page(dossier))


@login_required
@require_POST
def remove(request, pk):
    """Role: the applicant, a draft annex of their own proposal before it is submitted."""
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    dossier = document.dossier

    def act():
        services.remove(document, by=request.user)
        return _("%(name)s is removed.") % {"name": document.name}

    _answer(request, act)
    return redirect(_page(dossier))


def download(request, pk):
    """Role: whoever may see the dossier (a published call's documents: everyone); anyone
    else gets 404."""
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )


@login_required
@require_POST
def annex_kinds(request, reference):
    """Role: the role that runs the call. Which annexes its proposals bring, required or not."""
    call = _dossier(request.user, "call", reference)
    chosen = {
        kind.value: request.POST.get(f"annex_{kind.value}", "")
        for kind in ANNEX_KINDS
        if request.POST.get(f"annex_{kind.value}")
    }

    def act():
        services.set_annex_kinds(call, by=request.user, kinds=chosen)
        return _("The annexes the call asks are saved.")

    _answer(request, act)
    return redirect(_page(call))
