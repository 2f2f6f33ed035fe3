"""Schemathesis against the served OpenAPI document, in-process, on the demo data of both cities.

Every operation gets the coverage phase (boundary and wrong-shape values derived from the schema)
and a short fuzzing phase, with a fixed seed so every run sends the same requests. Path, query and
body values are mixed with real demo references of Antwerp and Ghent so the requests reach past
404. Each request runs in a savepoint that is rolled back, so every case sees the same demo state
and the order of the cases does not matter. Run it alone: `pytest tests/api/test_fuzz.py -n 0`.
"""

from __future__ import annotations

import io
import zlib

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from gti.accounts.services import create_token
from gti.monitoring.models import Grant
from gti.portfolio.models import Meeting, Scenario
from gti.proposals.models import Call, PreRegistration, Proposal
from gti.strategy import services as strategy_services
from gti.strategy.models import Area, City, Indicator, Programme, SpecificObjective, Theme

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260322,
        "generation": {
            "max-examples": 6,
            "deterministic": True,
            "mode": "all",
            "database": "none",
            # Undeclared query parameters and headers are ignored, as on the web; an undeclared
            # body field is still generated, and refused (422).
            "allow-extra-parameters": False,
        },
        "phases": {
            "examples": {"enabled": False},
            # Methods a route does not declare answer 405: Django's router, not ours to fuzz.
            "coverage": {"enabled": True, "unexpected-methods": []},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "operations": [
            {
                # The same proposal body as POST /calls/{reference}/proposals, which gets the
                # coverage phase: here fuzzing only, to stay within the suite's time.
                "include-path": "/api/v1/proposals/{reference}",
                "include-method": "PUT",
                "phases": {"coverage": {"enabled": False}},
            }
        ],
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Not positive_data_acceptance: a well-shaped request is still refused by the rules (a role 403,
# another city 404, a state 409, a closed call or an unknown code 422), which it counts as failures.

# Half the cases run as the managing authority, who sees most; the others as one of the rest,
# who see their own city, proposals, assignments or committee.
ROLES = [
    "demo-beheersautoriteit-1",
    "demo-secretariaat-antwerpen",
    "demo-secretariaat-gent",
    "demo-aanvrager-antwerpen",
    "demo-aanvrager-gent",
    "demo-expert-1",
    "demo-stuurgroep-antwerpen-1",
    "demo-stuurgroep-gent-1",
]


class References:
    """Real demo objects of both cities, by the path segment or field that names them."""

    def __init__(self):
        self.by_segment = {
            "calls": list(Call.objects.values_list("reference", flat=True)),
            "proposals": list(Proposal.objects.values_list("reference", flat=True)),
            "preregistrations": list(PreRegistration.objects.values_list("reference", flat=True)),
            "scenarios": list(Scenario.objects.values_list("pk", flat=True)),
            "meetings": list(Meeting.objects.values_list("pk", flat=True)),
            "specific-objectives": list(SpecificObjective.objects.values_list("code", flat=True)),
            "grants": list(Grant.objects.values_list("proposal__reference", flat=True)),
            # /grants/{reference}/versions/{number}/approve: the versions the demo grants have
            "versions": [1, 2],
        }
        self.by_field = {
            "city": list(City.objects.values_list("code", flat=True)),
            "call": self.by_segment["calls"],
            "proposal": self.by_segment["proposals"],
            "scenario": self.by_segment["scenarios"],
            "theme": list(Theme.objects.values_list("code", flat=True).distinct()),
            "objective": self.by_segment["specific-objectives"],
            "specific_objective": self.by_segment["specific-objectives"],
            "area": list(Area.objects.values_list("code", flat=True).distinct()),
            "indicator": list(Indicator.objects.values_list("code", flat=True).distinct()),
        }
        assert {"antwerpen", "gent"} <= set(self.by_field["city"])
        assert all(self.by_segment.values()), self.by_segment

    def pick(self, pool: list, value, salt: int):
        """A real reference for most cases, the generated value for some (the not-found path)."""
        index = (zlib.crc32(repr(value).encode()) + salt) % (len(pool) + 1)
        return value if index == len(pool) else pool[index]

    def path_pool(self, path: str, name: str) -> list:
        if name == "city":
            return self.by_field["city"]
        segment = path.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
        return self.by_segment.get(segment, [])

    def apply(self, case) -> None:
        salt = zlib.crc32(repr((case.path, case.query, case.body)).encode())
        meta = case.meta
        components = meta.components if meta is not None else {}

        def positive(location) -> bool:
            info = components.get(location)
            return info is None or info.mode == GenerationMode.POSITIVE

        if case.path_parameters and positive(ParameterLocation.PATH):
            for name, value in list(case.path_parameters.items()):
                pool = self.path_pool(case.path, name)
                if pool:
                    case.path_parameters[name] = self.pick(pool, value, salt)
        if case.query and positive(ParameterLocation.QUERY):
            for name, value in list(case.query.items()):
                if name in self.by_field and isinstance(value, str):
                    case.query[name] = self.pick(self.by_field[name], value, salt)
        if isinstance(case.body, dict) and positive(ParameterLocation.BODY):
            self._fill(case.body, salt)

    def _fill(self, data: dict, salt: int) -> None:
        for name, value in data.items():
            pool = self.by_field.get(name)
            if pool and isinstance(value, type(pool[0])) and not isinstance(value, bool):
                data[name] = self.pick(pool, value, salt)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self._fill(item, salt)


class Demo:
    def __init__(self, keys, references):
        self.keys = keys
        self.references = references


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, made once for this module inside a transaction rolled back at its end (it takes
    half a minute); each test nests its own rolled-back transaction inside it. Django's request
    handler would close the test's connection at the start and end of each request: not here."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
            transaction.atomic(),
        ):
            if not Programme.objects.exists():  # a browser test before this flushed the database
                strategy_services.load_files()
            call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
            people = get_user_model().objects.in_bulk(ROLES, field_name="username")
            keys = {name: create_token(people[name], name="fuzz") for name in ROLES}
            yield Demo(keys, References())
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # each case rolls back
# One parameter set, so each operation's test has its own node id (pytest 9.2 builds it from the
# parameters, not from the name schemathesis gives): xdist needs them distinct.
@pytest.mark.parametrize("roles", [ROLES], ids=["roles"])
def test_every_answer_matches_the_schema(case, roles, demo, db):
    demo.references.apply(case)
    salt = zlib.crc32(repr((case.method, case.path, case.path_parameters, case.body)).encode())
    role = roles[0] if salt % 2 else roles[1 + (salt // 2) % (len(roles) - 1)]
    with transaction.atomic():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {demo.keys[role]}"}, checks=CHECKS
        )
        transaction.set_rollback(True)
