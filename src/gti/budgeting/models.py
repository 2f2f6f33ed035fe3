"""A participatory budget of a city or one of its areas (Antwerp's district *burgerbudget*,
Ghent's *wijkbudget*): its round, the residents' ideas, who may vote and the ballots.

Identity and ballots are kept apart: a `Voter` row says that someone (a keyed hash of their code
or e-mail address) has voted, a `Ballot` row what was chosen, under a random id and with no
link to the voter; the voter keeps the ballot's secret token to change it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gti.strategy.models import Area, City, Theme


class BudgetRound(models.Model):
    class Phase(models.TextChoices):
        IDEAS = "ideas", _("ideas")
        REVIEW = "review", _("feasibility review")
        VOTING = "voting", _("voting")
        RESULTS = "results", _("results")

    class BallotKind(models.TextChoices):
        APPROVAL = "approval", _("approval: choose between a minimum and a maximum of projects")
        APPROVAL_BUDGET = "approval_budget", _("approval within the budget")
        CUMULATIVE = "cumulative", _("cumulative: share out points")

    class Completion(models.TextChoices):
        ADD1U = "add1u", _("raise the equal shares, then fill what remains (add1u)")
        ADD1 = "add1", _("raise the equal shares (add1)")
        UTILITARIAN = "utilitarian", _("fill what remains by votes (utilitarian)")
        NONE = "none", _("none")

    city = models.ForeignKey(City, models.PROTECT, related_name="budget_rounds")
    area = models.ForeignKey(
        Area, models.SET_NULL, null=True, blank=True, related_name="budget_rounds",
        help_text=_("A district or wijk budget; empty for the whole city."),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=200)
    budget = models.DecimalField(_("budget (EUR)"), max_digits=14, decimal_places=2)
    ballot_kind = models.CharField(_("ballot"), max_length=20, choices=BallotKind)
    min_projects = models.PositiveSmallIntegerField(_("minimum number of projects"), default=1)
    max_projects = models.PositiveSmallIntegerField(
        _("maximum number of projects"), null=True, blank=True
    )
    points_per_voter = models.PositiveSmallIntegerField(
        _("points per voter"), null=True, blank=True
    )
    max_points_per_project = models.PositiveSmallIntegerField(
        _("maximum points per project"), null=True, blank=True
    )
    completion = models.CharField(
        _("completion of equal shares"), max_length=20, choices=Completion, default=Completion.ADD1U
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=16)
    uses_voter_list = models.BooleanField(_("only voters on the list"), default=False)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase, default=Phase.IDEAS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participatory budget round")
        verbose_name_plural = _("participatory budget rounds")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def cumulative(self) -> bool:
        return self.ballot_kind == self.BallotKind.CUMULATIVE


class Idea(models.Model):
    round = models.ForeignKey(BudgetRound, models.CASCADE, related_name="ideas")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    estimated_cost = models.DecimalField(_("estimated cost (EUR)"), max_digits=14, decimal_places=2)
    area = models.ForeignKey(Area, models.SET_NULL, null=True, blank=True, related_name="+")
    theme = models.ForeignKey(Theme, models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # the city's feasibility review: None until reviewed
    feasible = models.BooleanField(_("feasible"), null=True, blank=True)
    final_cost = models.DecimalField(
        _("final cost (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["round", "pk"]

    def __str__(self):
        return self.title


class Voter(models.Model):
    """Someone who may vote (a code letter, the voter list) or has signed in by e-mail: only a
    keyed hash of the code or address, never the address itself."""

    class Kind(models.TextChoices):
        CODE = "code", _("code letter")
        EMAIL = "email", _("e-mail")

    round = models.ForeignKey(BudgetRound, models.CASCADE, related_name="voters")
    identity_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind)
    area = models.ForeignKey(Area, models.SET_NULL, null=True, blank=True, related_name="+")
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    listed = models.BooleanField(default=False)  # issued a code or on the imported list
    has_voted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(fields=["round", "identity_hash"], name="voter_once_per_round")
        ]


class Ballot(models.Model):
    """What one resident chose: no link to the `Voter`. `choices` maps idea ids (as text) to
    points (1 on an approval ballot). A paper ballot counts once a second official confirms it."""

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper")
        IMPORTED = "import", _("imported from a .pb file")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(BudgetRound, models.CASCADE, related_name="ballots")
    choices = models.JSONField(default=dict)
    token_hash = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.ONLINE)
    confirmed = models.BooleanField(default=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["round", "id"]
