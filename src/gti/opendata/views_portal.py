"""The public portal: the list of operations (CPR art. 49(3)) as pages, in Dutch and English.

Role: none, everyone reads it without logging in. Every value shown comes from
`operations.published` and its variants (`page`, `one`, `per_area`), the one home of what the
public may read; the choices of the filters are the strategy's public names. The filters come
from the query string through `PortalQuery`: a bad value is a form error naming the field and
the list shows nothing rather than a wrong selection.
"""

from __future__ import annotations

import io
import math
import tempfile

from django import forms
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gti.opendata import catalog, formats, operations
from gti.opendata import compare as comparing
from gti.strategy import geo
from gti.strategy import services as strategies
from gti.strategy.models import Area, City, SpecificObjective, Strategy, Theme
from gti.strategy.sdgs import GOALS

PER_PAGE = 25
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
LABELS = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX (Excel)", "geojson": "GeoJSON"}
# What depends only on the programme and strategy versions in force is kept under their key
# (`strategy.services.in_force_key`): a new version changes the key, so this only bounds memory.
KEPT = 24 * 3600
FRESH = 60  # seconds a download or the DCAT description is served again as it was made
IN_MEMORY = 4 * 1024 * 1024  # a download larger than this is spooled to a temporary file


class SearchInput(forms.TextInput):
    input_type = "search"


class PortalQuery(forms.Form):
    city = forms.ChoiceField(label=_("City"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    objective = forms.ChoiceField(label=_("Specific objective"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sdg = forms.TypedChoiceField(
        label=_("Sustainable Development Goal"), required=False, coerce=int, empty_value=None
    )
    q = forms.CharField(label=_("Words"), required=False, max_length=200, widget=SearchInput)

    def __init__(self, data):
        super().__init__(data, auto_id="f-%s")
        self.versions = strategies.in_force_key()
        cities, themes, areas, objectives = cache.get_or_set(
            f"portal:choices:{get_language()}:{self.versions}", _choices, KEPT
        )
        every = [("", _("all"))]
        self.fields["city"].choices = every + cities
        self.fields["theme"].choices = every + themes
        self.fields["area"].choices = every + areas
        self.fields["objective"].choices = every + objectives
        self.fields["status"].choices = every + operations.Status.choices
        self.fields["sdg"].choices = every + [(n, str(g)) for n, g in GOALS.items()]

    def chosen(self) -> dict:
        """The filters given, as `operations.approved` takes them."""
        return {key: value for key, value in self.cleaned_data.items() if value}


def _choices() -> tuple[list, list, list, list]:
    """The filters' choices of the versions in force, in the active language: cities, themes
    and areas by city (a code may come back in both cities, it then selects both), objectives."""
    current = list(
        Strategy.objects.current()
        .select_related("city")
        .prefetch_related(
            Prefetch("themes", Theme.objects.only("strategy", "code", "name_nl", "name_en")),
            Prefetch("areas", Area.objects.only("strategy", "code", "name")),
        )
        .only("city__code", "city__name_nl", "city__name_en")
        .order_by("city__code")
    )
    objectives = SpecificObjective.objects.filter(priority__programme__is_current=True)
    return (
        [(c.code, str(c.name)) for c in City.objects.order_by("code")],
        [(s.city.name, [(t.code, str(t.name)) for t in s.themes.all()]) for s in current],
        [(s.city.name, [(a.code, a.name) for a in s.areas.all()]) for s in current],
        [(o.code, f"{o.code} {o.title}") for o in objectives.order_by("code")],
    )


def _drawn() -> list[dict]:
    """Each city's areas drawn (`strategy.geo`, as the dashboard draws them): the SVG path and
    the centre of each area with a boundary, by city code. Depends on the versions in force only."""
    areas = list(
        Area.objects.filter(strategy__is_current=True, boundary__isnull=False)
        .select_related("strategy__city")
        .order_by("strategy__city__code", "position")
    )
    drawn = []
    for city in dict.fromkeys(a.strategy.city for a in areas):
        mine = [a for a in areas if a.strategy.city == city]
        boundaries = {a.pk: a.boundary for a in mine}
        view_box, _height, paths = geo.svg_paths(boundaries)
        centres = geo.svg_centres(boundaries)
        shown = [{"code": a.code, "name": a.name, "path": paths[a.pk], "centre": centres[a.pk]}
                 for a in mine]  # fmt: skip
        drawn.append({"city": city, "view_box": view_box, "areas": shown})
    return drawn


def _maps(filters: dict, versions: str) -> list[dict]:
    """A map per city (the one chosen, else each) of its areas, a circle on each area marking
    the listed operations there, larger for more. The drawing is kept with the versions in
    force (`_drawn`); the counts are read for each request."""
    in_area, whole_city = operations.per_area(**filters)
    maps = []
    for drawn in cache.get_or_set(f"portal:maps:{versions}", _drawn, KEPT):
        city = drawn["city"]
        if filters.get("city") and city.code != filters["city"]:
            continue
        shown = []
        for a in drawn["areas"]:
            n = in_area.get((city.code, a["code"]), 0)
            x, y = a["centre"]
            radius = round(3 + 3 * math.sqrt(n), 1) if n else 0
            shown.append({"name": a["name"], "path": a["path"], "projects": n,
                          "x": x, "y": y, "radius": radius})  # fmt: skip
        maps.append({"city": city, "view_box": drawn["view_box"], "areas": shown,
                     "whole_city": whole_city.get(city.code, 0)})  # fmt: skip
    return maps


def portal(request):
    """The approved operations, filtered and paginated, with a map and the downloads."""
    form = PortalQuery(request.GET)
    found, maps, filters = None, [], {}
    if form.is_valid():
        filters = form.chosen()
        found = operations.page(request.GET.get("page"), PER_PAGE, **filters)
        maps = _maps(filters, form.versions)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "opendata/portal.html", {
        "form": form, "page": found, "maps": maps, "query": query.urlencode(),
        "city": City.objects.filter(code=filters.get("city")).first(),
        "formats": [(fmt, LABELS[fmt]) for fmt in formats.FORMATS],
    })  # fmt: skip


def operation(request, operation_id):
    """One published operation; 404 for a reference that is not published."""
    found = operations.one(operation_id)
    if found is None:
        raise Http404
    return render(
        request,
        "opendata/operation.html",
        {"operation": found, "involvement": operations.involvement(operation_id)},
    )


def download(request, fmt):
    """The list of operations (of the city asked, else all) in an open format, the same file
    `gti opendata export` writes, in the page's language. Written to a spooled file and streamed
    from there: the writers push their bytes, and XLSX can only be read once whole. A file up to
    `IN_MEMORY` is kept `FRESH` seconds, by format, city and language: a change to the list shows
    in the downloads after that at the latest."""
    if fmt not in formats.FORMATS:
        raise Http404
    city = request.GET.get("city") or None
    if city is not None and not City.objects.filter(code=city).exists():
        return HttpResponseBadRequest(_("city: not a city of the GTI"), content_type="text/plain")
    name = f"gti-operations{'-' + city if city else ''}.{fmt}"
    key = f"portal:download:{get_language()}:{fmt}:{city or ''}"
    kept = cache.get(key)
    if kept is not None:
        out = io.BytesIO(kept)
        return FileResponse(out, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 FileResponse closes it
    rows = operations.published(city, with_geometry=fmt == "geojson")
    formats.write(fmt, rows, out, progress=lambda done: None)  # no one to tell the progress
    if out.tell() <= IN_MEMORY:
        out.seek(0)
        cache.set(key, out.read(), FRESH)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])


def dcat(request):
    """The DCAT-AP description of the lists (JSON-LD), for open-data portals to harvest; kept
    `FRESH` seconds by the address asked (its host is in every link)."""
    described = cache.get_or_set(
        f"portal:dcat:{request.build_absolute_uri()}",
        lambda: catalog.catalog(request.build_absolute_uri),
        FRESH,
    )
    return JsonResponse(
        described,
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


def compare(request):
    """The GTI's operations beside other regions' imported lists, by objective and cost."""
    return render(request, "opendata/compare.html", {"comparison": comparing.comparison()})
