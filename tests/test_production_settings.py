"""Production settings: the deploy check is clean behind HTTPS, every page carries a strict
Content-Security-Policy, sessions last a working day, SQLite waits instead of failing."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def gti(*args, env_extra, tmp_path):
    # A clean environment: the browser tests of the same run allow async-unsafe ORM calls.
    skip = ("GTI_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(GTI_DATA_DIR=str(tmp_path), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "gti", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean_behind_https(tmp_path):
    result = gti(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "GTI_HTTPS": "1",
            "GTI_SECRET_KEY": secrets.token_urlsafe(50),
            "GTI_ALLOWED_HOSTS": "gti.example.org",
            "GTI_EMAIL_HOST": "smtp.example.org",  # production sends real e-mail
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_https_settings(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = gti(
        "shell", "--no-imports", "-c", code, env_extra={"GTI_HTTPS": "1"}, tmp_path=tmp_path
    )
    assert result.stdout.split(maxsplit=5) == [
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ], result.stderr


MAIL = (
    "from django.core import mail; from django.conf import settings as s; "
    "c = mail.get_connection(); "
    "print(type(c).__module__, getattr(c, 'host', '-'), getattr(c, 'port', '-'), "
    "getattr(c, 'username', '-'), getattr(c, 'use_tls', '-'), s.DEFAULT_FROM_EMAIL)"
)


def test_mail_goes_to_the_console_unless_an_smtp_server_is_configured(tmp_path):
    result = gti("shell", "--no-imports", "-c", MAIL, env_extra={}, tmp_path=tmp_path)
    assert result.stdout.split()[0] == "django.core.mail.backends.console", result.stderr
    smtp = {"GTI_EMAIL_HOST": "smtp.stad.gent", "GTI_EMAIL_PORT": "2525",
            "GTI_EMAIL_USER": "gti", "GTI_EMAIL_PASSWORD": "geheim", "GTI_EMAIL_TLS": "0",
            "GTI_EMAIL_FROM": "efro@stad.gent"}  # fmt: skip
    result = gti("shell", "--no-imports", "-c", MAIL, env_extra=smtp, tmp_path=tmp_path)
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp", "smtp.stad.gent", "2525", "gti", "False",
        "efro@stad.gent",
    ], result.stderr  # fmt: skip


def test_a_working_day_of_session():
    assert settings.SESSION_COOKIE_AGE == 9 * 3600


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, loaded):
    response = client.get("/en/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert "unsafe" not in policy["script-src"] + policy["style-src-elem"]
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_no_inline_script_in_any_template():
    from pathlib import Path

    import gti

    root = Path(gti.__file__).parent
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text()
        for chunk in text.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, template
        for handler in ("onclick=", "onchange=", "onload=", "onsubmit=", "hx-on"):
            assert handler not in text, (template, handler)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_waits_for_other_writers():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["timeout"] == 20 and options["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000


def test_sqlite_file_runs_in_wal_mode(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = gti("shell", "--no-imports", "-c", code, env_extra={}, tmp_path=tmp_path)
    assert result.stdout.strip() == "wal", result.stderr


@pytest.mark.django_db
def test_the_health_check_answers_without_login_and_is_never_cached(client):
    answer = client.get("/health/")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in answer["Cache-Control"]
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_a_load_balancer_may_ask_with_head(client):
    assert client.head("/health/").status_code == 200
