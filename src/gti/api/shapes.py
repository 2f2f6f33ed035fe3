"""The shapes every route shares: what it reads and the refusals it answers.

Every request body is an `Input`: a JSON object with the declared fields and no others (ninja's
Schema alone reads the attributes of any JSON value, so a bare string passed for a body whose
fields are all optional).

The refusals have two shapes and are declared in the OpenAPI document of every route that can
give them (src/gti/api/api.py makes them from the exceptions):

- 401 no or a dead key, 403 a refused role, 404 outside the caller's view, 409 a move the state
  does not allow: `{"detail": "..."}`;
- 422 refused input and 429 too many requests: `{"errors": {"field": ["message", ...]}}`.
"""

from ninja import Schema
from pydantic import ConfigDict


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class Detail(Schema):
    detail: str


class FieldErrors(Schema):
    errors: dict[str, list[str]]


def refusals(*codes: int) -> dict[int, type[Schema]]:
    return {code: FieldErrors if code in (422, 429) else Detail for code in codes}


# Published data (no key): an unknown code, a wrong filter, too many calls from one address.
PUBLIC = refusals(404, 422, 429)
# Reads with a key: also a missing or dead key and a refused role.
READ = refusals(401, 403, 404, 422, 429)
# Changes with a key: also a move the object's state does not allow.
CHANGE = refusals(401, 403, 404, 409, 422, 429)
