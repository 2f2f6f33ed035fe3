"""Grants: the conditions of an approved operation (CPR art. 73(3)) as versions.

A grant is opened once per approved proposal; its conditions live in `GrantVersion` rows. Version
1 is made from the decision; an amendment is a new version with its reason. A version is prepared
as a draft and takes force when a second person of the managing authority approves it; the
history stays as it was. Objects change only through `services.py`, each change with its audit
event.
"""

import uuid

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


# --- progress reports ------------------------------------------------------------------------


class ProgressReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports of the grants this person may see, for the roles that read grants: an
        expert who assessed the proposal sees the proposal, not how the operation runs."""
        from gti.accounts import permissions

        if not permissions.roles(user) & permissions.ACTIONS["grant.view"]:
            return self.none()
        return self.filter(grant__in=Grant.objects.visible_to(user))


class ProgressReport(models.Model):
    """What the beneficiary reports for one period (a half-year by default): the narrative, the
    status of each milestone, the indicator values achieved so far (`IndicatorValue`) and the
    risks. The managing authority accepts it or returns it with remarks."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")

    class MilestoneStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        ON_TRACK = "on_track", _("on track")
        DELAYED = "delayed", _("delayed")
        DONE = "done", _("done")

    grant = models.ForeignKey(Grant, models.PROTECT, related_name="reports")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    narrative = models.TextField(_("progress"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    # [{"title", "status": not_started|on_track|delayed|done, "note"}]
    milestones = models.JSONField(_("milestones"), default=list, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["grant", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "period_start"], name="report_period_unique")
        ]

    def __str__(self):
        return f"{self.grant} {self.period_start}–{self.period_end}"

    @property
    def proposal(self):
        """The proposal the report is about: its city and owner decide who may act on it."""
        return self.grant.proposal


class IndicatorValue(models.Model):
    """An indicator's value achieved by the end of the report's period (cumulative)."""

    report = models.ForeignKey(ProgressReport, models.CASCADE, related_name="values")
    code = models.CharField(_("indicator"), max_length=30)
    value = models.DecimalField(_("value achieved"), max_digits=16, decimal_places=2)
    reason = models.TextField(_("reason for a decrease"), blank=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="indicator_value_unique")
        ]

    def __str__(self):
        return f"{self.code}: {self.value}"


def _evidence_path(instance, filename):
    """A random name: the person's file name is kept as data, never used as a path."""
    return f"evidence/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """The file that backs an indicator value of a report (one per indicator; a new upload
    replaces it). Read only through the report's permission check."""

    report = models.ForeignKey(ProgressReport, models.PROTECT, related_name="evidence")
    code = models.CharField(_("indicator"), max_length=30)
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["report", "code"]
        constraints = [models.UniqueConstraint(fields=["report", "code"], name="evidence_unique")]

    def __str__(self):
        return f"{self.report} {self.code}: {self.name}"
