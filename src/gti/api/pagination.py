"""Every list of the API comes in pages: `?page=1&page_size=50`, answered as
`{"items": [...], "count": N}` where `count` is the length of the whole list."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination, paginate

from gti.api.shapes import READ

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000


def listing(item, refusals: dict = READ) -> dict:
    """The answers a paged list declares: a page of `item`, or its refusals (422 for a bad page
    or filter among them)."""
    return {**refusals, 200: list[item]}


class Pages(PageNumberPagination):
    """ninja's page numbers, but a page size out of range is refused (422) instead of being cut
    quietly, so a client never takes a short page for the end of the list."""

    class Input(Schema):
        # Bounded so that page × page size stays a number every database takes as an offset.
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"The page, from 1 to {MAX_PAGE}")
        page_size: int = Field(
            PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, 1 to {MAX_PAGE_SIZE}"
        )

    def __init__(self, **kwargs):
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


def paged(view):
    """The route answers one page of what it returns: a queryset, a list or `Rows`."""
    return paginate(Pages)(view)


class Rows:
    """A queryset whose rows become answers only once the page is cut, so that only the page's
    rows are read and turned into answers. `prepare` gets the page's rows first, to load what
    they share in a fixed number of queries. A row `out` answers None for is left out."""

    def __init__(self, queryset, out: Callable, prepare: Callable[[list], object] | None = None):
        self.queryset, self.out, self.prepare = queryset, out, prepare

    def __getitem__(self, window: slice) -> list:
        rows = list(self.queryset[window])
        if self.prepare:
            self.prepare(rows)
        return [answer for answer in map(self.out, rows) if answer is not None]

    def all(self) -> Rows:  # how ninja reaches count()
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __iter__(self) -> Iterable:
        return iter(self[:])
