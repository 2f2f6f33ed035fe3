"""Strategy pages. Role: public — the programme and the strategies are published data."""

from django.http import Http404
from django.shortcuts import render

from gti.strategy import geo, services


def home(request):
    return render(
        request,
        "strategy/home.html",
        {
            "programme": services.current_programme(),
            "strategies": services.current_strategies(),
        },
    )


def programme(request):
    programme = services.current_programme()
    if programme is None:
        raise Http404("no programme loaded")
    return render(
        request,
        "strategy/programme.html",
        {"programme": programme, "priorities": services.programme_objectives(programme)},
    )


def strategy(request, city):
    strategy = services.current_strategies(city).first()
    if strategy is None:
        raise Http404("no strategy for this city")
    areas = list(strategy.areas.all())
    view_box, height, paths = geo.svg_paths({a.code: a.boundary for a in areas if a.boundary})
    return render(
        request,
        "strategy/strategy.html",
        {
            "strategy": strategy,
            "city": strategy.city,
            "areas": areas,
            "strategy_indicators": services.strategy_indicators(strategy),
            "map": {
                "view_box": view_box,
                "areas": [(a, paths[a.code]) for a in areas if a.code in paths],
            },
        },
    )


def cross_table(request):
    strategies = list(services.current_strategies())
    columns, rows = services.theme_objective_table(strategies)
    return render(
        request,
        "strategy/cross_table.html",
        {"strategies": strategies, "columns": columns, "rows": rows},
    )
