"""The programme dashboard: the figures of `dashboard.py` for the proposals the person may see,
filtered by city, priority, specific objective and theme; every chart with its table and a CSV
download. Roles: the secretariat (its city), the steering committee, the managing authority and
auditors (`dashboard.view`)."""

from __future__ import annotations

import csv
import math
from decimal import Decimal

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.monitoring import annual, dashboard
from gti.proposals.models import Proposal
from gti.strategy import geo
from gti.strategy.models import (
    FIGURES,
    Area,
    City,
    Figure,
    Priority,
    Programme,
    SpecificObjective,
    Theme,
)

FILTERS = {  # the query's name → the proposals' field it filters
    "city": "city__code",
    "priority": "specific_objective__priority__code",
    "objective": "specific_objective__code",
    "theme": "theme__code",
}


def _filtered(request, programme):
    # Every version of the programme: a new version of its file does not empty the dashboard.
    proposals = Proposal.objects.visible_to(request.user).filter(
        call__programme__code=programme.code
    )
    chosen = {}
    for name, lookup in FILTERS.items():
        value = request.GET.get(name, "").strip()
        if value:
            proposals = proposals.filter(**{lookup: value})
            chosen[name] = value
    return proposals, chosen


def _tables(proposals, programme, cities) -> tuple[dict[str, list[dict]], int | None]:
    """The tables by name (each its CSV), and the N+3 application lag in days; the N+3 rows per
    city only of the `cities` (codes) the person reads."""
    n3 = dashboard.n3_figures(programme, timezone.localdate(), cities) or {}
    return {
        "pipeline": dashboard.pipeline(proposals),
        "money": dashboard.money_over_time(proposals),
        "balance": dashboard.balance(proposals, programme),
        "n3": n3.get("years", []),
        "n3_cities": n3.get("cities", []),
        "areas": dashboard.areas(proposals),
        "indicators": dashboard.indicators(proposals, programme),
        "sdgs": dashboard.sdgs(proposals),
        "sdg_results": dashboard.sdg_results(proposals),
    }, n3.get("lag_days")


def _csv(name: str, rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gti-{name}.csv"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response


def _of_target(row: dict, key: str):
    """The programme's milestone or target of an indicator on the chart's scale (a share of the
    projects' targets); None (no marker) where there is none or no project targets it."""
    value = row.get(key)
    if value is None or not row["target"]:
        return None
    return (value / row["target"]).quantize(Decimal("0.0001"))


def _figures(tables) -> dict[str, dict]:
    """Plotly figures (data and layout) for the charts; the page draws them with plotly.js."""
    layout = {"margin": {"t": 30, "r": 10, "b": 60, "l": 70}, "height": 320,
              "legend": {"orientation": "h"}, "separators": ".,"}  # fmt: skip
    pipeline, money, balance, n3, achieved = (
        tables[k] for k in ("pipeline", "money", "balance", "n3", "indicators")
    )
    return {
        "pipeline": {"data": [
            {"type": "bar", "name": _("ERDF requested"), "x": [r["label"] for r in pipeline],
             "y": [r["requested"] for r in pipeline]},
            {"type": "bar", "name": _("ERDF granted"), "x": [r["label"] for r in pipeline],
             "y": [r["granted"] for r in pipeline]},
        ], "layout": layout},
        "money": {"data": [
            {"type": "scatter", "mode": "lines+markers", "name": str(label),
             "x": [r["month"] for r in money], "y": [r[key] for r in money]}
            for key, label in (("committed", _("committed")), ("claimed", _("claimed")),
                               ("verified", _("verified")), ("paid", _("paid")))
        ], "layout": {**layout, "xaxis": {"type": "category"}}},
        "balance": {"data": [
            {"type": "bar", "name": _("share of ERDF granted"),
             "x": [r["priority"] for r in balance], "y": [r["share"] for r in balance]},
            {"type": "bar", "name": _("programme share"),
             "x": [r["priority"] for r in balance], "y": [r["target"] for r in balance]},
        ], "layout": {**layout, "yaxis": {"tickformat": ".0%"}}},
        "n3": {"data": [
            {"type": "bar", "name": _("target"), "x": [r["year"] for r in n3],
             "y": [r["target"] for r in n3]},
            {"type": "bar", "name": _("covered"), "x": [r["year"] for r in n3],
             "y": [r["covered"] for r in n3]},
            {"type": "bar", "name": _("forecast with planned claims"),
             "x": [r["year"] for r in n3], "y": [r["forecast"] for r in n3]},
        ], "layout": {**layout, "xaxis": {"type": "category"}}},
        "indicators": {"data": [
            {"type": "bar", "orientation": "h", "name": _("achieved, share of the target"),
             "y": [r["code"] for r in achieved], "x": [r["share"] for r in achieved]},
            *[{"type": "scatter", "mode": "markers", "name": str(label),
               "marker": {"symbol": symbol, "size": 12}, "y": [r["code"] for r in achieved],
               "x": [_of_target(r, key) for r in achieved]}
              for key, label, symbol in (
                  ("milestone_2024", _("programme milestone 2024"), "diamond"),
                  ("target_2029", _("programme target 2029"), "star"))],
        ], "layout": {**layout, "xaxis": {"tickformat": ".0%"}}},
    }  # fmt: skip


def _maps(area_rows, figure: Figure | None) -> list[dict]:
    """A map per city: its areas coloured by the ERDF granted there, or by a needs figure (its
    latest year), darker is more; a circle on each area with projects, larger with more."""
    areas = list(
        Area.objects.filter(strategy__is_current=True, boundary__isnull=False)
        .select_related("strategy__city").order_by("strategy__city__code", "position")
    )  # fmt: skip
    rows = {r["area"]: r for r in area_rows}
    if figure is None:
        value = {pk: (r["erdf"], None) for pk, r in rows.items()}
    else:
        needs = dashboard.area_figure(figure.code)
        value = {
            a.pk: needs[key] for a in areas if (key := (a.strategy.city.code, a.code)) in needs
        }
    top = max((v for v, _year in value.values()), default=0) or 1

    def shown(a, centre):
        amount, year = value.get(a.pk, (None, None))
        projects = rows.get(a.pk, {}).get("projects", 0)
        return {
            "name": a.name, "value": amount, "year": year, "projects": projects,
            "shade": round(0.06 + 0.9 * float((amount or 0) / top), 2),
            "x": centre[0], "y": centre[1],
            "radius": round(3 + 3 * math.sqrt(projects), 1) if projects else 0,
        }  # fmt: skip

    maps = []
    for city in dict.fromkeys(a.strategy.city for a in areas):
        boundaries = {a.pk: a.boundary for a in areas if a.strategy.city == city}
        view_box, _height, paths = geo.svg_paths(boundaries)
        centres = geo.svg_centres(boundaries)
        maps.append({"city": city, "view_box": view_box, "areas": [
            {**shown(a, centres[a.pk]), "path": paths[a.pk]}
            for a in areas if a.strategy.city == city
        ]})  # fmt: skip
    return maps


def _map_figure(request) -> Figure | None:
    """The needs figure the map is coloured by (`?map=`), None for the ERDF granted."""
    code = request.GET.get("map", "").strip()
    if code and code not in FIGURES:
        raise Http404
    return FIGURES.get(code)


# plotly.js writes the style rules of its charts into <style> elements of its own: allowed on
# this page only (scripts stay this site's only).
@csp_update({"style-src-elem": ["'self'", "'unsafe-inline'"]})
@login_required
def programme_dashboard(request):
    permissions.require(request.user, "dashboard.view")
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        raise Http404
    proposals, chosen = _filtered(request, programme)
    map_figure = _map_figure(request)
    # Per city, the N+3 rows of the cities whose figures the person reads (a city's secretariat
    # and steering committee: their own; the managing authority and auditors: all).
    cities = {c.code for c in annual.cities_for(request.user)}
    tables, lag_days = _tables(proposals, programme, cities)
    wanted = request.GET.get("csv")
    if wanted:
        if wanted not in tables:
            raise Http404
        return _csv(wanted, tables[wanted])
    return render(request, "monitoring/dashboard.html", {
        "tables": tables, "chosen": chosen, "lag_days": lag_days,
        "figures": _figures(tables),
        "maps": _maps(tables["areas"], map_figure),
        "map_figure": map_figure,
        "figures_of_areas": dashboard.figures_of_areas(),
        "cities": City.objects.order_by("code"),
        "priorities": Priority.objects.filter(programme=programme).order_by("position"),
        "objectives": SpecificObjective.objects.filter(priority__programme=programme),
        "themes": Theme.objects.filter(strategy__is_current=True).select_related("strategy__city"),
        "query": request.GET.urlencode(),
        "can_export": permissions.can(request.user, "export.excel"),
    })  # fmt: skip
