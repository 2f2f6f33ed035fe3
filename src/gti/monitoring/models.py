"""Grants: the conditions of an approved operation (CPR art. 73(3)) as versions.

A grant is opened once per approved proposal; its conditions live in `GrantVersion` rows. Version
1 is made from the decision; an amendment is a new version with its reason. A version is prepared
as a draft and takes force when a second person of the managing authority approves it; the
history stays as it was. Objects change only through `services.py`, each change with its audit
event.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class GrantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The grants of the proposals this person may see (the proposals' own rule), for the
        roles that read grants: an expert who assessed a proposal sees the proposal, not how
        the operation runs."""
        from gti.accounts import permissions
        from gti.proposals.models import Proposal

        if not permissions.roles(user) & permissions.ACTIONS["grant.view"]:
            return self.none()
        return self.filter(proposal__in=Proposal.objects.visible_to(user))


class Grant(models.Model):
    """The grant of one approved proposal; its conditions are its versions. The managing
    authority closes it once the project is done (`obligations.close_grant`)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    proposal = models.OneToOneField(
        "proposals.Proposal", models.PROTECT, related_name="grant", verbose_name=_("proposal")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("closed by"),
    )  # fmt: skip
    closure_reason = models.TextField(_("reason for closing"), blank=True)

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

    def partners(self) -> list[str]:
        """The partners of the budget per partner in the proposal's order (the lead partner
        first), others after by name: PostgreSQL keeps the keys of a JSON object in an order
        of its own."""
        order = {n: i for i, n in enumerate(self.grant.proposal.partners.order_by("position")
                                            .values_list("name", flat=True))}  # fmt: skip
        return sorted(self.partner_budget, key=lambda n: (order.get(n, len(order)), n))

    def partner_rows(self) -> list[tuple[str, str]]:
        return [(name, self.partner_budget[name]) for name in self.partners()]


# --- expenditure claims, their verification and payment ----------------------------------------


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The claims of the grants this person may see; an applicant's drafts are their own."""
        seen = self.filter(grant__in=Grant.objects.visible_to(user))
        return seen.exclude(models.Q(state="draft") & ~models.Q(grant__proposal__applicant=user))


class Claim(models.Model):
    """An expenditure claim of the beneficiary (*betalingsaanvraag*): costs declared per line,
    checked against the grant version in force on the day it is submitted, verified line by line
    by the managing authority (CPR art. 74) and paid once."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        VERIFIED = "verified", _("verified")
        PAID = "paid", _("paid")

    grant = models.ForeignKey(Grant, models.PROTECT, related_name="claims")
    number = models.PositiveIntegerField(_("number"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    version = models.ForeignKey(
        GrantVersion, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("grant version checked against"),
    )  # fmt: skip
    declared = models.DecimalField(_("declared"), null=True, blank=True, **MONEY)
    # The sample for on-the-spot checks: how it was drawn, so that anyone can draw it again.
    SAMPLE_METHODS = {"monetary-unit": _("monetary unit sampling")}
    sample_method = models.CharField(_("sampling method"), max_length=40, blank=True)
    sample_seed = models.BigIntegerField(_("sampling seed"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    accepted = models.DecimalField(_("accepted eligible cost"), null=True, blank=True, **MONEY)
    erdf_payable = models.DecimalField(_("ERDF payable"), null=True, blank=True, **MONEY)
    payable_per_category = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    capped = models.JSONField(_("caps applied"), default=list)
    payment_application = models.ForeignKey(
        "PaymentApplication", models.PROTECT, null=True, blank=True, related_name="claims",
        verbose_name=_("payment application"),
    )  # fmt: skip
    # The beneficiary's last claim: its payment is the final payment (CPR art. 65).
    final = models.BooleanField(_("final claim"), default=False)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("expenditure claim")
        verbose_name_plural = _("expenditure claims")
        ordering = ["grant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="claim_number_unique"),
            models.UniqueConstraint(
                fields=["grant"], condition=models.Q(final=True), name="claim_one_final"
            ),
        ]

    def __str__(self):
        return f"{self.grant} #{self.number}"

    @property
    def proposal(self):
        return self.grant.proposal

    @property
    def sample_method_label(self):
        return self.SAMPLE_METHODS.get(self.sample_method, self.sample_method)


class PlannedClaim(models.Model):
    """A claim the beneficiary plans to submit: the expected date and the eligible cost it will
    declare. The plan is the list of coming claims, kept by the beneficiary (`claims.save_plan`);
    a claim once declared leaves it. `erdf` is what the plan expects of it (`money.expected_erdf`,
    kept current by `claims.replan`): the dashboard's N+3 forecast adds it up."""

    grant = models.ForeignKey(Grant, models.CASCADE, related_name="planned_claims")
    expected_on = models.DateField(_("expected submission"))
    amount = models.DecimalField(_("eligible amount"), **MONEY)
    erdf = models.DecimalField(_("ERDF expected"), **MONEY)

    class Meta:
        verbose_name = _("planned claim")
        verbose_name_plural = _("planned claims")
        ordering = ["grant", "expected_on", "pk"]

    def __str__(self):
        return f"{self.grant} {self.expected_on}"


class ClaimLine(models.Model):
    """One cost declared: real cost on an invoice, units × a rate, a lump sum on its deliverable,
    or a flat rate of other lines (CPR art. 53-54); and what verification kept of it."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", _("accepted")
        REDUCE = "reduce", _("reduced")
        REJECT = "reject", _("rejected")

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="lines")
    grant = models.ForeignKey(Grant, models.PROTECT, related_name="+")  # for the invoice rule
    position = models.PositiveIntegerField()
    category = models.CharField(_("cost category"), max_length=20)
    partner = models.CharField(_("partner"), max_length=200)
    invoice = models.CharField(_("invoice reference"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    description = models.CharField(_("what it pays for"), max_length=300, blank=True)
    cost_option = models.CharField(_("cost option"), max_length=20, default="real")
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    units = models.DecimalField(_("units"), max_digits=14, decimal_places=2, null=True)
    unit_rate = models.DecimalField(_("rate per unit"), null=True, **MONEY)
    delivered = models.BooleanField(_("deliverable delivered"), default=False)
    flat_rate = models.DecimalField(_("flat rate"), max_digits=5, decimal_places=4, null=True)
    flat_rate_base = models.CharField(_("flat rate of"), max_length=20, blank=True)
    declared = models.DecimalField(_("declared"), null=True, **MONEY)
    # Set when the claim is submitted: an invoice of a partner is claimed once per grant.
    # NULL (not "") for lines without an invoice: NULLs never collide in a unique constraint.
    invoice_key = models.CharField(max_length=100, null=True, editable=False)  # noqa: DJ001
    on_the_spot = models.BooleanField(_("in the on-the-spot sample"), default=False)
    outcome = models.CharField(_("verification"), max_length=10, choices=Outcome, blank=True)
    kept = models.DecimalField(_("accepted"), null=True, **MONEY)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="claim_line_unique"),
            models.UniqueConstraint(
                fields=["grant", "partner", "invoice_key"], name="claim_invoice_once"
            ),
        ]


class Payment(models.Model):
    """The ERDF paid on a verified claim: once per claim, never above the grant."""

    claim = models.OneToOneField(Claim, models.PROTECT, related_name="payment")
    grant = models.ForeignKey(Grant, models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("ERDF paid"), **MONEY)
    per_category = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "pk"]


class PaymentApplication(models.Model):
    """A payment application to the Commission: the expenditure verified in one accounting year
    (1 July – 30 June), for one city and priority. Prepared by one person of the managing
    authority, submitted by a second."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    city = models.ForeignKey("strategy.City", models.PROTECT, related_name="+")
    priority = models.ForeignKey("strategy.Priority", models.PROTECT, related_name="+")
    accounting_year = models.PositiveIntegerField(
        _("accounting year"), help_text=_("The year it starts: 2025 is 1 July 2025 – 30 June 2026.")
    )
    number = models.PositiveIntegerField(_("number"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    eligible = models.DecimalField(_("eligible expenditure"), **MONEY)
    erdf = models.DecimalField(_("ERDF"), **MONEY)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment application")
        verbose_name_plural = _("payment applications")
        ordering = ["accounting_year", "city", "priority", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "priority", "accounting_year", "number"],
                name="payment_application_unique",
            )
        ]

    def __str__(self):
        return f"{self.city.code} {self.priority.code} {self.accounting_year}/{self.number}"


# --- progress reports ------------------------------------------------------------------------


class ProgressReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports of the grants this person may see."""
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
    # The final report of the project: accepted, it is one of the conditions of closing.
    final = models.BooleanField(_("final report"), default=False)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["grant", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "period_start"], name="report_period_unique"),
            models.UniqueConstraint(
                fields=["grant"], condition=models.Q(final=True), name="report_one_final"
            ),
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


class StoredFile(models.Model):
    """An uploaded file kept under a random name (`file`), with the person's own name, its size
    and SHA-256 as data. `take` fills it from an upload; `replace` saves it instead of another."""

    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def take(self, upload, by) -> str:
        """Store the upload under the row's random path (the row is not saved) and return that
        path, for the caller to remove should the change not hold."""
        self.name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        self.size, self.sha256, self.uploaded_by = upload.size, digest.hexdigest(), by
        self.file.save(self.name, upload, save=False)
        return self.file.name

    def replace(self, old: StoredFile | None) -> None:
        """Save this row instead of `old`; the old file goes once the change holds."""
        if old is not None:
            old.delete()
            transaction.on_commit(lambda name=old.file.name: default_storage.delete(name))
        self.save()


def _evidence_path(instance, filename):
    """A random name: the person's file name is kept as data, never used as a path."""
    return f"evidence/{uuid.uuid4().hex}"


class Evidence(StoredFile):
    """The file that backs an indicator value of a report (one per indicator; a new upload
    replaces it). Read only through the report's permission check."""

    report = models.ForeignKey(ProgressReport, models.PROTECT, related_name="evidence")
    code = models.CharField(_("indicator"), max_length=30)
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=200)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["report", "code"]
        constraints = [models.UniqueConstraint(fields=["report", "code"], name="evidence_unique")]

    def __str__(self):
        return f"{self.report} {self.code}: {self.name}"


# --- obligations after selection -------------------------------------------------------------


def _communication_path(instance, filename):
    """A random name, as for `Evidence`."""
    return f"communication/{uuid.uuid4().hex}"


class CommunicationItem(StoredFile):
    """One communication duty of the beneficiary (CPR art. 50(1)) as done, with the file that
    shows it (a photo of the plaque, a screenshot of the website). Which duties apply is
    `obligations.checklist`; a row exists once the beneficiary marks one done (no row:
    open). Read only
    through the grant's permission check."""

    class Kind(models.TextChoices):
        WEBSITE = "website", _("mention on the website and social media")
        PLAQUE = "plaque", _("durable plaque or billboard")
        POSTER = "poster", _("poster (A3) or electronic display")

    grant = models.ForeignKey(Grant, models.PROTECT, related_name="communication")
    kind = models.CharField(_("duty"), max_length=20, choices=Kind)
    done_on = models.DateField(_("done on"))
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to=_communication_path, max_length=200)

    class Meta:
        verbose_name = _("communication duty")
        verbose_name_plural = _("communication duties")
        ordering = ["grant", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind"], name="communication_item_unique")
        ]

    def __str__(self):
        return f"{self.grant} {self.get_kind_display()}"

    @property
    def proposal(self):
        return self.grant.proposal


# --- background jobs -------------------------------------------------------------------------


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own jobs; the managing authority sees every job (it reads the whole
        programme, so no export holds more than it may see)."""
        from gti.accounts import permissions
        from gti.accounts.models import Role

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if permissions.cities(user, Role.MANAGING_AUTHORITY) is None:
            return self
        return self.filter(requested_by=user)


def _job_path(instance, filename):
    """A random name, as for `Evidence`: the file is served only through the job's check."""
    return f"jobs/{uuid.uuid4().hex}"


class Job(models.Model):
    """Long work a person asked for (an Excel export, a report as PDF), run by the task worker:
    what the person sees of it, its progress and the file it made. The kinds and what runs
    them are `jobs.KINDS`."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=40)
    # Validated by the kind's schema before the job is made, and again when it runs.
    parameters = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    # The language of the person who asked: headings and messages are written in it.
    language = models.CharField(_("language"), max_length=10, default="nl")
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    file = models.FileField(_("file"), upload_to=_job_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the task worker's result
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def kind_label(self):
        from gti.monitoring.jobs import KINDS

        return KINDS[self.kind].label if self.kind in KINDS else self.kind

    @property
    def active(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
