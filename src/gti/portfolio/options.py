"""The settings of a selection scenario: one typed schema, read by the page, the API and
`build_instance`, so every edge refuses the same bad shapes with the same field paths."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gti.errors import Invalid
from gti.proposals.inputs import field_path

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Minimum(Strict):
    """At least `count` selected projects, optionally of one theme, area or priority."""

    id: Ref
    count: Annotated[int, Field(ge=0, le=1000)]
    theme: Code | None = None
    area: Code | None = None
    priority: Code | None = None


class ScenarioOptions(Strict):
    value: Literal["score", "custom"] = "score"
    # With value "custom": the value of each proposal (reference -> number), 0 when left out.
    values: dict[Ref, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = {}
    # Envelope keys to apply (city `gent-P1`, call `GTI-2026-C1-P1`); None: all of them.
    envelopes: list[Ref] | None = None
    minimums: list[Minimum] = []
    exclusions: list[tuple[Ref, Ref]] = []  # at most one of each pair
    dependencies: list[tuple[Ref, Ref]] = []  # the first only with the second
    scalable: dict[Ref, Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]] = {}

    def stored(self) -> dict:
        """As a scenario keeps it (plain JSON)."""
        return self.model_dump(mode="json", exclude_none=True)


def parse(data) -> ScenarioOptions:
    """The options from plain data, or Invalid with every problem by field path."""
    if isinstance(data, ScenarioOptions):
        return data
    try:
        return ScenarioOptions.model_validate(data if data is not None else {})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            errors.setdefault(field_path(err["loc"]) or "options", []).append(message)
        raise Invalid(errors) from None
