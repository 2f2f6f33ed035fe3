"""ERDF envelopes and what decisions commit to them; scenarios; steering-committee meetings."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class Envelope(models.Model):
    """ERDF a city can commit under one priority (optionally one theme) of a programme."""

    programme = models.ForeignKey("strategy.Programme", models.PROTECT)
    city = models.ForeignKey("strategy.City", models.PROTECT, verbose_name=_("city"))
    priority = models.ForeignKey("strategy.Priority", models.PROTECT, verbose_name=_("priority"))
    theme = models.CharField(_("theme"), max_length=64, blank=True, help_text=_("optional"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        ordering = ["city", "priority__position", "theme"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "city", "priority", "theme"], name="envelope_unique"
            )
        ]

    def __str__(self):
        theme = f" {self.theme}" if self.theme else ""
        return f"{self.city.code} {self.priority.code}{theme}"

    @property
    def label(self) -> str:
        """How pages name it: "Antwerpen · P1 Slimmer Vlaanderen" (· the theme's name)."""
        label = f"{self.city.name} · {self.priority.label}"
        if self.theme:
            from gti.strategy.models import Theme

            theme = (
                Theme.objects.filter(strategy__city=self.city_id, strategy__is_current=True,
                                     code=self.theme).first()
            )  # fmt: skip
            label += f" · {theme.name if theme else self.theme}"
        return label

    @property
    def key(self) -> str:
        return f"{self.city.code}-{self.priority.code}" + (f"-{self.theme}" if self.theme else "")

    @property
    def committed(self):
        from decimal import Decimal

        total = getattr(self, "committed_total", None)  # read with the list (envelopes_of_city)
        if total is None:
            active = self.commitments.filter(released_at=None)
            total = active.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        return Decimal(total).quantize(Decimal("0.01"))

    @property
    def remaining(self):
        return self.amount - self.committed


class Scenario(models.Model):
    """A selection run for a call: its settings, the instance given to the optimiser, the result."""

    call = models.ForeignKey("proposals.Call", models.CASCADE, related_name="scenarios")
    name = models.CharField(_("name"), max_length=120)
    options = models.JSONField(_("options"))
    # amounts are kept as decimal text (never float): DjangoJSONEncoder writes a Decimal as a string
    instance = models.JSONField(encoder=DjangoJSONEncoder)
    result = models.JSONField(encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="scenario_name")]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """A round in which a body makes decisions binding by the signatures of its members.

    Validation: the city's steering committee says per proposal whether it fits the city's GTI
    strategy. Decision: the body the procedure names (the managing authority, or in a city-led
    procedure the steering committee) approves, reserves or rejects. Either way the decisions are
    prepared first, then each member signs with a vote per proposal, declaring a conflict of
    interest where there is one; confirming needs `quorum` signers without a conflict per
    proposal, so no single login decides.
    """

    class Purpose(models.TextChoices):
        VALIDATION = "validation", _("strategic validation")
        DECISION = "decision", _("decision")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONFIRMED = "confirmed", _("confirmed")

    call = models.ForeignKey("proposals.Call", models.PROTECT, related_name="meetings")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose)
    body = models.CharField(_("body"), max_length=30)  # a Role value
    city = models.ForeignKey(
        "strategy.City", models.PROTECT, null=True, blank=True, verbose_name=_("city")
    )
    date = models.DateField(_("date"))
    quorum = models.PositiveSmallIntegerField(_("quorum"))
    scenario = models.ForeignKey(
        Scenario, models.SET_NULL, null=True, blank=True, verbose_name=_("scenario")
    )
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.call.reference} {self.get_purpose_display()} {self.date}"


class Decision(models.Model):
    class Outcome(models.TextChoices):
        FITS = "fits", _("fits the strategy")
        DOES_NOT_FIT = "does_not_fit", _("does not fit the strategy")
        APPROVED = "approved", _("approved")
        RESERVE = "reserve", _("reserve")
        REJECTED = "rejected", _("rejected")

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="decisions")
    proposal = models.ForeignKey("proposals.Proposal", models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    amount = models.DecimalField(_("ERDF amount"), null=True, blank=True, **MONEY)
    # A lower amount needs a revised financing plan: [{"source", "amount"}] as co-financing.
    co_financing = models.JSONField(_("revised co-financing"), default=list, blank=True)
    reserve_rank = models.PositiveSmallIntegerField(_("reserve rank"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "outcome", "reserve_rank", "proposal__reference"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "proposal"], name="decision_unique")
        ]


class Vote(models.Model):
    """One member's signed vote on one decision of a meeting."""

    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        CONFLICT = "conflict", _("abstains: conflict of interest")

    decision = models.ForeignKey(Decision, models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=Choice)
    note = models.TextField(_("note"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), auto_now=True)

    class Meta:
        ordering = ["decision", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["decision", "member"], name="vote_unique")]


class Commitment(models.Model):
    """ERDF a confirmed decision commits to an envelope; released when the project withdraws."""

    envelope = models.ForeignKey(Envelope, models.PROTECT, related_name="commitments")
    proposal = models.ForeignKey("proposals.Proposal", models.PROTECT, related_name="commitments")
    decision = models.ForeignKey(Decision, models.PROTECT, related_name="commitments")
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
