"""`gti demo` on a database that is not empty: it refuses other data and runs with --force.
Apart from tests/test_demo.py, whose tests share one demo made for the module."""

import io

import pytest
from django.core.management import call_command

from gti.proposals.models import Proposal


def test_demo_refuses_a_database_with_other_data(loaded):
    from django.core.management.base import CommandError

    from gti.accounts.models import AuditEvent
    from tests.factories import person

    person("applicant_gent")
    events = AuditEvent.objects.count()
    with pytest.raises(
        CommandError, match=r"data the demo did not make \(1 user\(s\) such as applicant_gent\)"
    ):
        call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Proposal.objects.exists() and AuditEvent.objects.count() == events


def test_demo_runs_with_force_and_beside_an_administrator(loaded):
    from django.contrib.auth import get_user_model

    from tests.factories import person

    get_user_model().objects.create_superuser("admin", password="x")
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())  # an admin is no data
    person("applicant_gent")
    call_command("demo", "--force", stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.exists()
