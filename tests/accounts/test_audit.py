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
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit.record("test.something", AuditEvent(pk=1), by=None)
    assert AuditEvent.objects.count() == before


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


def verify_with(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_deleting_the_newest_events_after_an_anchor_is_named(tmp_path):
    """Whoever rewrites the database can also fix the head; the anchor outside it still tells."""
    in_assessment()
    anchors = tmp_path / "anchors.log"
    out = io.StringIO()
    call_command("audit", "anchor", "--file", str(anchors), stdout=out)
    newest = AuditEvent.objects.order_by("-id").first()
    when, event_id, event_hash = out.getvalue().split()
    assert (int(event_id), event_hash) == (newest.pk, newest.hash)
    assert anchors.read_text() == out.getvalue()
    assert verify_with("--anchors", str(anchors))[0] == 0

    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:3])
    raw("DELETE FROM accounts_auditevent WHERE id >= %s", ids[-1])
    keep = AuditEvent.objects.order_by("-id").first()
    raw("UPDATE accounts_audithead SET last_hash = %s", keep.hash)
    assert verify()[0] == 0  # the chain alone looks whole: the head was rewritten too

    code, out = verify_with("--anchors", str(anchors))
    assert code == 1
    assert f"audit event #{newest.pk}: anchored at {when} but no longer in the trail" in out


def test_anchors_are_appended_and_checked_by_default(settings):
    in_assessment()
    call_command("audit", "anchor", stdout=io.StringIO())
    call_command("audit", "anchor", stdout=io.StringIO())
    lines = (settings.DATA_DIR / "audit-anchors.log").read_text().splitlines()
    assert len(lines) == 2
    raw("DELETE FROM accounts_auditevent WHERE id = %s", int(lines[0].split()[1]))
    raw("UPDATE accounts_audithead SET last_hash = %s", AuditEvent.objects.latest("id").hash)
    code, out = verify()
    assert code == 1
    assert "no longer in the trail" in out


def test_anchor_print_only_writes_no_file(settings):
    in_assessment()
    out = io.StringIO()
    call_command("audit", "anchor", "--print", stdout=out)
    assert out.getvalue().split()[1] == str(AuditEvent.objects.latest("id").pk)
    assert not (settings.DATA_DIR / "audit-anchors.log").exists()


def test_strategy_load_records_each_file_with_its_hash():
    import hashlib

    from gti.strategy import schema, services

    services.load_files()  # already loaded: every file unchanged
    events = AuditEvent.objects.filter(action="strategy.file.unchanged").order_by("-id")
    files = schema.default_files()
    newest = list(events[: len(files)])
    by_name = {e.after["file"]: e.after["sha256"] for e in newest}
    assert by_name == {
        f.name: hashlib.sha256(f.read_text(encoding="utf-8").encode()).hexdigest() for f in files
    }
    assert {e.actor_name for e in newest} == {"system"}


def test_an_auditor_checks_the_chain_from_the_page(client):
    from tests.factories import person

    in_assessment()
    client.force_login(person("auditor"))
    page = client.get("/en/accounts/audit/").content.decode()
    assert "Check the whole audit trail now" in page
    response = client.post("/en/accounts/audit/verify/", follow=True)
    body = response.content.decode()
    assert f"{AuditEvent.objects.count()} events checked" in body and "Intact" in body

    victim = AuditEvent.objects.filter(action="proposals.proposal.admissible").get()
    raw("UPDATE accounts_auditevent SET reason = %s WHERE id = %s", "stil aangepast", victim.pk)
    body = client.post("/en/accounts/audit/verify/", follow=True).content.decode()
    assert "Broken" in body
    assert f"audit event #{victim.pk}: content changed after it was written" in body


def test_the_secretariat_cannot_run_the_chain_check(client):
    from tests.factories import person

    client.force_login(person("secretariat_gent"))
    assert (
        "Check the whole audit trail now" not in client.get("/en/accounts/audit/").content.decode()
    )
    assert client.post("/en/accounts/audit/verify/").status_code == 403


def test_admin_edits_are_on_the_trail(client):
    """An administrator removes a lost authenticator in the admin: that is recorded."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import person

    admin = get_user_model().objects.create_superuser("admin", password="x")
    device = TOTPDevice.objects.create(user=person("managing_authority"), name="phone")
    client.force_login(admin)
    response = client.post(f"/en/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    event = AuditEvent.objects.filter(action="admin.deleted").get()
    assert event.actor == admin and event.object_id == str(device.pk)
    assert event.after["model"] == "otp_totp.totpdevice"
    code, _out = verify()
    assert code == 0
