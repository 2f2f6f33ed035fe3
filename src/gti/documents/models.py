"""Documents on dossiers: a call's texts, a proposal's annexes, a grant's decision documents, a
report's or claim's evidence. A file is never changed: a replacement is a new version that
points to the one it replaces, which stays. Read only through `Document.objects.visible_to`,
the dossier's own permission check. Changed only through `services.py`.
"""

from __future__ import annotations

import operator
import uuid
from functools import reduce

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gti.monitoring.models import StoredFile

# The dossiers a document can belong to: exactly one of these foreign keys is set.
DOSSIERS = ("call", "proposal", "grant", "report", "claim")


class Kind(models.TextChoices):
    CALL_TEXT = "call_text", _("call text")
    GUIDANCE = "guidance", _("guidance")
    TEMPLATE = "template", _("template")
    LETTER_OF_COMMITMENT = "letter_of_commitment", _("partner's letter of commitment")
    COST_QUOTE = "cost_quote", _("cost quote")
    PLAN = "plan", _("plan")
    PERMIT = "permit", _("permit")
    STATE_AID = "state_aid_declaration", _("state-aid declaration")
    DECISION = "decision", _("decision document")
    EVIDENCE = "evidence", _("evidence")
    INVOICE = "invoice", _("invoice")
    OTHER = "other", _("other")


# The annex kinds a call may ask of its proposals (`AnnexKind`).
ANNEX_KINDS = [
    Kind.LETTER_OF_COMMITMENT,
    Kind.COST_QUOTE,
    Kind.PLAN,
    Kind.PERMIT,
    Kind.STATE_AID,
]
# The kinds each dossier takes; a proposal takes the kinds its call asks, and `other`.
KINDS = {
    "call": [Kind.CALL_TEXT, Kind.GUIDANCE, Kind.TEMPLATE, Kind.OTHER],
    "grant": [Kind.DECISION, Kind.OTHER],
    "report": [Kind.EVIDENCE, Kind.OTHER],
    "claim": [Kind.INVOICE, Kind.EVIDENCE, Kind.OTHER],
}


class AnnexKind(models.Model):
    """An annex a call asks of its proposals, required or not."""

    call = models.ForeignKey("proposals.Call", models.CASCADE, related_name="annex_kinds")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("annex kind")
        verbose_name_plural = _("annex kinds")
        ordering = ["call", "kind"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], name="annex_kind_unique")]

    def __str__(self):
        return self.get_kind_display()


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The documents of the dossiers this person may see, by each dossier's own rule: a
        call's as the call (public once published), a proposal's as the proposal, a grant's,
        report's or claim's as the grant."""
        from gti.monitoring.models import Claim, Grant, ProgressReport
        from gti.proposals.models import Proposal
        from gti.proposals.queries import calls_visible_to

        calls = Q(call__in=calls_visible_to(user))
        if not getattr(user, "is_authenticated", False):
            return self.filter(calls)  # the public: published calls' documents only
        return self.filter(
            calls
            | Q(proposal__in=Proposal.objects.visible_to(user))
            | Q(grant__in=Grant.objects.visible_to(user))
            | Q(report__in=ProgressReport.objects.visible_to(user))
            | Q(claim__in=Claim.objects.visible_to(user))
        )

    def current(self):
        """The latest version of each document (none has replaced it)."""
        return self.filter(replaced_by__isnull=True)


def _document_path(instance, filename):
    """A random name: the person's file name is kept as data, never used as a path."""
    return f"documents/{uuid.uuid4().hex}"


def _one_dossier() -> Q:
    """Exactly one of the dossier keys is set."""
    return reduce(
        operator.or_, (Q(**{f"{n}__isnull": n != name for n in DOSSIERS}) for name in DOSSIERS)
    )


class Document(StoredFile):
    call = models.ForeignKey(
        "proposals.Call", models.PROTECT, null=True, blank=True, related_name="documents"
    )
    proposal = models.ForeignKey(
        "proposals.Proposal", models.PROTECT, null=True, blank=True, related_name="documents"
    )
    grant = models.ForeignKey(
        "monitoring.Grant", models.PROTECT, null=True, blank=True, related_name="documents"
    )
    report = models.ForeignKey(
        "monitoring.ProgressReport",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    claim = models.ForeignKey(
        "monitoring.Claim", models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    content_type = models.CharField(_("content type"), max_length=100)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "uploaded_at", "pk"]
        constraints = [models.CheckConstraint(condition=_one_dossier(), name="document_dossier")]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def dossier(self):
        return next(getattr(self, n) for n in DOSSIERS if getattr(self, f"{n}_id"))

    @property
    def history(self) -> list[Document]:
        """The earlier versions, newest first."""
        found, old = [], self.replaces
        while old is not None:
            found.append(old)
            old = old.replaces
        return found
