"""The JSON API under /api/v1/: one router per app, no logic of its own."""

import math

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from gti.api.claims import router as claims_router
from gti.api.documents import router as documents_router
from gti.api.grants import router as grants_router
from gti.api.jobs import router as jobs_router
from gti.api.monitoring import router as monitoring_router
from gti.api.opendata import router as opendata_router
from gti.api.portfolio import router as portfolio_router
from gti.api.preregistrations import router as preregistrations_router
from gti.api.proposals import router as proposals_router
from gti.api.strategy import router as strategy_router
from gti.api.throttling import AnonymousRate, KeyRate
from gti.errors import Invalid, Refused
from gti.proposals.inputs import field_path

api = NinjaAPI(
    title="GTI Platform API",
    version="1",
    description=(
        "The programme and the cities' GTI strategies (published data, no key needed), and calls, "
        "proposals and grants (a personal key: `Authorization: Bearer gti_…`, made with "
        "`gti token create USER`). Refused input answers 422 with `errors` by field, a refused "
        "role 403, an object outside the caller's view 404, a move the state does not allow 409. "
        "Keys expire (an expired or revoked key answers 401). Calls are rate limited per address "
        "without a key and per key: too many answer 429 with a Retry-After header."
    ),
    urls_namespace="api",
    throttle=[AnonymousRate(), KeyRate()],
)
api.add_router("/", strategy_router)
api.add_router("/", proposals_router)
api.add_router("/", portfolio_router)
api.add_router("/", preregistrations_router)
api.add_router("/", claims_router)
api.add_router("/", monitoring_router)
api.add_router("/", grants_router)
api.add_router("/", jobs_router)
api.add_router("/", opendata_router)
api.add_router("/", documents_router)


@api.exception_handler(Invalid)
def invalid(request, exc: Invalid):
    return api.create_response(request, {"errors": exc.errors}, status=422)


@api.exception_handler(ValidationError)
def malformed(request, exc: ValidationError):
    """Shape errors read like the services' errors: the field path and its messages."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [p for p in err.get("loc", []) if p not in {"body", "payload", "query", "filters"}]
        errors.setdefault(field_path(loc) or "(body)", []).append(err.get("msg", "invalid"))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's only 400 is a body that is no JSON: here it is refused input like any other."""
    if exc.status_code == 400:
        return api.create_response(
            request, {"errors": {"(body)": [_("not valid JSON")]}}, status=422
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    message = _("too many requests; try again later")
    if exc.wait:
        message = _("too many requests; try again in %(seconds)s s") % {
            "seconds": math.ceil(exc.wait)
        }
    return api.create_response(request, {"errors": {"(request)": [message]}}, status=429)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this.")}, status=403
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("Not found.")}, status=404)
