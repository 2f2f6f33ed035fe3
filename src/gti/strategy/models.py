"""The programme and the cities' GTI strategies, as loaded from `strategy/data/*.yaml`.

Each load of a changed file makes a new version; older versions stay, because calls and proposals
made under them keep pointing at what was in force then (GTI strategy, footnote 21: it may be
revised). `is_current` marks the version new work uses.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gti.strategy.sdgs import goals_of
from gti.translation import Translated


class CurrentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current version"), default=True)
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    source = models.JSONField(_("source data"))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    fund = models.CharField(_("fund"), max_length=20)
    period_start = models.PositiveSmallIntegerField(_("first year"))
    period_end = models.PositiveSmallIntegerField(_("last year"))
    eligibility_start = models.DateField(_("eligible from"))
    eligibility_end = models.DateField(_("eligible until"))
    max_eu_cofinancing_rate = models.DecimalField(
        _("maximum EU co-financing rate"), max_digits=5, decimal_places=4
    )
    urban_minimum_share = models.DecimalField(
        _("minimum share for urban development"), max_digits=5, decimal_places=4
    )
    gti_share = models.DecimalField(_("share for the GTI cities"), max_digits=5, decimal_places=4)

    name = Translated("name")
    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="programme_version_unique")
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"


class Priority(models.Model):
    programme = models.ForeignKey(Programme, models.CASCADE, related_name="priorities")
    code = models.CharField(_("code"), max_length=10)
    reference = models.CharField(_("programme reference"), max_length=20)
    title_nl = models.TextField(_("title (Dutch)"))
    title_en = models.TextField(_("title (English)"))
    short_title_nl = models.CharField(_("short title (Dutch)"), max_length=100, blank=True)
    short_title_en = models.CharField(_("short title (English)"), max_length=100, blank=True)
    share = models.DecimalField(_("budget share"), max_digits=5, decimal_places=4)
    position = models.PositiveSmallIntegerField(default=0)

    title = Translated("title")
    short_title = Translated("short_title")

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["programme", "position"]

    def __str__(self):
        return f"{self.code} ({self.reference})"

    @property
    def label(self) -> str:
        """How pages name a priority: "P1 Slimmer Vlaanderen"."""
        return f"{self.code} {self.short_title or self.title}"


class Indicator(models.Model):
    OUTPUT, RESULT = "output", "result"
    KINDS = [(OUTPUT, _("output")), (RESULT, _("result"))]

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=10)
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    unit_nl = models.CharField(_("unit (Dutch)"), max_length=100)
    unit_en = models.CharField(_("unit (English)"), max_length=100)
    name_nl = models.TextField(_("name (Dutch)"))
    name_en = models.TextField(_("name (English)"))
    territorial = models.BooleanField(
        _("territorial"),
        default=False,
        help_text=_("Indicator of integrated territorial strategies, open to every objective."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    name = Translated("name")
    unit = Translated("unit")

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["programme", "position"]

    def __str__(self):
        return f"{self.code} {self.name}"


class SpecificObjective(models.Model):
    priority = models.ForeignKey(Priority, models.CASCADE, related_name="specific_objectives")
    code = models.CharField(_("code"), max_length=10)
    title_nl = models.TextField(_("title (Dutch)"))
    title_en = models.TextField(_("title (English)"))
    indicators = models.ManyToManyField(Indicator, related_name="specific_objectives")
    position = models.PositiveSmallIntegerField(default=0)

    title = Translated("title")

    class Meta:
        verbose_name = _("specific objective")
        verbose_name_plural = _("specific objectives")
        ordering = ["priority__programme", "priority__position", "position"]

    def __str__(self):
        return self.code


class City(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    name = Translated("name")

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Strategy(models.Model):
    """One version of a city's strategy. The first load of a city is the strategy as adopted and
    applies at once; a changed file waits until a quorum of the city's steering committee signs
    its approval (GTI strategy, footnote 21: the steering group may adapt principles and themes).
    """

    class Status(models.TextChoices):
        AWAITING = "awaiting_approval", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REPLACED = "replaced", _("replaced before approval")

    city = models.ForeignKey(City, models.PROTECT, related_name="strategies")
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="strategies")
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current version"), default=True)
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    source = models.JSONField(_("source data"))
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    territory_nl = models.TextField(_("territory (Dutch)"))
    territory_en = models.TextField(_("territory (English)"))
    area_kind = models.CharField(_("kind of area"), max_length=20)
    attribution_nl = models.CharField(_("map attribution (Dutch)"), max_length=300)
    attribution_en = models.CharField(_("map attribution (English)"), max_length=300)
    status = models.CharField(_("approval"), max_length=20, choices=Status, default=Status.APPROVED)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    steering_committee_quorum = models.PositiveSmallIntegerField(
        _("steering-committee quorum"),
        default=2,
        help_text=_("Members of the city's steering committee who must sign a new version."),
    )
    changes = models.JSONField(_("differences from the version in force"), default=list, blank=True)

    title = Translated("title")
    territory = Translated("territory")
    attribution = Translated("attribution")
    objects = CurrentQuerySet.as_manager()

    class Meta:
        verbose_name = _("city strategy")
        verbose_name_plural = _("city strategies")
        ordering = ["city", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="strategy_version_unique")
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class AdmittedAreas(models.Manager):
    """Areas the strategy admits: the only ones a proposal, a form or a rule ever sees."""

    def get_queryset(self):
        return super().get_queryset().filter(admitted=True)


class Area(models.Model):
    strategy = models.ForeignKey(Strategy, models.CASCADE, related_name="areas")
    code = models.SlugField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20)
    boundary = models.JSONField(_("boundary (GeoJSON geometry, WGS84)"), null=True, blank=True)
    admitted = models.BooleanField(_("part of the GTI territory"), default=True)
    decision_nl = models.TextField(_("decision (Dutch)"), blank=True)
    decision_en = models.TextField(_("decision (English)"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    decision = Translated("decision")
    all_areas = models.Manager()
    # the default manager, so `strategy.areas` leaves out what the strategy does not admit
    objects = AdmittedAreas()

    class Meta:
        default_manager_name = "objects"
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["strategy", "position"]

    def __str__(self):
        return self.name


class Principle(models.Model):
    strategy = models.ForeignKey(Strategy, models.CASCADE, related_name="principles")
    code = models.CharField(_("code"), max_length=10)
    text_nl = models.TextField(_("text (Dutch)"))
    text_en = models.TextField(_("text (English)"))
    note_nl = models.TextField(_("note (Dutch)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    mandatory = models.BooleanField(
        _("mandatory"), help_text=_("Unticked for a principle the strategy marks 'bij voorkeur'.")
    )
    position = models.PositiveSmallIntegerField(default=0)

    text = Translated("text")
    note = Translated("note")

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["strategy", "position"]

    def __str__(self):
        return self.code


class Theme(models.Model):
    strategy = models.ForeignKey(Strategy, models.CASCADE, related_name="themes")
    code = models.SlugField(_("code"), max_length=64)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    specific_objectives = models.ManyToManyField(SpecificObjective, related_name="themes")
    # numbers of the UN Sustainable Development Goals the theme serves (`strategy.sdgs`)
    sdgs = models.JSONField(_("sustainable development goals"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    name = Translated("name")

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["strategy", "position"]

    def __str__(self):
        return self.name

    @property
    def goals(self):
        """The UN Sustainable Development Goals the theme serves, in their order."""
        return goals_of(self.sdgs)


class ExampleAction(models.Model):
    theme = models.ForeignKey(Theme, models.CASCADE, related_name="example_actions")
    group_nl = models.TextField(_("group (Dutch)"), blank=True)
    group_en = models.TextField(_("group (English)"), blank=True)
    text_nl = models.TextField(_("text (Dutch)"))
    text_en = models.TextField(_("text (English)"))
    position = models.PositiveSmallIntegerField(default=0)

    group = Translated("group")
    text = Translated("text")

    class Meta:
        verbose_name = _("example action")
        verbose_name_plural = _("example actions")
        ordering = ["theme", "position"]

    def __str__(self):
        return self.text[:80]


class PolicyReference(models.Model):
    strategy = models.ForeignKey(Strategy, models.CASCADE, related_name="policy_references")
    code = models.CharField(_("code"), max_length=100)
    kind = models.CharField(_("kind"), max_length=40)
    title_nl = models.TextField(_("title (Dutch)"))
    title_en = models.TextField(_("title (English)"))
    url = models.URLField(_("address"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    title = Translated("title")

    KIND_LABELS = {
        "coalition-agreement": _("coalition agreement"),
        "coalition-agreement-action": _("coalition-agreement action"),
        "policy-note": _("policy note"),
        "multi-year-plan": _("multi-year plan"),
        "plan": _("plan"),
    }

    class Meta:
        verbose_name = _("policy reference")
        verbose_name_plural = _("policy references")
        ordering = ["strategy", "position"]

    def __str__(self):
        return self.code

    @property
    def kind_label(self):
        return self.KIND_LABELS.get(self.kind, self.kind)


class StrategyApproval(models.Model):
    """One steering-committee member's signature under a strategy version awaiting approval."""

    strategy = models.ForeignKey(Strategy, models.PROTECT, related_name="approvals")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("strategy approval")
        verbose_name_plural = _("strategy approvals")
        ordering = ["strategy", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "member"], name="strategy_approval_once")
        ]

    def __str__(self):
        return f"{self.strategy} — {self.member}"


@dataclass(frozen=True)
class Figure:
    """A kind of figure an area (or its whole city) is described by: the needs analyses of the
    strategy (sections 3.1.2.1 and 3.2.2.1) speak in these terms."""

    code: str
    label_nl: str
    label_en: str
    unit_nl: str
    unit_en: str

    label = Translated("label")
    unit = Translated("unit")


# The fixed list a figures file may use; a new kind of figure is added here, with its unit.
FIGURES = {
    f.code: f
    for f in (
        Figure("population", "Inwoners", "Population", "inwoners", "inhabitants"),
        Figure("households", "Huishoudens", "Households", "huishoudens", "households"),
        Figure(
            "median_income",
            "Mediaan netto belastbaar inkomen per aangifte",
            "Median net taxable income per tax return",
            "euro per jaar",
            "euro a year",
        ),
        Figure(
            "average_income",
            "Gemiddeld inkomen per inwoner",
            "Average income per inhabitant",
            "euro per jaar",
            "euro a year",
        ),
        Figure(
            "green_walking_distance",
            "Inwoners met groen op wandelafstand",
            "Residents with green space within walking distance",
            "% van de inwoners",
            "% of residents",
        ),
        Figure(
            "park_walking_distance",
            "Inwoners met een wijkpark in de buurt",
            "Residents with a neighbourhood park nearby",
            "% van de inwoners",
            "% of residents",
        ),
        Figure(
            "unemployment_rate",
            "Werkzoekenden",
            "Unemployment rate",
            "% van de beroepsbevolking",
            "% of the labour force",
        ),
        Figure(
            "employment_rate",
            "Werkzaamheidsgraad",
            "Employment rate",
            "% van de inwoners op beroepsactieve leeftijd",
            "% of residents of working age",
        ),
        Figure(
            "sealed_surface",
            "Verharde oppervlakte",
            "Sealed surface",
            "% van de oppervlakte",
            "% of the surface",
        ),
    )
}


class AreaStatistic(models.Model):
    """One figure of an area in one year, or of the city as a whole when `area` is empty (the
    strategy's own analyses give city-wide figures; an area page sets its own beside them).

    Areas are rows of a strategy version: a figure belongs to the area it was imported for and is
    read back by the area's code, so a new version of the strategy keeps its figures."""

    city = models.ForeignKey(City, models.PROTECT, related_name="statistics")
    area = models.ForeignKey(Area, models.PROTECT, null=True, blank=True, related_name="statistics")
    figure = models.CharField(_("figure"), max_length=40)  # a code of FIGURES
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("area figure")
        verbose_name_plural = _("area figures")
        ordering = ["city", "area", "figure", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "figure", "year"],
                condition=models.Q(area__isnull=False),
                name="area_statistic_unique",
            ),
            models.UniqueConstraint(
                fields=["city", "figure", "year"],
                condition=models.Q(area__isnull=True),
                name="city_statistic_unique",
            ),
        ]

    def __str__(self):
        return f"{self.area or self.city} {self.figure} {self.year}"

    @property
    def kind(self) -> Figure:
        return FIGURES[self.figure]
