"""The list of operations over the API (CPR art. 49(3)): public, no key. Every row comes from
`opendata/operations.py`, the one home of what is published; the filters are checked by the
portal's own form, so the page and the API refuse the same values with the same words."""

from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import create_model

from gti.api.pagination import Rows, listing, paged
from gti.api.shapes import PUBLIC
from gti.errors import Invalid
from gti.opendata import operations
from gti.opendata.views_portal import PortalQuery

router = Router(tags=["open data"])

SORT = Literal[
    "operation_id", "-operation_id", "operation_name", "-operation_name",
    "total_cost_eur", "-total_cost_eur",
]  # fmt: skip


class OperationsQuery(Schema):
    city: str = ""  # a city's code
    theme: str = ""  # a theme's code
    objective: str = ""  # a specific objective's code, e.g. "SD 2.4"
    area: str = ""  # an area's code (its own projects and its city's whole-city ones)
    status: str = ""  # approved | running | closed
    sdg: int | None = None  # a Sustainable Development Goal, 1 to 17
    q: str = ""  # words in the name or purpose
    sort: SORT = "operation_id"


# The published columns of `operations.Operation` and its status: one list of fields, there.
OperationOut = create_model(
    "OperationOut",
    __base__=Schema,
    **{column: (str, ...) for column in operations.COLUMNS},
    status=(str, ...),  # approved | running | closed
)


def _out(operation: operations.Operation) -> dict:
    return operation.row() | {"status": str(operation.status)}


@router.get(
    "/operations",
    response=listing(OperationOut, PUBLIC),
    auth=None,
    summary="The list of operations (CPR art. 49(3)): the approved projects, filtered and sorted",
)
@paged
def list_operations(request, filters: Query[OperationsQuery]):
    form = PortalQuery(filters.model_dump(exclude={"sort"}))
    if not form.is_valid():
        raise Invalid({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    rows = operations.approved(**form.chosen(), sort=filters.sort).values_list("pk", flat=True)
    page: dict[int, operations.Operation] = {}

    def out(pk):  # None: no longer approved since the page was cut, left out
        return _out(page[pk]) if pk in page else None

    return Rows(rows, out, lambda ids: page.update(operations.by_pk(ids)))


@router.get(
    "/operations/{operation_id}",
    response={200: OperationOut, **PUBLIC},
    auth=None,
    summary="One published operation, by its reference",
)
def get_operation(request, operation_id: str):
    found = operations.one(operation_id)
    if found is None:
        raise Http404
    return _out(found)
