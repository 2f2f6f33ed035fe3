"""Messages to people about the events of their dossiers, and how each person wants them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a message is about (`events.RULES` says which event makes which kind)."""

    RECEIPT = "receipt", _("submission receipt")
    SUBMITTED = "submitted", _("proposal submitted to your city")
    RETURNED = "returned", _("returned for correction")
    ADMISSIBILITY = "admissibility", _("admissibility")
    ASSIGNED = "assigned", _("assigned as expert")
    ROUND = "round", _("round waiting for your signature")
    DECISION = "decision", _("decision")
    REPORT = "report", _("progress report reviewed")
    CLAIM = "claim", _("expenditure claim verified")
    PAYMENT = "payment", _("payment made")
    DEADLINE = "deadline", _("deadline reminder")


# Kinds the rules require to reach the person by e-mail at once, whatever their preference.
REQUIRED = {Kind.RECEIPT, Kind.RETURNED, Kind.DECISION}


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("e-mail at once")
    DIGEST = "digest", _("daily digest")
    IN_APP = "in_app", _("on the site only")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Profile(models.Model):
    """A person's language for messages and the secret of their calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_profile"
    )
    language = models.CharField(
        _("language of messages"), max_length=8, choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )  # fmt: skip
    # Calendar clients cannot log in: the feed's address carries this secret; renewing it
    # makes the old address stop working.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        verbose_name = _("notification profile")
        verbose_name_plural = _("notification profiles")

    def __str__(self):
        return f"{self.user} ({self.language})"


class Preference(models.Model):
    """How one person receives one kind of message (no row: at once by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.delivery}"


class Mail(models.TextChoices):
    """Where the e-mail of a message stands."""

    NONE = "none", _("not e-mailed")
    PENDING = "pending", _("to send")
    DIGEST = "digest", _("waiting for the daily digest")
    SENT = "sent", _("sent")
    FAILED = "failed", _("not sent (gave up)")


class Notification(models.Model):
    """One message to one person, written in their language when the event happened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    # The event that made it. No database constraint: the audit trail guards itself (its hash
    # chain names a removed event), and a message must never stand in the way of that check.
    event = models.ForeignKey(
        "accounts.AuditEvent", models.DO_NOTHING, null=True, blank=True, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    # A reminder: "<deadline key>@<days before>", once per person (`gti deadlines remind`).
    reminder = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mail = models.CharField(_("e-mail"), max_length=10, choices=Mail, default=Mail.NONE)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["mail", "next_try_at"], name="notification_mail_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reminder"], condition=~models.Q(reminder=""),
                name="notification_reminder_once",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.user} {self.kind}: {self.subject}"
