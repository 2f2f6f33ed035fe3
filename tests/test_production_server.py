"""The production set-up, served for real: gunicorn with deploy/gunicorn.conf.py and several
workers on PostgreSQL (the production database; SQLite's test database lives in the test's
process and no other process can reach it). A few hundred anonymous requests at once to the
public pages (the portal among them), the public API (the list of operations among it), the
static files and the health check: every one answered, none lost, none failing."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 300
AT_ONCE = 30
PATHS = [
    "/health/",
    "/en/",
    "/en/portal/",
    "/portal/catalog.jsonld",
    "/api/v1/operations",
    "/api/v1/programme",
    "/api/v1/indicators",
    "/api/v1/strategies",
    "/api/v1/areas",
    "/static/gti/site.css",
]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loaded"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host") or "localhost"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    if host.startswith("/"):  # a unix socket folder
        return f"postgresql://{auth}@/{db['NAME']}?host={host}"
    return f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def server(tmp_path):
    port = free_port()
    skip = ("GTI_", "DATABASE_URL", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        DATABASE_URL=database_url(),
        GTI_DATA_DIR=str(tmp_path),
        GTI_SECRET_KEY=secrets.token_urlsafe(50),
        GTI_ALLOWED_HOSTS="127.0.0.1",
        GTI_BIND=f"127.0.0.1:{port}",
        GTI_WEB_WORKERS="3",
        GTI_API_RATE_ANONYMOUS="100000/min",  # the load comes from one address
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:  # until the workers answer the health check
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail((tmp_path / "gunicorn.log").read_text()[-3000:])
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def fetch(url: str) -> tuple[int, int]:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.status, len(answer.read())


def test_gunicorn_answers_every_request_of_a_crowd(server):
    urls = [f"{server}{PATHS[n % len(PATHS)]}" for n in range(REQUESTS)]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(fetch, urls))
    assert len(answers) == REQUESTS
    assert {status for status, _ in answers} == {200}
    assert all(size > 0 for _, size in answers)
    with urllib.request.urlopen(f"{server}/health/") as answer:
        assert answer.read() == b'{"status": "ok", "database": "ok"}'
        assert "no-cache" in answer.headers["Cache-Control"]
