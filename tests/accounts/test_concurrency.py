"""A role request decided by two people at the same moment (PostgreSQL)."""

import pytest

from gti.accounts import services
from gti.accounts.models import AuditEvent, Role, RoleGrant, RoleRequest
from gti.strategy.models import City
from tests.concurrency import at_once, needs_postgresql
from tests.factories import person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]


@pytest.mark.parametrize("second", ["approve", "refuse"])
def test_a_request_approved_twice_at_once_grants_once(second):
    needs_postgresql()
    user = person("assessor_gent_3")
    asked = services.request_role(user, Role.STEERING_COMMITTEE, City.objects.get(code="gent"),
                                  by=person("secretariat_gent"), reason="Lid")  # fmt: skip
    decide = {
        "approve": lambda by: services.approve_role_request(asked, by=by, reason="Ok"),
        "refuse": lambda by: services.refuse_role_request(asked, by=by, reason="Nee"),
    }
    one, two = person("managing_authority"), person("managing_authority_2")
    granted = AuditEvent.objects.filter(action="accounts.role.granted")
    before = granted.count()
    outcomes = at_once(lambda: decide["approve"](one), lambda: decide[second](two))
    assert sorted(outcomes) == ["Refused", "ok"]
    state = RoleRequest.objects.get(pk=asked.pk).state
    grants = RoleGrant.objects.filter(user=user, role=Role.STEERING_COMMITTEE)
    assert grants.count() == (1 if state == "approved" else 0)
    decided = AuditEvent.objects.filter(action__in=["accounts.role.approved",
                                                    "accounts.role.refused"])  # fmt: skip
    assert decided.count() == 1
    assert granted.count() - before == grants.count()
