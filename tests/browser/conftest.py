"""Browser fixtures: ``python -m app serve`` as a real process, and Debian's Chromium driven by
Playwright's sync API.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM_PATH``), not Playwright's
own download. Without it the browser tests are skipped locally and fail under ``CI``, which
installs it (``.ci/run``). A flow gets a fresh database (SQLite, and PostgreSQL when
``TEST_DATABASE_URL`` is set), an organiser made with ``python -m app create-organiser``, and a
server of its own on a free port (``live_server``). The read-only walks of a module (widths, axe,
the validator) may share one server seeded once (``module_sqlite_url`` and :func:`serving`).

The tests are plain ``def`` functions: Playwright's sync API runs its own event loop and refuses
to start inside a running one, which a pytest-asyncio test would have.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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
    #: Makes a new browser context (its own cookies) on the server given.
    BrowserContextsOn = Callable[["LiveServer"], BrowserContext]

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


@contextlib.contextmanager
def serving(
    database_url: str, folder: Path, server_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """``python -m app serve`` on the migrated database at ``database_url``, with one organiser
    account, its mail and log in ``folder``; stopped at the end.

    No sample events, no rate limits, mail written as files to ``<folder>/mail`` by the sender in
    the web process. The server's output is printed at the end (pytest shows it for failures).
    ``server_env`` adds or overrides settings.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    mail_dir = folder / "mail"
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
        **(server_env or {}),
    }
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD"):
        env.pop(name, None)
    _run_app(
        ["create-organiser", "--email", ORGANISER_EMAIL, "--name", ORGANISER_NAME],
        env,
        stdin=f"{ORGANISER_PASSWORD}\n{ORGANISER_PASSWORD}\n",
    )
    log = folder / "serve.log"
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
def live_server(
    chromium_path: str, database_url: str, tmp_path: Path, server_env: dict[str, str]
) -> Iterator[LiveServer]:
    """A server of the test's own (:func:`serving`) on the test's fresh database, SQLite and
    PostgreSQL: for the flows, which write through the database."""
    with serving(database_url, tmp_path, server_env) as server:
        yield server


@pytest.fixture(scope="module")
def module_sqlite_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A fresh, migrated SQLite database shared by a module's tests: for a server the module's
    read-only walks share (:func:`serving`), seeded once instead of once per test."""
    path = tmp_path_factory.mktemp("module-db") / "treffpunkt.sqlite3"
    shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    """Headless Chromium, one per test (Playwright's sandbox default passes --no-sandbox).

    Not one per process: while Playwright's sync API lives, its event loop counts as running in
    the thread, and the database fixtures' ``asyncio.run`` and the async tests would fail."""
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
def browser_contexts(
    browser: Browser, browser_errors: BrowserErrors
) -> Iterator[BrowserContextsOn]:
    """Make browser contexts (each with its own cookies) on a given server, in German; they are
    closed after the test."""
    contexts: list[BrowserContext] = []

    def make(server: LiveServer) -> BrowserContext:
        context = browser.new_context(
            base_url=server.base_url,
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


@pytest.fixture
def new_context(
    browser_contexts: BrowserContextsOn, live_server: LiveServer
) -> BrowserContextFactory:
    """Make browser contexts (each with its own cookies) on the live server, in German."""
    return lambda: browser_contexts(live_server)


def sign_in(page: Page, email: str = ORGANISER_EMAIL, password: str = ORGANISER_PASSWORD) -> None:
    """Fill and send the sign-in form the page shows."""
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
