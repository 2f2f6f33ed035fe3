"""Pressing at the same moment on one claim (PostgreSQL): two verifiers verify it once, two
payers pay it once, a beneficiary submitting twice submits once."""

import pytest
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.monitoring import claims
from gti.monitoring.models import Claim, Payment
from tests.concurrency import at_once, needs_postgresql
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1, grant, submitted  # noqa: F401
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]


def events(action):
    return AuditEvent.objects.filter(action=action).count()


def test_two_verifiers_accepting_the_same_claim_at_once_pay_it_once(grant):  # noqa: F811
    needs_postgresql()
    claim = submitted(grant)
    outcomes = at_once(*(
        lambda name=name: claims.verify_claim(claim, by=person(name), verdicts=VERDICTS_1)
        for name in ("managing_authority", "managing_authority_2")
    ))  # fmt: skip
    assert sorted(outcomes) == ["Refused", "ok"]
    assert events("monitoring.claim.verified") == 1
    claim.refresh_from_db()
    payer = "managing_authority_2" if claim.verified_by.username == "managing_authority" else (
        "managing_authority")  # fmt: skip
    outcomes = at_once(*(
        lambda: claims.pay_claim(claim, by=person(payer), paid_on=timezone.localdate())
        for _ in range(2)
    ))  # fmt: skip
    assert sorted(outcomes) == ["Refused", "ok"]
    assert Payment.objects.filter(claim=claim).count() == 1
    assert events("monitoring.claim.paid") == 1
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.PAID


def test_a_claim_submitted_twice_at_once_is_submitted_once(grant):  # noqa: F811
    needs_postgresql()
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=CLAIM_1)
    outcomes = at_once(*(lambda: claims.submit_claim(claim, by=beneficiary) for _ in range(2)))
    assert sorted(outcomes) == ["Refused", "ok"]
    assert events("monitoring.claim.submitted") == 1
