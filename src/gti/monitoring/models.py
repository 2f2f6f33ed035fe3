"""Grants: the conditions of an approved operation (CPR art. 73(3)) as versions.

A grant is opened once per approved proposal; its conditions live in `GrantVersion` rows. Version
1 is made from the decision; an amendment is a new version with its reason. A version is prepared
as a draft and takes force when a second person of the managing authority approves it; the
history stays as it was. Objects change only through `services.py`, each change with its audit
event.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class GrantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The grants of the proposals this person may see (the proposals' own rule)."""
        from gti.proposals.models import Proposal

        return self.filter(proposal__in=Proposal.objects.visible_to(user))


class Grant(models.Model):
    """The grant of one approved proposal; its conditions are its versions."""

    proposal = models.OneToOneField(
        "proposals.Proposal", models.PROTECT, related_name="grant", verbose_name=_("proposal")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.proposal.reference}"


class GrantVersion(models.Model):
    """The conditions of a grant as prepared (draft) or in force from `in_force_from` (approved).

    Amounts inside the JSON fields are decimal text ("12500.00"), never numbers."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")

    grant = models.ForeignKey(Grant, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    erdf = models.DecimalField(_("ERDF granted"), **MONEY)
    rate = models.DecimalField(
        _("ERDF rate"),
        max_digits=5,
        decimal_places=4,
        help_text=_("The ERDF share of the eligible cost."),
    )
    eligible_from = models.DateField(_("eligible from"))
    eligible_until = models.DateField(_("eligible until"))
    budget = models.JSONField(
        _("eligible cost per category"), default=dict, encoder=DjangoJSONEncoder
    )
    partner_budget = models.JSONField(
        _("eligible cost per partner"), default=dict, encoder=DjangoJSONEncoder
    )
    indicators = models.JSONField(_("indicator targets"), default=list, encoder=DjangoJSONEncoder)
    milestones = models.JSONField(_("milestones"), default=list, encoder=DjangoJSONEncoder)
    special_conditions = models.TextField(_("special conditions"), blank=True)
    reason = models.TextField(_("reason"))
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant version")
        verbose_name_plural = _("grant versions")
        ordering = ["grant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="grant_version_unique"),
            # One draft at a time: two people preparing at once leave one draft.
            models.UniqueConstraint(
                fields=["grant"], condition=models.Q(state="draft"), name="grant_one_draft"
            ),
        ]

    def __str__(self):
        return f"{self.grant} v{self.number}"
