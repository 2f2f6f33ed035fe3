"""Strategy routes. Role: public — the programme and strategies are published data, read-only."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import PUBLIC
from gti.strategy import figures, services
from gti.strategy.models import Area, Indicator, SpecificObjective

router = Router(tags=["strategy"])


class Text(Schema):
    nl: str
    en: str


class IndicatorOut(Schema):
    code: str
    name: Text
    unit: Text
    kind: str
    territorial: bool


class SpecificObjectiveOut(Schema):
    code: str
    title: Text
    indicators: list[IndicatorOut]


class SpecificObjectiveItem(SpecificObjectiveOut):
    priority: str


class PriorityOut(Schema):
    code: str
    reference: str
    title: Text
    share: str
    specific_objectives: list[SpecificObjectiveOut]


class Period(Schema):
    start: int
    end: int


class DateRange(Schema):
    start: str
    end: str


class ProgrammeOut(Schema):
    code: str
    version: int
    name: Text
    fund: str
    period: Period
    eligibility: DateRange
    max_eu_cofinancing_rate: str
    urban_minimum_share: str
    gti_share: str
    priorities: list[PriorityOut]


class PrincipleOut(Schema):
    code: str
    text: Text
    mandatory: bool
    note: Text | None


class ExampleActionOut(Schema):
    nl: str
    en: str
    group: Text | None


class GoalOut(Schema):
    number: int
    name: Text


class ThemeOut(Schema):
    code: str
    name: Text
    specific_objectives: list[str]
    sdgs: list[GoalOut]
    example_actions: list[ExampleActionOut]


class AreaOut(Schema):
    code: str
    name: str
    kind: str


class AreaNotAdmittedOut(Schema):
    code: str
    name: str
    decision: Text


class AreaItem(AreaOut):
    city: str


class PolicyReferenceOut(Schema):
    code: str
    kind: str
    title: Text
    url: str | None


class StrategyOut(Schema):
    city: str
    name: Text
    version: int
    programme: str
    title: Text
    territory: Text
    principles: list[PrincipleOut]
    themes: list[ThemeOut]
    areas: list[AreaOut]
    areas_not_admitted: list[AreaNotAdmittedOut]
    policy_references: list[PolicyReferenceOut]
    attribution: Text
    steering_committee_quorum: int


def _programme():
    programme = services.current_programme()
    if programme is None:
        raise HttpError(404, _("No programme is loaded."))
    return programme


def _objectives():
    return (
        SpecificObjective.objects.filter(priority__programme=_programme())
        .select_related("priority")
        .prefetch_related("indicators")
    )


def _objective_dict(so) -> dict:
    return {
        "code": so.code,
        "priority": so.priority.code,
        "title": {"nl": so.title_nl, "en": so.title_en},
        "indicators": [services.indicator_dict(i) for i in so.indicators.all()],
    }


@router.get(
    "/programme", response={200: ProgrammeOut, **PUBLIC}, auth=None, summary="The current programme"
)
def programme(request):
    return services.programme_dict(_programme())


@router.get(
    "/specific-objectives",
    response=listing(SpecificObjectiveItem, PUBLIC),
    auth=None,
    summary="Specific objectives with their indicators",
)
@paged
def specific_objectives(request):
    return Rows(_objectives(), _objective_dict)


@router.get(
    "/specific-objectives/{code}",
    response={200: SpecificObjectiveItem, **PUBLIC},
    auth=None,
    summary="One specific objective, e.g. 'SD 2.4'",
)
def specific_objective(request, code: str):
    so = _objectives().filter(code=code).first()
    if so is None:
        raise HttpError(404, _("Unknown specific objective: %(code)s") % {"code": code})
    return _objective_dict(so)


@router.get(
    "/indicators", response=listing(IndicatorOut, PUBLIC), auth=None, summary="ERDF indicators"
)
@paged
def indicators(request, kind: Literal["output", "result"] | None = None):
    qs = Indicator.objects.filter(programme=_programme())
    if kind:
        qs = qs.filter(kind=kind)
    return Rows(qs, services.indicator_dict)


@router.get(
    "/strategies", response={200: list[StrategyOut], **PUBLIC}, auth=None, summary="City strategies"
)
def strategies(request):
    found = services.current_strategies().prefetch_related(services.NOT_ADMITTED)
    return [services.strategy_dict(s) for s in found]


@router.get(
    "/strategies/{city}",
    response={200: StrategyOut, **PUBLIC},
    auth=None,
    summary="One city's strategy",
)
def strategy(request, city: str):
    found = services.current_strategies(city).first()
    if found is None:
        raise HttpError(404, _("No strategy for city: %(city)s") % {"city": city})
    return services.strategy_dict(found)


@router.get(
    "/areas", response=listing(AreaItem, PUBLIC), auth=None, summary="Areas of the GTI territories"
)
@paged
def areas(request, city: str | None = None):
    qs = Area.objects.filter(strategy__is_current=True).select_related("strategy__city")
    if city:
        qs = qs.filter(strategy__city__code=city)
    return Rows(
        qs.order_by("strategy__city__code", "position"),
        lambda a: {"code": a.code, "name": a.name, "kind": a.kind, "city": a.strategy.city.code},
    )


class FigureValueOut(Schema):
    year: int
    value: str
    source: str


class AreaFigureOut(Schema):
    figure: str
    label: Text
    unit: Text
    values: list[FigureValueOut]
    city_values: list[FigureValueOut]


class AreaStatisticsOut(Schema):
    city: str
    area: str
    name: str
    figures: list[AreaFigureOut]


@router.get(
    "/areas/{city}/{code}/statistics",
    response={200: AreaStatisticsOut, **PUBLIC},
    auth=None,
    summary="Figures of one area, newest year first, with the city's as a whole beside them",
)
def area_statistics(request, city: str, code: str):
    found = services.area_of(city, code)
    if found is None:
        raise HttpError(404, _("Unknown area: %(city)s/%(code)s") % {"city": city, "code": code})
    series = figures.area_figures(found.strategy.city, found.code)
    return {
        "city": city,
        "area": found.code,
        "name": found.name,
        "figures": figures.figures_dict(series),
    }
