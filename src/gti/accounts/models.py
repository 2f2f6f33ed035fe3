"""Who may do what, per city, and the audit trail of every state change."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    SECRETARIAT = "secretariat", _("secretariat")
    ASSESSOR = "assessor", _("expert (Technical Working Group)")
    STEERING_COMMITTEE = "steering_committee", _("steering committee")
    MANAGING_AUTHORITY = "managing_authority", _("managing authority")
    AUDITOR = "auditor", _("auditor")


# Roles that work for the whole programme: their grant has no city.
PROGRAMME_ROLES = {Role.MANAGING_AUTHORITY, Role.AUDITOR}
# Roles held either for the whole programme or in one city (an expert may assess for both cities).
EITHER_SCOPE_ROLES = {Role.ASSESSOR}

# Roles that decide on money: they log in with a second factor (TOTP).
MONEY_ROLES = {Role.ASSESSOR, Role.STEERING_COMMITTEE, Role.MANAGING_AUTHORITY}


class RoleGrant(models.Model):
    """A role for one person in one city (or, for programme roles, everywhere)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    city = models.ForeignKey(
        "strategy.City", models.CASCADE, null=True, blank=True, verbose_name=_("city")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "city"], name="role_grant_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(city=None), name="role_grant_global"
            ),
        ]

    def __str__(self):
        where = self.city.code if self.city_id else "*"
        return f"{self.user} {self.role}@{where}"


class RoleRequest(models.Model):
    """A role asked for one person by another, waiting for a second person's decision."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_requests",
        verbose_name=_("for whom"),
    )  # fmt: skip
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    city = models.ForeignKey(
        "strategy.City", models.CASCADE, null=True, blank=True, verbose_name=_("city")
    )
    reason = models.TextField(_("why"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("why (decision)"), blank=True)

    class Meta:
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")
        ordering = ["requested_at", "id"]

    def __str__(self):
        where = self.city.code if self.city_id else "*"
        return f"{self.user} {self.role}@{where} ({self.state})"


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way the audit trail is read: auditors and the managing authority see every
        event; a secretariat sees its city's events, and those about a proposal only when it may
        see that proposal (drafts stay hidden); everyone else sees nothing."""
        from django.db.models.functions import Cast

        from gti.accounts import permissions
        from gti.proposals.models import Proposal
        from gti.strategy.models import City

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or any(
            permissions.cities(user, role) is None
            for role in (Role.AUDITOR, Role.MANAGING_AUTHORITY)
        ):
            return self
        city_ids = permissions.cities(user, Role.SECRETARIAT)
        if not city_ids:
            return self.none()
        visible = (
            Proposal.objects.visible_to(user)
            .annotate(key=Cast("pk", models.CharField()))
            .values("key")
        )
        return self.filter(city__in=City.objects.filter(pk__in=city_ids).values("code")).filter(
            ~models.Q(object_type="proposals.proposal") | models.Q(object_id__in=visible)
        )


class AuditEvent(models.Model):
    """One state change: who, when, what (before/after), why. Never updated, never deleted.

    Each event holds the hash of the one before it, so a changed or removed row breaks the chain
    and `gti audit verify` names it.
    """

    created_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, db_index=True)
    object_id = models.CharField(_("object"), max_length=40, db_index=True)
    object_label = models.CharField(_("object (label)"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True, db_index=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("why"), blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events are never deleted")

    def compute_hash(self) -> str:
        content = {
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "city": self.city,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "request_id": self.request_id,
            "previous_hash": self.previous_hash,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditHead(models.Model):
    """The hash of the newest event; locked while an event is appended, so the chain has no fork."""

    last_hash = models.CharField(max_length=64, default="0" * 64)


class ApiToken(models.Model):
    """A personal key for the API. Only its hash is kept; the key is shown once, when made.

    A key works until it expires or its owner (or an administrator) revokes it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
