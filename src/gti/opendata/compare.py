"""The GTI's operations beside other regions' imported lists (`ExternalOperation`), by specific
objective and cost: how many, what they cost in all and on average, what the EU pays. The
objectives are compared as each list names them; lists that name them otherwise stand on rows
of their own."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from gti.opendata import operations
from gti.opendata.models import ExternalOperation

ZERO = Decimal("0.00")


@dataclass
class Group:
    """The operations of one list under one objective."""

    count: int = 0
    total: Decimal = ZERO
    eu: Decimal = ZERO

    @property
    def average(self) -> Decimal:
        return (self.total / self.count).quantize(Decimal("0.01")) if self.count else ZERO


@dataclass
class Comparison:
    lists: list[str]  # the GTI first, then each imported source
    rows: list[tuple[str, list[Group | None]]]  # an objective, a group per list (None: none)
    totals: list[Group]


def comparison() -> Comparison:
    gti = _("GTI Antwerp and Ghent")
    groups: dict[tuple[str, str], Group] = {}
    for o in operations.published():
        group = groups.setdefault((gti, o.specific_objective), Group())
        group.count += 1
        group.total += Decimal(o.total_cost_eur or "0")
        group.eu += Decimal(o.eu_contribution_eur or "0")
    external = (
        ExternalOperation.objects.values_list("source", "specific_objective")
        .annotate(n=Count("pk"), total=Sum("total_cost_eur"), eu=Sum("eu_contribution_eur"))
        .order_by("source", "specific_objective")
    )
    for source, objective, n, total, eu in external:
        groups[(source, objective)] = Group(n, total or ZERO, eu or ZERO)
    lists = [gti, *sorted({source for source, *_ in external})]
    objectives = sorted({objective for _, objective in groups})
    rows = [(obj, [groups.get((name, obj)) for name in lists]) for obj in objectives]
    totals = []
    for name in lists:
        mine = [g for (owner, _), g in groups.items() if owner == name]
        totals.append(Group(sum(g.count for g in mine), sum((g.total for g in mine), ZERO),
                            sum((g.eu for g in mine), ZERO)))  # fmt: skip
    return Comparison(lists, rows, totals)
