"""Strategy pages. Role: public — the programme and the strategies are published data; a version
awaiting approval is shown to, and signed by, the city's steering committee."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gti.accounts import permissions
from gti.errors import Refused
from gti.participation import services as participation
from gti.portfolio.services import envelope_totals
from gti.strategy import figures, geo, services
from gti.strategy.models import Area, City


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
    priorities = list(services.programme_objectives(programme))
    totals = envelope_totals(programme)
    return render(
        request,
        "strategy/programme.html",
        {
            "programme": programme,
            "priorities": priorities,
            "split": [(p, totals.get(p.code)) for p in priorities],
        },
    )


def strategy(request, city):
    strategy = services.current_strategies(city).first()
    if strategy is None:
        raise Http404("no strategy for this city")
    # every area the file names, those the strategy does not admit marked as such
    areas = list(Area.all_areas.filter(strategy=strategy))
    view_box, height, paths = geo.svg_paths(
        {a.code: a.boundary for a in areas if a.boundary and a.admitted}
    )
    can_approve = permissions.can(request.user, "strategy.approve", city=strategy.city)
    awaiting = services.awaiting_approval(strategy.city) if can_approve else None
    return render(
        request,
        "strategy/strategy.html",
        {
            "strategy": strategy,
            "city": strategy.city,
            "awaiting": awaiting,
            "changes": services.describe_changes(awaiting.changes) if awaiting else [],
            "signed": awaiting and services.has_signed(awaiting, request.user),
            "quorum": awaiting and services.approval_quorum(awaiting),
            "areas": [a for a in areas if a.admitted],
            "not_admitted": [a for a in areas if not a.admitted],
            "strategy_indicators": services.strategy_indicators(strategy),
            "involvement": participation.city_summary(strategy.city),
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


@login_required
@require_POST
def sign_approval(request, city):
    """A steering-committee member signs the version of the city's strategy awaiting approval."""
    city = get_object_or_404(City, code=city)
    permissions.require(request.user, "strategy.approve", city=city)
    awaiting = services.awaiting_approval(city)
    if awaiting is None:
        raise Http404("no version awaiting approval")
    try:
        strategy = services.sign_approval(awaiting, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        if strategy.is_current:
            messages.success(
                request, _("Version %(v)s is approved and now in force.") % {"v": strategy.version}
            )
        else:
            messages.success(request, _("Your approval is signed."))
    return redirect("strategy:strategy", city=city.code)


def area(request, city, code):
    """An area of a city's GTI territory: its figures beside the projects linked to it."""
    found = services.area_of(city, code)
    if found is None:
        raise Http404("no such area")
    return render(
        request,
        "strategy/area.html",
        {
            "area": found,
            "city": found.strategy.city,
            "strategy": found.strategy,
            "figures": figures.area_figures(found.strategy.city, found.code),
            "projects": services.area_projects(found, request.user),
        },
    )
