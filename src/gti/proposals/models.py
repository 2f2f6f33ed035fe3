"""Calls for proposals, proposals (projectfiches), their screening and their assessment.

Objects change state only through `services.py`; each change there writes its audit event.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gti.proposals.procedure import Procedure
from gti.strategy.sdgs import goals_of
from gti.translation import Translated


def percent(fraction) -> Decimal:
    """A fraction as a percentage without trailing zeros, never in exponent form (80, not 8E+1)."""
    value = (Decimal(str(fraction)) * 100).normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


MONEY = {"max_digits": 14, "decimal_places": 2}


class Call(models.Model):
    """A call for proposals under one procedure of the programme, for one city or for all the
    programme's GTI cities (`city` empty), per specific objective or theme."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    programme = models.ForeignKey(
        "strategy.Programme", models.PROTECT, verbose_name=_("programme"), related_name="+"
    )
    city = models.ForeignKey(
        "strategy.City",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("city"),
        help_text=_("Empty: a call for every GTI city of the programme."),
    )
    strategy = models.ForeignKey(
        "strategy.Strategy",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("strategy version"),
        help_text=_("The city's strategy version for a call of one city."),
    )
    procedure = models.JSONField(_("procedure"))
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    preregistration_closes_at = models.DateTimeField(
        _("pre-registration closes at"), null=True, blank=True
    )
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    themes = models.ManyToManyField("strategy.Theme", verbose_name=_("admitted themes"))
    specific_objectives = models.ManyToManyField(
        "strategy.SpecificObjective", blank=True, verbose_name=_("specific objectives")
    )
    consensus_margin = models.DecimalField(
        _("consensus margin"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        help_text=_("Experts whose totals differ by more points (of 100) meet for consensus."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_at", "reference"]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @cached_property
    def rules(self) -> Procedure:
        """The procedure this call follows (a copy taken when the call was made)."""
        return Procedure.model_validate(self.procedure)

    @cached_property
    def cities(self) -> list:
        from gti.strategy.models import City

        if self.city_id:
            return [self.city]
        codes = self.programme.source.get("gti_cities", [])
        return list(City.objects.filter(code__in=codes).order_by("code"))

    @property
    def city_codes(self) -> str:
        return ", ".join(c.code for c in self.cities)


class CallEnvelope(models.Model):
    """The ERDF the call can give to proposals of one priority."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="envelopes")
    priority = models.ForeignKey("strategy.Priority", models.PROTECT, verbose_name=_("priority"))
    amount = models.DecimalField(_("ERDF amount"), **MONEY)

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        ordering = ["call", "priority__position"]
        constraints = [
            models.UniqueConstraint(fields=["call", "priority"], name="call_envelope_unique")
        ]


class Criterion(models.Model):
    call = models.ForeignKey(Call, models.CASCADE, related_name="criteria")
    block = models.SlugField(_("assessment block"), max_length=40, default="")
    code = models.SlugField(_("code"), max_length=40)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("maximum score"))
    position = models.PositiveSmallIntegerField(default=0)

    name = Translated("name")

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["call", "position"]
        constraints = [models.UniqueConstraint(fields=["call", "code"], name="criterion_unique")]

    def __str__(self):
        return self.name


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way pages and the API list proposals: what this person may see."""
        from gti.accounts import permissions
        from gti.accounts.models import Role

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        q = models.Q(applicant=user)
        for role in (
            Role.SECRETARIAT,
            Role.STEERING_COMMITTEE,
            Role.MANAGING_AUTHORITY,
            Role.AUDITOR,
        ):
            city_ids = permissions.cities(user, role)
            not_draft = ~models.Q(state=Proposal.State.DRAFT)
            if city_ids is None:
                q |= not_draft
            elif city_ids:
                q |= not_draft & models.Q(city_id__in=city_ids)
        return self.filter(q | revealed_to(user)).distinct()


def revealed_to(user) -> models.Q:
    """The one home of the expert's rule: an expert sees a proposal only while assigned to it
    and after declaring no conflict of interest (the declaration comes before the content)."""
    return models.Q(
        assignments__assessor=user,
        assignments__active=True,
        assignments__declared_at__isnull=False,
    )


class Proposal(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        IN_SCREENING = "in_screening", _("admissibility check")
        ADMISSIBLE = "admissible", _("admissible")
        INADMISSIBLE = "inadmissible", _("inadmissible")
        IN_ASSESSMENT = "in_assessment", _("in assessment")
        ASSESSED = "assessed", _("assessed")
        VALIDATED = "validated", _("validated by the steering committee")
        NOT_VALIDATED = "not_validated", _("not validated by the steering committee")
        APPROVED = "approved", _("approved")
        RESERVE = "reserve", _("reserve")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class CityRole(models.TextChoices):
        INITIATOR = "initiator", _("initiator")
        STEERING = "regierol", _("steering role (regierol)")
        PARTNER = "partner", _("partner")

    call = models.ForeignKey(Call, models.PROTECT, related_name="proposals")
    city = models.ForeignKey(
        "strategy.City", models.PROTECT, related_name="proposals", verbose_name=_("city")
    )
    strategy = models.ForeignKey(
        "strategy.Strategy",
        models.PROTECT,
        related_name="proposals",
        verbose_name=_("strategy version"),
        help_text=_("The version in force when the proposal was made or last submitted."),
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="proposals"
    )
    promoter = models.CharField(_("promoter organisation"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    city_role = models.CharField(_("role of the city"), max_length=20, choices=CityRole)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True)
    theme = models.ForeignKey(
        "strategy.Theme", models.PROTECT, null=True, blank=True, verbose_name=_("theme")
    )
    specific_objective = models.ForeignKey(
        "strategy.SpecificObjective",
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("specific objective"),
    )
    # numbers of the Sustainable Development Goals (1-17, `strategy.sdgs`) the project serves
    # beyond those of its theme
    sdgs = models.JSONField(_("own sustainable development goals"), default=list, blank=True)
    areas = models.ManyToManyField("strategy.Area", blank=True, verbose_name=_("areas"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    erdf_requested = models.DecimalField(_("ERDF requested"), default=0, **MONEY)
    erdf_rate = models.DecimalField(
        _("ERDF rate"), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    research_infrastructure = models.BooleanField(
        _("pure research infrastructure"),
        default=False,
        help_text=_("Out of scope of the GTI (strategy, section 4.1)."),
    )
    state_aid = models.BooleanField(
        _("state aid"),
        default=False,
        help_text=_("The support is state aid (then simplified cost options are not required)."),
    )
    whole_city = models.BooleanField(
        _("whole city"),
        default=False,
        help_text=_("The project covers the city's whole territory instead of chosen areas."),
    )
    urban_angle = models.TextField(_("urban angle"), blank=True)
    additionality = models.TextField(_("additionality"), blank=True)
    policy_references = models.ManyToManyField(
        "strategy.PolicyReference", blank=True, verbose_name=_("policy references")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    screening_reasons = models.JSONField(_("screening reasons"), default=list, blank=True)
    consolidated_score = models.DecimalField(
        _("consolidated score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    block_scores = models.JSONField(_("scores per block"), default=dict, blank=True)
    meets_minimums = models.BooleanField(_("meets the minimum scores"), null=True, blank=True)
    needs_consensus = models.BooleanField(_("consensus round needed"), default=False)
    erdf_granted = models.DecimalField(_("ERDF granted"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        # The public lists read the approved ones by reference. Their word search has its own
        # index on PostgreSQL only (migration 0007).
        indexes = [models.Index(fields=["state", "reference"], name="proposal_state_reference")]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def goals(self):
        """The Sustainable Development Goals the project adds to its theme's, in their order."""
        return goals_of(self.sdgs)

    def revealed_to(self, user) -> bool:
        return Proposal.objects.filter(revealed_to(user), pk=self.pk).exists()

    def assigned_to(self, user) -> bool:
        """An active assignment, declared or not (the expert may act on it: declare, score)."""
        return self.assignments.filter(assessor=user, active=True).exists()

    @property
    def total_cost(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines.all()), Decimal("0.00"))

    @property
    def eligible_cost(self) -> Decimal:
        return sum(
            (line.amount for line in self.budget_lines.all() if line.eligible), Decimal("0.00")
        )

    @property
    def co_financing_total(self) -> Decimal:
        return sum((c.amount for c in self.co_financing.all()), Decimal("0.00"))


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        STAFF = "staff", _("staff")
        WORKS = "works", _("works and investment")
        SERVICES = "services", _("external services")
        EQUIPMENT = "equipment", _("equipment")
        OTHER = "other", _("other")

    class CostOption(models.TextChoices):
        # CPR art. 53(1): real costs, unit costs, lump sums or flat-rate financing.
        REAL = "real", _("real cost")
        FLAT_RATE = "flat_rate", _("flat rate")
        UNIT_COST = "unit_cost", _("unit cost")
        LUMP_SUM = "lump_sum", _("lump sum")

    class FlatRateBase(models.TextChoices):
        # CPR art. 54: a flat rate of the direct costs or of the direct staff costs.
        DIRECT = "direct", _("direct costs")
        STAFF = "staff", _("direct staff costs")

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("cost category"), max_length=20, choices=Category)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    eligible = models.BooleanField(_("eligible"), default=True)
    cost_option = models.CharField(
        _("cost option"), max_length=20, choices=CostOption, default=CostOption.REAL
    )
    units = models.DecimalField(
        _("number of units"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_rate = models.DecimalField(_("rate per unit"), null=True, blank=True, **MONEY)
    flat_rate = models.DecimalField(
        _("flat rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    flat_rate_base = models.CharField(
        _("flat rate of"), max_length=20, choices=FlatRateBase, blank=True
    )

    class Meta:
        ordering = ["proposal", "id"]

    @property
    def flat_rate_percent(self) -> Decimal | None:
        return None if self.flat_rate is None else percent(self.flat_rate)


class Partner(models.Model):
    """An organisation carrying out the project; the first (position 0) is the promoter."""

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=20,
        blank=True,
        help_text=_("Belgian KBO/BCE number 0123.456.789; optional for partners abroad."),
    )
    legal_personality = models.BooleanField(_("has legal personality"), default=True)
    share = models.DecimalField(_("share of the budget"), max_digits=5, decimal_places=4)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["proposal", "position"]

    def __str__(self):
        return self.name

    @property
    def share_percent(self) -> Decimal:
        return percent(self.share)

    @property
    def is_lead(self) -> bool:
        return self.position == 0


class CoFinancing(models.Model):
    class Source(models.TextChoices):
        CITY = "city", _("city")
        PARTNERS = "partners", _("partners")
        FLEMISH = "flemish_government", _("Flemish government")
        OTHER = "other", _("other")

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="co_financing")
    source = models.CharField(_("source"), max_length=30, choices=Source)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "source"], name="co_financing_unique")
        ]


class IndicatorTarget(models.Model):
    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="indicator_targets")
    indicator = models.ForeignKey("strategy.Indicator", models.PROTECT)
    baseline = models.DecimalField(_("reference value"), max_digits=16, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["proposal", "indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "indicator"], name="indicator_target_unique"
            )
        ]


class PrincipleJustification(models.Model):
    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="justifications")
    principle = models.ForeignKey("strategy.Principle", models.PROTECT)
    text = models.TextField(_("justification"))

    class Meta:
        ordering = ["proposal", "principle__position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "principle"], name="justification_unique")
        ]


class ScreeningCheck(models.Model):
    """One verdict of the admissibility check (*ontvankelijkheid*): an item of the call's procedure
    (`item` is its code) or, where the procedure checks them, a principle of the city's strategy
    (`item` is "principle:" and its code)."""

    class Result(models.TextChoices):
        PASS = "pass", _("met")
        FAIL = "fail", _("not met")
        NOT_APPLICABLE = "n/a", _("not applicable")

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="screening_checks")
    item = models.CharField(_("item"), max_length=80)
    result = models.CharField(_("result"), max_length=10, choices=Result)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "item"], name="screening_check_item")
        ]


class Assignment(models.Model):
    """An assessor's task on one proposal. A declared conflict of interest ends it."""

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assignments"
    )
    active = models.BooleanField(default=True)
    declared_at = models.DateTimeField(_("no conflict declared at"), null=True, blank=True)
    conflict_declared = models.BooleanField(_("conflict of interest declared"), default=False)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "id"]

    def __str__(self):
        return f"{self.proposal.reference} / {self.assessor}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.PROTECT)
    score = models.PositiveSmallIntegerField(_("score"))
    justification = models.TextField(_("justification"))

    class Meta:
        ordering = ["assignment", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique")
        ]


class PreRegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Their own for applicants; those of their cities for the city's and the programme's
        bodies."""
        from gti.accounts import permissions
        from gti.accounts.models import Role

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        q = models.Q(applicant=user)
        for role in (Role.SECRETARIAT, Role.MANAGING_AUTHORITY, Role.AUDITOR):
            city_ids = permissions.cities(user, role)
            if city_ids is None:
                return self
            if city_ids:
                q |= models.Q(city_id__in=city_ids)
        return self.filter(q)


class PreRegistration(models.Model):
    """The short first step of a two-step call (*vooraanmelding*): the idea, the promoter and its
    partners, the theme and objective, an indicative budget. The managing authority and the city
    give advice; the full proposal is then opened from it with its data carried over."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ADVISED = "advised", _("advice given")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Advice(models.TextChoices):
        GO = "go", _("go: submit the full proposal")
        ADJUST = "adjust", _("adjust, then submit")
        NO_FIT = "no_fit", _("does not fit the call")

    call = models.ForeignKey(Call, models.PROTECT, related_name="preregistrations")
    city = models.ForeignKey("strategy.City", models.PROTECT, verbose_name=_("city"))
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="preregistrations"
    )
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.SUBMITTED)
    promoter = models.CharField(_("promoter organisation"), max_length=200)
    partners = models.TextField(_("partners"), blank=True)
    title = models.CharField(_("title"), max_length=200)
    idea = models.TextField(_("project idea"))
    theme = models.ForeignKey("strategy.Theme", models.PROTECT, verbose_name=_("theme"))
    specific_objective = models.ForeignKey(
        "strategy.SpecificObjective", models.PROTECT, verbose_name=_("specific objective")
    )
    total_cost = models.DecimalField(_("indicative total cost"), **MONEY)
    erdf_requested = models.DecimalField(_("indicative ERDF"), **MONEY)
    advice = models.CharField(_("advice"), max_length=20, choices=Advice, blank=True)
    proposal = models.OneToOneField(
        Proposal, models.SET_NULL, null=True, blank=True, related_name="preregistration"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = PreRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("pre-registration")
        verbose_name_plural = _("pre-registrations")
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.reference} {self.title}"


class PreRegistrationFeedback(models.Model):
    """Advice on a pre-registration, by the managing authority or by the city's secretariat."""

    preregistration = models.ForeignKey(PreRegistration, models.CASCADE, related_name="feedback")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    role = models.CharField(_("as"), max_length=30)
    advice = models.CharField(_("advice"), max_length=20, choices=PreRegistration.Advice)
    remarks = models.TextField(_("remarks"))
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["preregistration", "given_at"]
