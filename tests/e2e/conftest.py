"""Browser tests: Playwright for Python driving Debian's chromium against the live test server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from gti.strategy import services

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told that this is fine (the test and the server share no connection).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("GTI_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def site(transactional_db, live_server):
    """The live server with the strategy loaded."""
    services.load_files()
    return live_server


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page for WCAG 2.1 A and AA; return the violations found."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `npm ci` (make test does)")
    # Evaluated through the browser's debugging protocol: the pages' Content-Security-Policy
    # rightly blocks an injected inline script.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
