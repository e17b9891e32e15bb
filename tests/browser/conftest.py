"""Browser fixtures: ``python -m app serve`` as a real process, and Debian's Chromium driven by
Playwright's sync API.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM_PATH``), not Playwright's
own download. Without it the browser tests are skipped locally and fail under ``CI``, which
installs it (``.ci/run``). Each test gets a fresh database (SQLite, and PostgreSQL when
``TEST_DATABASE_URL`` is set), an organiser made with ``python -m app create-organiser``, and a
server of its own on a free port.

The tests are plain ``def`` functions: Playwright's sync API runs its own event loop and refuses
to start inside a running one, which a pytest-asyncio test would have.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import httpx
import pytest

from tests.conftest import IN_CI
from tests.smtp_sink import free_port

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, BrowserContext, Page

    #: Makes a new browser context (its own cookies) on the live server.
    BrowserContextFactory = Callable[[], BrowserContext]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "").strip() or "/usr/bin/chromium"

ORGANISER_EMAIL = "orga@example.org"
ORGANISER_NAME = "Olena Koval"
ORGANISER_PASSWORD = "Kyjiw-Dortmund-2026"

#: How long the server may take to answer its first ``/healthz`` (a guard, not a measurement).
STARTUP_LIMIT_SECONDS = 60
#: How long ``expect(...)`` waits for a page to show what it should (Playwright's default: 5 s).
EXPECT_TIMEOUT_MS = 20_000


def _unavailable(reason: str) -> NoReturn:
    """Skip with ``reason`` locally; under ``CI`` the browser is required, so fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI needs the browser tests: failing, not skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, or a skip (locally) or a failure (CI) saying why it is missing.

    Playwright itself is a test dependency like pytest: without it the modules do not import.
    """
    path = Path(CHROMIUM_PATH)
    if not (path.is_file() and os.access(path, os.X_OK)):
        _unavailable(f"no Chromium at {path} (apt-get install chromium, or set CHROMIUM_PATH)")
    return str(path)


@dataclass
class LiveServer:
    """A running ``python -m app serve`` and what a test needs to talk to it."""

    base_url: str
    database_url: str
    mail_dir: Path
    log: Path
    env: dict[str, str] = field(repr=False)

    def url(self, path: str) -> str:
        """The absolute address of ``path``."""
        return self.base_url + path


def _run_app(arguments: list[str], env: dict[str, str], stdin: str = "") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"python -m app {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    )


def _wait_until_healthy(server: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        if server.poll() is not None:
            pytest.fail(
                f"serve exited with {server.returncode} before answering:\n"
                + log.read_text(errors="replace")
            )
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(
                f"serve did not answer /healthz within {STARTUP_LIMIT_SECONDS} s:\n"
                + log.read_text(errors="replace")
            )
        time.sleep(0.1)


@pytest.fixture
def server_env() -> dict[str, str]:
    """Settings of the live server beyond the fixture's own (a module may override it)."""
    return {}


@pytest.fixture
def live_server(
    chromium_path: str, database_url: str, tmp_path: Path, server_env: dict[str, str]
) -> Iterator[LiveServer]:
    """``python -m app serve`` on the test's fresh database, with one organiser account.

    No sample events, no rate limits, mail written as files to ``<tmp>/mail`` by the sender in
    the web process. The server's output is printed at the end (pytest shows it for failures).
    ``server_env`` adds or overrides settings.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-tests-" + "k" * 18,
        "BASE_URL": base_url,
        "DEBUG": "",
        "LOAD_SAMPLES": "0",
        "MAIL_DIR": str(mail_dir),
        "MAIL_SENDER": "1",
        "MAIL_FROM": "Treffpunkt <noreply@treffpunkt.test>",
        "REGISTRATION_RATE_LIMIT": "0",
        "LOGIN_RATE_LIMIT": "0",
        **server_env,
    }
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD"):
        env.pop(name, None)
    _run_app(
        ["create-organiser", "--email", ORGANISER_EMAIL, "--name", ORGANISER_NAME],
        env,
        stdin=f"{ORGANISER_PASSWORD}\n{ORGANISER_PASSWORD}\n",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(server, base_url, log)
        yield LiveServer(base_url, database_url, mail_dir, log, env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        print(f"--- output of serve on {base_url} ---")
        print(log.read_text(errors="replace"))


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    """Headless Chromium, one per test (Playwright's sandbox default passes --no-sandbox)."""
    from playwright.sync_api import expect, sync_playwright

    # Waiting is a guard against a hung page, never a measurement: generous on slow machines.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield launched
        finally:
            launched.close()


class BrowserErrors:
    """JavaScript errors and failed responses (5xx) seen by the pages of a context."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        """Record what goes wrong in every page of ``context``."""
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: {error}"))
        page.on(
            "response",
            lambda response: (
                self.seen.append(f"{response.status} {response.request.method} {response.url}")
                if response.status >= 500
                else None
            ),
        )


@pytest.fixture
def browser_errors() -> Iterator[BrowserErrors]:
    """Fails the test when a page threw a JavaScript error or got a server error."""
    errors = BrowserErrors()
    yield errors
    assert errors.seen == [], "the browser saw errors:\n" + "\n".join(errors.seen)


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, browser_errors: BrowserErrors
) -> Iterator[BrowserContextFactory]:
    """Make browser contexts (each with its own cookies) on the live server, in German."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.base_url,
            locale="de-DE",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        browser_errors.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, email: str = ORGANISER_EMAIL, password: str = ORGANISER_PASSWORD) -> None:
    """Fill and send the sign-in form the page shows."""
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
