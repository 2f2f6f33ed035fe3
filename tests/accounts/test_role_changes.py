"""Who may grant what: the roles that decide on money need a second person; invitations, revocation
and deactivation; one city's accounts are out of another's view; every change has its real actor."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import Client

from gti.accounts import permissions
from gti.accounts.models import AuditEvent, Role, RoleGrant, RoleRequest
from gti.accounts.services import (
    approve_role_request,
    create_user,
    deactivate_user,
    grant_role,
    refuse_role_request,
    request_role,
    revoke_role,
)
from gti.errors import Invalid, Refused
from gti.proposals.services import procedure_named
from gti.strategy.models import City, Programme
from tests.factories import PASSWORD, draft, person, submitted

pytestmark = pytest.mark.usefixtures("loaded")
User = get_user_model()
WHY = "Lid van de stuurgroep sinds de gemeenteraad van maart"


def gent():
    return City.objects.get(code="gent")


def antwerpen():
    return City.objects.get(code="antwerpen")


def second_authority():
    """A second managing-authority account (so one person asks, another approves)."""
    return person("managing_authority_2")


@pytest.fixture(autouse=True)
def _more_people(monkeypatch):
    from tests import factories

    monkeypatch.setitem(factories.PEOPLE, "managing_authority_2", (Role.MANAGING_AUTHORITY, None))


def state():
    """Everything a refused change must leave as it was."""
    return (
        sorted(RoleGrant.objects.values_list("user__username", "role", "city__code")),
        sorted(RoleRequest.objects.values_list("user__username", "role", "state")),
        sorted(User.objects.values_list("username", "is_active")),
        AuditEvent.objects.count(),
    )


# --- the four-eyes rule -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STEERING_COMMITTEE, Role.ASSESSOR, Role.SECRETARIAT])
def test_secretariat_cannot_grant_a_deciding_role_alone(role):
    someone, secretariat = person("applicant_gent_2"), person("secretariat_gent")
    before = state()
    with pytest.raises(PermissionDenied):
        grant_role(someone, role, gent(), by=secretariat)
    assert state() == before


def test_secretariat_creates_a_steering_member_as_a_request():
    secretariat = person("secretariat_gent")
    user = create_user(
        "stuurgroep-nieuw", role=Role.STEERING_COMMITTEE, city=gent(), by=secretariat,
        email="nieuw@example.org", reason=WHY,
    )  # fmt: skip
    assert permissions.roles(user) == set()
    request = RoleRequest.objects.get(user=user)
    assert (request.role, request.city, request.requested_by, request.state) == (
        Role.STEERING_COMMITTEE, gent(), secretariat, RoleRequest.State.REQUESTED,
    )  # fmt: skip
    event = AuditEvent.objects.get(action="accounts.role.requested")
    assert event.actor == secretariat and event.reason == WHY and event.city == "gent"


def test_a_request_needs_a_reason_and_nothing_is_created_without():
    secretariat = person("secretariat_gent")
    before = state()
    with pytest.raises(Invalid) as exc:
        create_user("x", role=Role.STEERING_COMMITTEE, city=gent(), by=secretariat)
    assert "reason" in exc.value.errors
    assert state() == before
    assert not User.objects.filter(username="x").exists()


def test_a_second_person_approves_and_the_grant_names_them():
    secretariat, authority = person("secretariat_gent"), person("managing_authority")
    someone = person("applicant_gent_2")
    request = request_role(someone, Role.STEERING_COMMITTEE, gent(), by=secretariat, reason=WHY)
    approve_role_request(request, by=authority)
    grant = RoleGrant.objects.get(user=someone, role=Role.STEERING_COMMITTEE)
    assert grant.granted_by == authority and grant.city == gent()
    request.refresh_from_db()
    assert request.state == "approved" and request.decided_by == authority and request.decided_at
    actions = dict(
        AuditEvent.objects.filter(action__startswith="accounts.role.").values_list(
            "action", "actor_name"
        )
    )
    assert actions == {
        "accounts.role.requested": "secretariat_gent",
        "accounts.role.approved": "managing_authority",
        "accounts.role.granted": "managing_authority",
    }


def test_the_person_who_asked_never_approves():
    authority = person("managing_authority")
    someone = person("applicant_gent_2")
    request = request_role(someone, Role.STEERING_COMMITTEE, gent(), by=authority, reason=WHY)
    before = state()
    with pytest.raises(PermissionDenied):
        approve_role_request(request, by=authority)
    assert state() == before
    approve_role_request(request, by=second_authority())
    assert Role.STEERING_COMMITTEE in permissions.roles(someone, gent())


def test_nobody_approves_a_role_for_themselves():
    authority, other = person("managing_authority"), second_authority()
    request = request_role(other, Role.STEERING_COMMITTEE, gent(), by=authority, reason=WHY)
    before = state()
    with pytest.raises(PermissionDenied):
        approve_role_request(request, by=other)
    assert state() == before


@pytest.mark.parametrize("name", ["secretariat_gent", "steering_gent", "auditor", "applicant_gent"])
def test_only_the_managing_authority_or_an_administrator_decides(name):
    request = request_role(
        person("applicant_gent_2"), Role.ASSESSOR, gent(), by=person("secretariat_gent"),
        reason=WHY,
    )  # fmt: skip
    decider = person(name)
    before = state()
    with pytest.raises(PermissionDenied):
        approve_role_request(request, by=decider)
    assert state() == before
    admin = User.objects.create_superuser("beheerder", password=PASSWORD)
    approve_role_request(request, by=admin)
    assert Role.ASSESSOR in permissions.roles(person("applicant_gent_2"), gent())


def test_refusal_needs_a_reason_and_a_decided_request_stays_decided():
    request = request_role(
        person("applicant_gent_2"), Role.STEERING_COMMITTEE, gent(),
        by=person("secretariat_gent"), reason=WHY,
    )  # fmt: skip
    authority = person("managing_authority")
    with pytest.raises(Invalid):
        refuse_role_request(request, by=authority, reason=" ")
    refuse_role_request(request, by=authority, reason="Geen lid van de stuurgroep")
    before = state()
    with pytest.raises(Refused):
        approve_role_request(request, by=authority)
    assert state() == before
    assert Role.STEERING_COMMITTEE not in permissions.roles(person("applicant_gent_2"))


def test_the_secretariat_cannot_ask_for_another_citys_roles():
    with pytest.raises(PermissionDenied):
        request_role(
            person("applicant_gent_2"), Role.ASSESSOR, antwerpen(),
            by=person("secretariat_gent"), reason=WHY,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # programme-wide
        request_role(
            person("applicant_gent_2"), Role.ASSESSOR, None, by=person("secretariat_gent"),
            reason=WHY,
        )  # fmt: skip


def test_an_assessor_may_hold_the_role_for_the_whole_programme():
    expert = person("applicant_gent_2")
    request = request_role(expert, Role.ASSESSOR, None, by=person("managing_authority"), reason=WHY)
    approve_role_request(request, by=second_authority())
    assert Role.ASSESSOR in permissions.roles(expert, gent())
    assert Role.ASSESSOR in permissions.roles(expert, antwerpen())
    assert permissions.cities(expert, Role.ASSESSOR) is None
    with pytest.raises(Invalid):
        grant_role(expert, Role.STEERING_COMMITTEE, None)  # a committee belongs to one city


# --- passwords and invitations ------------------------------------------------------------------


def test_create_user_checks_the_password_with_djangos_validators():
    with pytest.raises(Invalid) as exc:
        create_user("kort", password="abc", role=Role.APPLICANT, city=gent())
    assert "password" in exc.value.errors and exc.value.errors["password"]
    assert not User.objects.filter(username="kort").exists()
    create_user("lang", password=PASSWORD, role=Role.APPLICANT, city=gent())
    assert User.objects.get(username="lang").check_password(PASSWORD)


def invitation_path(mail) -> str:
    return re.search(r"https?://[^/]+(/\S+)", mail.body).group(1)


def test_the_invited_person_sets_their_own_password_once(client, mailoutbox):
    client.force_login(person("secretariat_gent"))
    client.post("/accounts/users/", {
        "username": "nieuw", "email": "nieuw@example.org", "role": "applicant", "city": "gent",
    })  # fmt: skip
    client.logout()
    link = invitation_path(mailoutbox[0])
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert 'id="id_new_password2_error"' in weak.content.decode() or "errorlist" in (
        weak.content.decode()
    )
    assert not User.objects.get(username="nieuw").has_usable_password()
    done = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    assert client.login(request=HttpRequest(), username="nieuw", password=PASSWORD)
    client.logout()
    again = client.get(link, follow=True)
    assert "new_password1" not in again.content.decode()  # a spent link


def test_password_change_is_checked_by_the_validators(client):
    client.force_login(person("applicant_gent"))
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD,
        "new_password1": "applicant_gent",
        "new_password2": "applicant_gent",
    })  # fmt: skip
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert person("applicant_gent").check_password(PASSWORD)


# --- revoke and deactivate ----------------------------------------------------------------------


def test_deactivated_account_cannot_log_in_and_the_actor_is_recorded(client):
    target = person("applicant_gent_2")
    deactivate_user(target, by=person("secretariat_gent"), reason="Vertrokken")
    target.refresh_from_db()
    assert not target.is_active
    assert not Client().login(request=HttpRequest(), username="applicant_gent_2", password=PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.deactivated")
    assert (event.actor_name, event.reason, event.city) == (
        "secretariat_gent",
        "Vertrokken",
        "gent",
    )


def test_a_revocation_and_a_refusal_are_on_the_trail_with_the_real_actor(client):
    target = person("assessor_gent")
    grant = target.role_grants.get()
    client.force_login(person("managing_authority"))
    client.post(f"/accounts/users/{target.pk}/roles/{grant.pk}/revoke/",
                {"reason": "Niet langer onafhankelijk"})  # fmt: skip
    event = AuditEvent.objects.get(action="accounts.role.revoked")
    assert (event.actor_name, event.reason, event.city, event.before["role"]) == (
        "managing_authority", "Niet langer onafhankelijk", "gent", Role.ASSESSOR,
    )  # fmt: skip
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    request = request_role(
        person("applicant_gent_2"), Role.STEERING_COMMITTEE, gent(),
        by=person("secretariat_gent"), reason=WHY,
    )  # fmt: skip
    refuse_role_request(request, by=person("managing_authority"), reason="Geen lid")
    event = AuditEvent.objects.get(action="accounts.role.refused")
    assert (event.actor_name, event.reason, event.city) == (
        "managing_authority",
        "Geen lid",
        "gent",
    )
    with pytest.raises(PermissionDenied):  # another city's secretariat revokes nothing
        revoke_role(person("applicant_gent"), Role.APPLICANT, gent(),
                    by=person("secretariat_antwerpen"), reason="x")  # fmt: skip
    assert AuditEvent.objects.filter(action="accounts.role.revoked").count() == 1


def test_a_secretariat_does_not_deactivate_an_account_with_roles_elsewhere():
    target = person("applicant_gent_2")
    grant_role(target, Role.APPLICANT, antwerpen())
    secretariat = person("secretariat_gent")
    before = state()
    with pytest.raises(PermissionDenied):
        deactivate_user(target, by=secretariat, reason="Vertrokken")
    assert state() == before


def test_nobody_deactivates_themselves():
    authority = person("managing_authority")
    with pytest.raises(PermissionDenied):
        deactivate_user(authority, by=authority, reason="x")
    assert User.objects.get(pk=authority.pk).is_active


def test_a_revocation_without_reason_changes_nothing(client):
    target = person("assessor_gent")
    grant = target.role_grants.get()
    client.force_login(person("secretariat_gent"))
    before = state()
    response = client.post(f"/accounts/users/{target.pk}/roles/{grant.pk}/revoke/", {"reason": ""})
    assert response.status_code == 302
    assert state() == before


# --- two roles held: each judged by its own rule ------------------------------------------------


def test_an_applicant_who_is_also_an_unassigned_assessor_sees_only_their_own():
    other = submitted()  # applicant_gent's
    someone = person("applicant_gent_2")
    grant_role(someone, Role.ASSESSOR, gent())
    assert not permissions.can(someone, "proposal.view", other)
    mine = draft(other.call, applicant="applicant_gent_2")
    assert permissions.can(someone, "proposal.view", mine)
    assert permissions.can(someone, "proposal.edit", mine)


def test_applicant_in_ghent_and_secretariat_in_antwerp():
    someone = person("applicant_gent_2")
    grant_role(someone, Role.SECRETARIAT, antwerpen())
    others_draft = draft()  # applicant_gent's, in Ghent
    mine = draft(others_draft.call, applicant="applicant_gent_2")
    assert permissions.can(someone, "proposal.edit", mine)
    assert permissions.can(someone, "proposal.view", mine)
    assert not permissions.can(someone, "proposal.view", others_draft)
    assert not permissions.can(someone, "proposal.edit", others_draft)
    assert not permissions.can(someone, "proposal.screen", submitted(others_draft.call))
    city_led = procedure_named(Programme.objects.current().get(), "city-led")
    assert permissions.can(someone, "call.create", city=antwerpen(), procedure=city_led)
    assert not permissions.can(someone, "call.create", city=gent(), procedure=city_led)


# --- the users pages: each role × each action ---------------------------------------------------

PEOPLE = [
    "applicant_gent",
    "secretariat_gent",
    "secretariat_antwerpen",
    "assessor_gent",
    "steering_gent",
    "managing_authority",
    "auditor",
    None,
]


def pending():
    return request_role(
        person("applicant_gent_2"), Role.STEERING_COMMITTEE, gent(),
        by=person("secretariat_gent"), reason=WHY,
    )  # fmt: skip


# action: (make what it acts on, page path, form data)
USER_ACTIONS = {
    "create": (
        lambda: None, "/accounts/users/",
        {"username": "nieuw", "email": "n@example.org", "role": "steering_committee",
         "city": "gent", "reason": WHY},
    ),
    "grant": (
        lambda: person("assessor_gent"), "/accounts/users/{pk}/",
        {"role": "applicant", "city": "gent", "reason": ""},
    ),
    "request": (
        lambda: person("assessor_gent"), "/accounts/users/{pk}/",
        {"role": "steering_committee", "city": "gent", "reason": WHY},
    ),
    "approve": (pending, "/accounts/users/requests/{pk}/approve/", {"reason": ""}),
    "refuse": (pending, "/accounts/users/requests/{pk}/refuse/", {"reason": "Nee"}),
    "revoke": (
        lambda: person("assessor_gent"),
        "/accounts/users/{pk}/roles/{grant}/revoke/", {"reason": "Weg"},
    ),
    "deactivate": (
        lambda: person("applicant_gent_2"), "/accounts/users/{pk}/deactivate/",
        {"reason": "Vertrokken"},
    ),
    "read": (lambda: person("assessor_gent"), "/accounts/users/{pk}/", None),
}  # fmt: skip
PROGRAMME = {"managing_authority"}
DONE_BY = {  # who may do it (the page answers 302 after the change, 200 for a read)
    "create": {"secretariat_gent"} | PROGRAMME,
    "grant": {"secretariat_gent"},
    "request": {"secretariat_gent"} | PROGRAMME,
    "approve": PROGRAMME,
    "refuse": PROGRAMME,
    "revoke": {"secretariat_gent"} | PROGRAMME,
    "deactivate": {"secretariat_gent"} | PROGRAMME,
    "read": {"secretariat_gent"} | PROGRAMME,
}
# Another city's secretariat: the account or request is out of its view (404); on the create form
# the other city is not a choice (the form answers with an error, 200).
OTHER_CITY = {"create": 200}
# The managing authority does not grant directly either: without a reason its request is refused
# on the form's "why" field.
SPECIAL = {("grant", "managing_authority"): 200}


def expected(action, name):
    if (action, name) in SPECIAL:
        return SPECIAL[action, name]
    if name is None:
        return 302
    if name in DONE_BY[action]:
        return 200 if action == "read" else 302
    if name == "secretariat_antwerpen":
        return OTHER_CITY.get(action, 404)
    return 403


@pytest.mark.parametrize("name", PEOPLE, ids=lambda n: n or "anonymous")
@pytest.mark.parametrize("action", list(USER_ACTIONS))
def test_users_pages(action, name):
    make, path, data = USER_ACTIONS[action]
    target = make()
    for someone in filter(None, PEOPLE):
        person(someone)
    grant = getattr(target, "role_grants", None)
    url = path.format(pk=getattr(target, "pk", ""), grant=grant.get().pk if grant else "")
    client = Client()
    if name:
        client.force_login(person(name))
    before = state()
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == expected(action, name), response.content[:300]
    if name is None:
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 302 and name:
        assert state() != before  # the allowed change really happened
    elif data is not None:
        assert state() == before


def test_another_citys_account_is_not_found_anywhere(client):
    ghent_person = person("applicant_gent_2")
    client.force_login(person("secretariat_antwerpen"))
    assert client.get(f"/accounts/users/{ghent_person.pk}/").status_code == 404
    assert "applicant_gent_2" not in client.get("/accounts/users/").content.decode()
    client.force_login(person("secretariat_gent"))
    assert client.get(f"/accounts/users/{ghent_person.pk}/").status_code == 200


def test_the_users_page_shows_waiting_requests_to_those_who_decide(client):
    request = pending()
    client.force_login(person("managing_authority"))
    page = client.get("/accounts/users/").content.decode()
    assert f"/accounts/users/requests/{request.pk}/approve/" in page
    client.force_login(person("secretariat_gent"))
    page = client.get("/accounts/users/").content.decode()
    assert "applicant_gent_2" in page and "/approve/" not in page


def test_an_invitation_is_sent_again_only_while_no_password_is_set(client, mailoutbox):
    secretariat = person("secretariat_gent")
    invited = create_user(
        "later", role=Role.APPLICANT, city=gent(), by=secretariat, email="later@example.org"
    )
    client.force_login(person("secretariat_antwerpen"))
    assert client.post(f"/accounts/users/{invited.pk}/invite/").status_code == 404
    client.force_login(secretariat)
    client.post(f"/accounts/users/{invited.pk}/invite/")
    assert [m.to for m in mailoutbox] == [["later@example.org"]]
    event = AuditEvent.objects.filter(action="accounts.user.invited").get()
    assert event.actor == secretariat
    has_password = person("applicant_gent")
    before = state()
    client.post(f"/accounts/users/{has_password.pk}/invite/")
    assert len(mailoutbox) == 1 and state() == before


def test_the_approver_sees_the_address_the_invitation_went_to(client):
    request = pending()
    client.force_login(person("managing_authority"))
    assert request.user.email in client.get("/accounts/users/").content.decode()
