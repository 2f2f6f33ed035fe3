"""The decision document and the reasoned letters, as printable pages and as PDF.

Role: whoever may see the proposal (`Proposal.objects.visible_to`); anyone else gets 404, as does
a proposal that has no such document in its state.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string

from gti.proposals import documents
from gti.proposals.models import Proposal

# The address → the kinds of document it serves: `decision/` the managing authority's decision
# (approved: the conditions for support; rejected or reserve: the reasoned decision), `letter/`
# the reasoned letter of a proposal that was not approved.
SERVES = {
    "decision": {documents.DECISION, documents.REFUSAL},
    "letter": {documents.REFUSAL, documents.INADMISSIBLE},
}
BUILD = {
    documents.DECISION: documents.decision_document,
    documents.REFUSAL: documents.refusal_letter,
    documents.INADMISSIBLE: documents.inadmissibility_letter,
}


def _context(request, reference, address) -> dict:
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related(
            "call__programme", "city", "specific_objective__priority", "theme"
        ),
        reference=reference,
    )
    kind = documents.kind_of(proposal)
    if kind not in SERVES[address]:
        raise Http404
    return {"proposal": proposal, "kind": kind, "address": address, **BUILD[kind](proposal)}


def _page(request, reference, address):
    context = _context(request, reference, address)
    return render(request, "proposals/document.html", {**context, "city": context["proposal"].city})


def _pdf(request, reference, address):
    context = _context(request, reference, address)
    html = render_to_string("proposals/document_print.html", context, request=request)
    response = HttpResponse(documents.render_pdf(html), content_type="application/pdf")
    name = f"{context['proposal'].reference}-{address}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def decision(request, reference):
    return _page(request, reference, "decision")


@login_required
def decision_pdf(request, reference):
    return _pdf(request, reference, "decision")


@login_required
def letter(request, reference):
    return _page(request, reference, "letter")


@login_required
def letter_pdf(request, reference):
    return _pdf(request, reference, "letter")
