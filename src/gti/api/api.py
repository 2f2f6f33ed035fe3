"""The JSON API under /api/v1/: one router per app, no logic of its own."""

from ninja import NinjaAPI

from gti.api.strategy import router as strategy_router

api = NinjaAPI(
    title="GTI Platform API",
    version="1",
    description=(
        "The programme, the cities' GTI strategies and (in later versions) calls, proposals, "
        "selection and monitoring. Strategy data is published data: readable without logging in."
    ),
    urls_namespace="api",
)
api.add_router("/", strategy_router)
