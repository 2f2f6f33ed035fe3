"""The read-only admin for the secretariat, and the local administrator that `make run` makes."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command


def test_admin_shows_the_loaded_strategy_read_only(client, loaded, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/strategy/strategy/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "GTI-platform beheer" in content
    assert "Antwerpen" in content and "Gent" in content
    assert client.get("/admin/strategy/strategy/add/").status_code == 403
    assert client.get("/admin/strategy/indicator/?q=RCO74").status_code == 200


def test_admin_requires_login(client, loaded):
    response = client.get("/admin/strategy/strategy/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_local_admin_is_made_once_and_the_login_printed(db, settings):
    out = io.StringIO()
    call_command("localadmin", stdout=out)
    password = (settings.DATA_DIR / "admin-password.txt").read_text().strip()
    assert f"password '{password}'" in out.getvalue()
    assert "http://127.0.0.1:8000/accounts/login/" in out.getvalue()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    call_command("localadmin", stdout=io.StringIO())
    assert get_user_model().objects.count() == 1
    user.refresh_from_db()
    assert user.check_password(password)  # not reset by a second run
