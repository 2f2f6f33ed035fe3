"""Other regions' lists of operations (CPR art. 49(3)), imported for comparison. They are kept
apart from the platform's own proposals and grants: nothing here is a project of the GTI, and
nothing of the platform reads them as such."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class ExternalOperation(models.Model):
    """One row of an imported list, with the columns of the list the platform publishes
    (`operations.Operation`), typed. `source` names the list (the file's name or the name the
    importer gave); importing a source again replaces its rows."""

    source = models.CharField(_("source"), max_length=200)
    imported_at = models.DateTimeField(_("imported at"))
    operation_id = models.CharField(_("operation id"), max_length=100)
    operation_name = models.TextField(_("operation name"))
    beneficiary = models.TextField(_("beneficiary"), blank=True)
    purpose_and_achievements = models.TextField(_("purpose and achievements"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    expected_end_date = models.DateField(_("expected end date"), null=True, blank=True)
    total_cost_eur = models.DecimalField(_("total cost (EUR)"), **MONEY)
    eligible_cost_eur = models.DecimalField(_("eligible cost (EUR)"), null=True, **MONEY)
    eu_contribution_eur = models.DecimalField(_("EU contribution (EUR)"), null=True, **MONEY)
    union_cofinancing_rate = models.DecimalField(
        _("Union co-financing rate"), max_digits=5, decimal_places=4, null=True
    )
    fund = models.CharField(_("fund"), max_length=50, blank=True)
    priority = models.TextField(_("priority"), blank=True)
    specific_objective = models.CharField(_("specific objective"), max_length=300, blank=True)
    category_of_intervention = models.TextField(_("category of intervention"), blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    theme = models.TextField(_("theme"), blank=True)
    location = models.TextField(_("location"), blank=True)
    location_postcode = models.CharField(_("location postcode"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2)
    last_updated = models.DateField(_("last updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("external operation")
        verbose_name_plural = _("external operations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "operation_id"], name="opendata_external_source_operation"
            )
        ]
        indexes = [
            models.Index(fields=["specific_objective"], name="opendata_ext_objective"),
            models.Index(fields=["country"], name="opendata_ext_country"),
        ]  # by source: the unique constraint's index, which starts with it

    def __str__(self):
        return f"{self.source}: {self.operation_id}"
