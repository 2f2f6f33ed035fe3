"""How residents and stakeholders are involved (GTI strategy, section 5): the participation
moments the cities hold in their own channels, and the public consultation on a call.

Rows change only through `services.py`; each change there writes its audit event. No personal
data of a resident is kept: an e-mail address only as a keyed hash, a letter code only as a hash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """The cities' own channels (strategy, section 5): Antwerp's mix of online and offline
    instruments, Ghent's participation platform and neighbourhood budget."""

    ONLINE_SURVEY = "online_survey", _("online survey")
    SOUNDING_BOARD = "sounding_board", _("sounding board (klankbordgroep)")
    DIGITAL_FORUM = "digital_forum", _("digital forum")
    INFO_STAND = "info_stand", _("information stand on location")
    HEARING = "hearing", _("hearing with panel and public")
    PLATFORM = "platform", _("participation platform")
    NEIGHBOURHOOD_BUDGET = "wijkbudget", _("neighbourhood budget (wijkbudget)")
    OTHER = "other", _("other")


class TargetGroup(models.TextChoices):
    """Who was addressed: Antwerp's four B's, Ghent's partners (strategy, section 5)."""

    RESIDENTS = "residents", _("residents")
    BUSINESSES = "businesses", _("businesses")
    VISITORS = "visitors", _("visitors and passers-by")
    STUDENTS = "students", _("students and academics")
    CIVIL_SOCIETY = "civil_society", _("civil society")
    EVERYONE = "everyone", _("everyone")


class InvolvementMoment(models.Model):
    """A participation moment (*participatiemoment*) held about a call or a proposal: what was
    asked, of whom, what came out and how participants were told what was done with it."""

    city = models.ForeignKey("strategy.City", models.PROTECT, verbose_name=_("city"))
    call = models.ForeignKey(
        "proposals.Call", models.CASCADE, null=True, blank=True, related_name="involvement"
    )
    proposal = models.ForeignKey(
        "proposals.Proposal", models.CASCADE, null=True, blank=True, related_name="involvement"
    )
    held_on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=30, choices=Channel)
    channel_other = models.CharField(_("other channel"), max_length=200, blank=True)
    target_group = models.CharField(_("target group"), max_length=30, choices=TargetGroup)
    participants = models.PositiveIntegerField(_("number of participants"))
    question = models.TextField(_("what was asked"))
    outcome = models.TextField(_("what came out"))
    feedback_on = models.DateField(_("feedback given on"), null=True, blank=True)
    feedback_how = models.TextField(_("how participants were told"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("participation moment")
        verbose_name_plural = _("participation moments")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(call__isnull=True) ^ Q(proposal__isnull=True),
                name="involvement_call_or_proposal",
            )
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_channel_display()}"

    @property
    def channel_label(self) -> str:
        if self.channel == Channel.OTHER and self.channel_other:
            return f"{self.get_channel_display()}: {self.channel_other}"
        return self.get_channel_display()

    @property
    def feedback_given(self) -> bool:
        return self.feedback_on is not None


class Consultation(models.Model):
    """The public consultation on a call: while it is open, residents support and comment on
    the call's proposals in the consulted states (`services.CONSULTED_STATES`)."""

    call = models.OneToOneField("proposals.Call", models.CASCADE, related_name="consultation")
    opens_at = models.DateTimeField(_("consultation opens at"))
    closes_at = models.DateTimeField(_("consultation closes at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self):
        return f"{self.call.reference}"


class Resident(models.Model):
    """One voice in one consultation. `key` is the keyed hash of the verified e-mail address or
    the hash of the letter code used: enough to know the same person comes back, never who."""

    class Via(models.TextChoices):
        EMAIL = "email", _("verified e-mail")
        LETTER = "letter", _("code from a letter")

    consultation = models.ForeignKey(Consultation, models.CASCADE, related_name="residents")
    key = models.CharField(max_length=64)
    via = models.CharField(max_length=10, choices=Via)
    pseudonym = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "key"], name="resident_one_voice")
        ]

    def __str__(self):
        return f"{_('Resident')} {self.pseudonym}"


class LetterCode(models.Model):
    """A one-time code printed on a letter: only its hash is kept; used once."""

    consultation = models.ForeignKey(Consultation, models.CASCADE, related_name="letter_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.consultation} #{self.pk}"


class EmailVerification(models.Model):
    """A link sent to an address: the token's hash and the address's keyed hash, nothing more."""

    consultation = models.ForeignKey(Consultation, models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    email_key = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.consultation} #{self.pk}"


class Support(models.Model):
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="supports")
    proposal = models.ForeignKey("proposals.Proposal", models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident", "proposal"], name="support_once")
        ]

    def __str__(self):
        return f"{self.resident} → {self.proposal_id}"


class Comment(models.Model):
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="comments")
    proposal = models.ForeignKey(
        "proposals.Proposal", models.CASCADE, related_name="resident_comments"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.resident}: {self.text[:40]}"
