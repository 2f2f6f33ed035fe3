"""`gti demo`: made through the real services, every lifecycle state, an intact audit chain."""

import io

import pytest
from django.core.management import call_command

from gti.proposals.models import Call, Proposal
from gti.proposals.services import is_open


@pytest.fixture
def demo(loaded):
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_covers_every_state_and_prints_the_users(demo):
    states = set(Proposal.objects.values_list("state", flat=True))
    assert states == set(Proposal.State.values)
    assert 36 <= Proposal.objects.count() <= 44
    assert [is_open(c) for c in Call.objects.order_by("city__code")] == [True, True]
    assert "DEMO users" in demo and "demo-secretariaat-gent" in demo and "demo-auditor" in demo
    assessed = Proposal.objects.filter(state=Proposal.State.ASSESSED)
    assert all(p.consolidated_score is not None for p in assessed)


def test_audit_chain_of_the_demo_verifies(demo):
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK: ")


def test_demo_runs_once(demo):
    count = Proposal.objects.count()
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.count() == count
