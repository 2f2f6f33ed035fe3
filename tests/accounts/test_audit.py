"""The audit trail is append-only and tamper-evident: `gti audit verify` finds a changed row."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from gti.accounts import audit
from gti.accounts.models import AuditEvent
from tests.factories import in_assessment

pytestmark = pytest.mark.usefixtures("loaded")


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_chain_is_intact_after_real_work():
    in_assessment()
    code, out = verify()
    assert code == 0
    assert out.startswith(f"OK: {AuditEvent.objects.count()} events")
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].previous_hash == "0" * 64
    assert all(b.previous_hash == a.hash for a, b in zip(events, events[1:], strict=False))


def test_a_row_changed_in_the_database_is_named():
    in_assessment()
    victim = AuditEvent.objects.filter(action="proposals.proposal.admissible").get()
    raw("UPDATE accounts_auditevent SET reason = %s WHERE id = %s", "stil aangepast", victim.pk)
    code, out = verify()
    assert code == 1
    assert out.strip() == (
        f"BROKEN: audit event #{victim.pk}: content changed after it was written"
    )


def test_a_removed_row_is_named():
    in_assessment()
    events = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    raw("DELETE FROM accounts_auditevent WHERE id = %s", events[3])
    code, out = verify()
    assert code == 1
    assert f"audit event #{events[4]}: does not follow" in out


def test_the_newest_row_removed_is_noticed():
    in_assessment()
    events = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    raw("DELETE FROM accounts_auditevent WHERE id = %s", events[-1])
    code, out = verify()
    assert code == 1
    assert f"audit event #{events[-2]}: the newest events are missing" in out


def test_events_cannot_be_changed_or_deleted_through_the_code():
    in_assessment()
    event = AuditEvent.objects.first()
    event.reason = "anders"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit.record("test.something", AuditEvent(pk=1), by=None)
    assert not AuditEvent.objects.exists()


def test_plain_values_hash_the_same_everywhere():
    from decimal import Decimal

    assert audit.plain({"a": {2, 1}, "b": Decimal("1.50"), "c": None}) == {
        "a": [1, 2],
        "b": "1.50",
        "c": None,
    }


def visible(name) -> set[str]:
    from tests.factories import person

    return set(AuditEvent.objects.visible_to(person(name)).values_list("action", flat=True))


def test_the_secretariat_sees_its_citys_events_but_never_a_draft():
    from tests.factories import draft, person

    proposal = draft()
    person("secretariat_antwerpen"), person("applicant_gent"), person("auditor")
    saved = {"proposals.proposal.created"}
    assert not visible("secretariat_gent") & saved  # the draft is the applicant's own
    assert saved <= visible("auditor") and saved <= visible("managing_authority")
    from gti.proposals.services import submit_proposal

    submit_proposal(proposal, by=person("applicant_gent"))
    gent = visible("secretariat_gent")
    assert {"proposals.proposal.created", "proposals.proposal.submitted"} <= gent
    antwerp = AuditEvent.objects.visible_to(person("secretariat_antwerpen"))
    assert antwerp.exists() and not antwerp.exclude(city="antwerpen").exists()
    assert visible("applicant_gent") == set() and visible("steering_gent") == set()


def test_the_audit_page_reads_only_the_scoped_events(client):
    from tests.factories import draft, person

    proposal = draft(title="Geheim ontwerp")
    client.force_login(person("secretariat_gent"))
    page = client.get("/accounts/audit/").content.decode()
    assert proposal.reference not in page and "Geheim ontwerp" not in page
    client.force_login(person("auditor"))
    assert proposal.reference in client.get("/accounts/audit/").content.decode()
    client.force_login(person("applicant_gent"))
    assert client.get("/accounts/audit/").status_code == 403
