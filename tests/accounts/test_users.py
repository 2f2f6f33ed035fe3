"""The secretariat manages the users of its own city, and only those; new people set their own
password through an invitation."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from gti.accounts import permissions
from gti.accounts.models import AuditEvent, Role
from gti.accounts.services import grant_role, revoke_role
from gti.strategy.models import City
from tests.factories import person

pytestmark = pytest.mark.usefixtures("loaded")
FORM = {
    "username": "nieuw",
    "name": "Nieuwe Persoon",
    "email": "nieuw@example.org",
    "role": "applicant",
    "city": "gent",
}


def test_secretariat_creates_an_applicant_of_its_city_who_is_invited(client, mailoutbox):
    secretariat = person("secretariat_gent")
    client.force_login(secretariat)
    response = client.post("/accounts/users/", FORM)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="nieuw")
    assert permissions.roles(user, City.objects.get(code="gent")) == {Role.APPLICANT}
    assert not user.has_usable_password()  # the person chooses it
    assert user.role_grants.get().granted_by == secretariat
    [mail] = mailoutbox
    assert mail.to == ["nieuw@example.org"] and "/accounts/invitation/" in mail.body
    actors = set(
        AuditEvent.objects.filter(object_label="nieuw").values_list("actor_name", flat=True)
    )
    assert actors == {"secretariat_gent"}  # the person who did it, never "system"


def test_secretariat_cannot_choose_another_city(client):
    client.force_login(person("secretariat_gent"))
    response = client.post("/accounts/users/", {**FORM, "city": "antwerpen"})
    assert response.status_code == 200 and "antwerpen" in response.content.decode()
    assert not get_user_model().objects.filter(username="nieuw").exists()


@pytest.mark.parametrize("name", ["applicant_gent", "assessor_gent", "auditor", "steering_gent"])
def test_other_roles_do_not_manage_users(client, name):
    client.force_login(person(name))
    assert client.post("/accounts/users/", FORM).status_code == 403
    assert not get_user_model().objects.filter(username="nieuw").exists()


def test_taken_user_name_is_refused_by_field(client):
    person("assessor_gent")
    client.force_login(person("secretariat_gent"))
    response = client.post("/accounts/users/", {**FORM, "username": "assessor_gent"})
    assert "deze gebruikersnaam is al in gebruik" in response.content.decode()
    assert get_user_model().objects.filter(username="assessor_gent").count() == 1


def test_grants_stay_inside_the_city():
    gent, antwerpen = City.objects.get(code="gent"), City.objects.get(code="antwerpen")
    secretariat, someone = person("secretariat_gent"), person("applicant_gent_2")
    with pytest.raises(PermissionDenied):
        grant_role(someone, Role.APPLICANT, antwerpen, by=secretariat)
    with pytest.raises(PermissionDenied):
        grant_role(someone, Role.AUDITOR, None, by=secretariat)
    grant_role(someone, Role.ASSESSOR, gent)  # the system (set-up)
    revoke_role(someone, Role.ASSESSOR, gent, by=secretariat, reason="Leaves the working group")
    assert permissions.roles(someone, gent) == {Role.APPLICANT}


def test_log_in_change_password_and_log_out(client):
    from tests.factories import PASSWORD

    person("applicant_gent")
    response = client.post("/accounts/login/", {"username": "applicant_gent", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/dashboard/"
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD,
        "new_password1": "een nieuw lang wachtwoord",
        "new_password2": "een nieuw lang wachtwoord",
    })  # fmt: skip
    assert response.status_code == 302
    assert person("applicant_gent").check_password("een nieuw lang wachtwoord")
    client.post("/accounts/logout/")
    assert client.get("/accounts/dashboard/").status_code == 302


def test_wrong_password_is_refused(client):
    person("applicant_gent")
    response = client.post("/accounts/login/", {"username": "applicant_gent", "password": "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
