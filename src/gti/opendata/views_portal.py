"""The public portal: the list of operations (CPR art. 49(3)) as pages, in Dutch and English.

Role: none, everyone reads it without logging in. Every value shown comes from
`operations.published` and its variants (`page`, `one`, `per_area`), the one home of what the
public may read; the choices of the filters are the strategy's public names. The filters come
from the query string through `PortalQuery`: a bad value is a form error naming the field and
the list shows nothing rather than a wrong selection.
"""

from __future__ import annotations

import math
import tempfile

from django import forms
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gti.opendata import catalog, formats, operations
from gti.opendata import compare as comparing
from gti.strategy import geo
from gti.strategy.models import Area, City, SpecificObjective, Strategy
from gti.strategy.sdgs import GOALS

PER_PAGE = 25
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
LABELS = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX (Excel)", "geojson": "GeoJSON"}
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
        strategies = list(
            Strategy.objects.current()
            .select_related("city")
            .prefetch_related("themes", "areas")
            .order_by("city__code")
        )
        every = [("", _("all"))]
        self.fields["city"].choices = every + [
            (c.code, c.name) for c in City.objects.order_by("code")
        ]
        # themes and areas by city: a code may come back in both cities, it then selects both
        self.fields["theme"].choices = every + [
            (s.city.name, [(t.code, t.name) for t in s.themes.all()]) for s in strategies
        ]
        self.fields["area"].choices = every + [
            (s.city.name, [(a.code, a.name) for a in s.areas.all()]) for s in strategies
        ]
        objectives = SpecificObjective.objects.filter(priority__programme__is_current=True)
        self.fields["objective"].choices = every + [
            (o.code, f"{o.code} {o.title}") for o in objectives.order_by("code")
        ]
        self.fields["status"].choices = every + operations.Status.choices
        self.fields["sdg"].choices = every + [(n, str(g)) for n, g in GOALS.items()]

    def chosen(self) -> dict:
        """The filters given, as `operations.approved` takes them."""
        return {key: value for key, value in self.cleaned_data.items() if value}


def _maps(filters: dict) -> list[dict]:
    """A map per city (the one chosen, else each) of its areas (`strategy.geo`, as the
    dashboard draws them), a circle on each area marking the listed operations there, larger
    for more."""
    in_area, whole_city = operations.per_area(**filters)
    areas = Area.objects.filter(strategy__is_current=True, boundary__isnull=False)
    if filters.get("city"):
        areas = areas.filter(strategy__city__code=filters["city"])
    areas = list(
        areas.select_related("strategy__city").order_by("strategy__city__code", "position")
    )
    maps = []
    for city in dict.fromkeys(a.strategy.city for a in areas):
        mine = [a for a in areas if a.strategy.city == city]
        boundaries = {a.pk: a.boundary for a in mine}
        view_box, _height, paths = geo.svg_paths(boundaries)
        centres = geo.svg_centres(boundaries)
        shown = []
        for a in mine:
            n = in_area.get((city.code, a.code), 0)
            x, y = centres[a.pk]
            radius = round(3 + 3 * math.sqrt(n), 1) if n else 0
            shown.append({"name": a.name, "path": paths[a.pk], "projects": n,
                          "x": x, "y": y, "radius": radius})  # fmt: skip
        maps.append({"city": city, "view_box": view_box, "areas": shown,
                     "whole_city": whole_city.get(city.code, 0)})  # fmt: skip
    return maps


def portal(request):
    """The approved operations, filtered and paginated, with a map and the downloads."""
    form = PortalQuery(request.GET)
    found, maps, filters = None, [], {}
    if form.is_valid():
        filters = form.chosen()
        found = operations.page(request.GET.get("page"), PER_PAGE, **filters)
        maps = _maps(filters)
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
    from there: the writers push their bytes, and XLSX can only be read once whole."""
    if fmt not in formats.FORMATS:
        raise Http404
    city = request.GET.get("city") or None
    if city is not None and not City.objects.filter(code=city).exists():
        return HttpResponseBadRequest(_("city: not a city of the GTI"), content_type="text/plain")
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 FileResponse closes it
    rows = operations.published(city, with_geometry=fmt == "geojson")
    formats.write(fmt, rows, out, progress=lambda done: None)  # no one to tell the progress
    out.seek(0)
    name = f"gti-operations{'-' + city if city else ''}.{fmt}"
    return FileResponse(out, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])


def dcat(request):
    """The DCAT-AP description of the lists (JSON-LD), for open-data portals to harvest."""
    return JsonResponse(
        catalog.catalog(request.build_absolute_uri),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


def compare(request):
    """The GTI's operations beside other regions' imported lists, by objective and cost."""
    return render(request, "opendata/compare.html", {"comparison": comparing.comparison()})
