"""A new version of a city's strategy applies only when a quorum of that city's steering committee
has signed its approval (GTI strategy, footnote 21); the first load applies at once."""

import shutil

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts.models import AuditEvent
from gti.errors import Refused
from gti.strategy import schema, services
from gti.strategy.models import Strategy, StrategyApproval
from tests.factories import person


def load_changed_ghent(tmp_path, old="Brede en laagdrempelige", new="Zeer brede"):
    shutil.copytree(schema.DATA_DIR, tmp_path, dirs_exist_ok=True)
    gent = tmp_path / "gent.yaml"
    gent.write_text(gent.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    services.load_files(sorted(tmp_path.glob("*.yaml")))
    return Strategy.objects.get(city__code="gent", status=Strategy.Status.AWAITING)


def state():
    return (
        list(Strategy.objects.order_by("pk").values_list("version", "is_current", "status")),
        StrategyApproval.objects.count(),
        # A load records each file it read; what must not change is everything else.
        AuditEvent.objects.exclude(action__startswith="strategy.file.")
        .exclude(action__startswith="accounts.login")
        .count(),
    )


def test_first_load_applies_at_once(loaded):
    ghent = Strategy.objects.current().get(city__code="gent")
    assert ghent.status == "approved" and ghent.approved_at is not None
    assert ghent.steering_committee_quorum == 2


def test_a_changed_file_waits_and_says_what_changes(loaded, tmp_path):
    pending = load_changed_ghent(tmp_path)
    assert not pending.is_current and pending.version == 2
    assert Strategy.objects.current().get(city__code="gent").version == 1
    [change] = pending.changes
    assert change["part"] == "principles" and change["added"] == change["removed"] == []
    assert len(change["changed"]) == 1
    assert services.describe_changes(pending.changes)[0].startswith("principles: changed G-")


def test_two_members_sign_and_the_version_applies(loaded, tmp_path):
    pending = load_changed_ghent(tmp_path)
    first, second = person("steering_gent"), person("steering_gent_2")
    events = AuditEvent.objects.count()
    services.sign_approval(pending, by=first)
    assert Strategy.objects.current().get(city__code="gent").version == 1  # one is not enough
    assert AuditEvent.objects.filter(action="strategy.approval_signed").count() == 1
    services.sign_approval(pending, by=second)
    current = Strategy.objects.current().get(city__code="gent")
    assert current.version == 2 and current.status == "approved"
    assert Strategy.objects.filter(city__code="gent", is_current=True).count() == 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[events:]
    assert actions == [
        "strategy.approval_signed",
        "strategy.approval_signed",
        "strategy.version_approved",
    ]
    with pytest.raises(Refused):  # approved: nothing left to sign
        services.sign_approval(current, by=first)


def test_one_member_cannot_sign_twice(loaded, tmp_path):
    pending = load_changed_ghent(tmp_path)
    services.sign_approval(pending, by=person("steering_gent"))
    before = state()
    with pytest.raises(Refused):
        services.sign_approval(pending, by=person("steering_gent"))
    assert state() == before


@pytest.mark.parametrize(
    "who", ["steering_antwerpen", "secretariat_gent", "applicant_gent", "managing_authority"]
)
def test_only_the_citys_steering_committee_signs(loaded, tmp_path, who):
    pending = load_changed_ghent(tmp_path)
    user = person(who)
    before = state()
    with pytest.raises(PermissionDenied):
        services.sign_approval(pending, by=user)
    assert state() == before


def test_a_newer_file_replaces_the_one_waiting(loaded, tmp_path):
    first = load_changed_ghent(tmp_path)
    services.sign_approval(first, by=person("steering_gent"))
    second = load_changed_ghent(tmp_path / "later", new="Heel brede")
    first.refresh_from_db()
    assert first.status == "replaced" and second.version == 3
    assert services.awaiting_approval(second.city) == second
    assert second.approvals.count() == 0  # signatures belong to the version signed


def test_loading_the_waiting_file_again_changes_nothing(loaded, tmp_path):
    load_changed_ghent(tmp_path)
    before = state()
    results = services.load_files(sorted(tmp_path.glob("*.yaml")))
    assert [r.created for r in results] == [False, False, False]
    assert state() == before


def test_the_steering_committee_sees_and_signs_on_the_page(client, loaded, tmp_path):
    load_changed_ghent(tmp_path)
    assert "Sign the approval" not in client.get("/en/strategies/gent/").content.decode()
    client.force_login(person("steering_gent"))
    page = client.get("/en/strategies/gent/").content.decode()
    assert "Version 2 awaits the approval of the steering committee" in page
    assert "principles: changed" in page and "Sign the approval of version 2" in page
    response = client.post("/en/strategies/gent/approve/")
    assert response.status_code == 302
    page = client.get("/en/strategies/gent/").content.decode()
    assert "You have signed the approval of this version." in page
    client.force_login(person("steering_gent_2"))
    client.post("/en/strategies/gent/approve/")
    page = client.get("/en/strategies/gent/").content.decode()
    assert "Version 2, loaded on" in page and "awaits the approval" not in page


def test_signing_is_refused_to_others_on_the_page(client, loaded, tmp_path):
    load_changed_ghent(tmp_path)
    secretariat = person("secretariat_gent")
    before = state()
    client.force_login(secretariat)
    assert client.post("/en/strategies/gent/approve/").status_code == 403
    client.logout()
    assert client.post("/en/strategies/gent/approve/").status_code == 302  # to the login page
    assert state() == before
