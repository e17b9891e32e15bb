"""Web fixtures: the app on the test's database, driven through Litestar's async test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.db.database import Database
from app.settings import Settings
from tests.clock import ManualClock

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test app."""
    # The tests that send mail start their own sender against their own SMTP server.
    return Settings(
        database_url=database_url, secret_key="x" * 32, debug=True, mail_sender_in_serve=False
    )


class SameLoopTestClient(AsyncTestClient):
    """Litestar's ``AsyncTestClient``, with the app running on the test's own event loop.

    ``AsyncTestClient`` runs the app in a portal thread with a loop of its own, but the ``db``
    fixture's asyncpg pool belongs to the test's loop and cannot be used from another one (SQLite's
    kept connections happen not to care). httpx's ASGI transport calls the app in place. The app
    has no start-up work of its own when it is given a database, so no lifespan is needed.
    """

    def __init__(self, app: Litestar, base_url: str = "http://testserver.local") -> None:
        super().__init__(app=app, base_url=base_url)
        # Litestar spells the ASGI scope as TypedDicts, httpx as plain mappings: the same protocol.
        self._transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    async def __aenter__(self) -> SameLoopTestClient:
        await httpx.AsyncClient.__aenter__(self)
        return self

    async def __aexit__(self, *args: object) -> None:
        await httpx.AsyncClient.__aexit__(self, *args)  # type: ignore[arg-type]


@pytest.fixture
async def client(
    db: Database, settings: Settings, clock: ManualClock
) -> AsyncIterator[AsyncTestClient]:
    """A client for the app on the test's database, at the time of the test's ``clock``."""
    app = create_app(settings, database=db, clock=clock)
    async with SameLoopTestClient(app) as test_client:
        yield test_client


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


#: A fixed event far enough ahead to stay upcoming: Wednesday, 4 December 2030, 10:00–14:00 CET.
KNOWN_START = dt.datetime(2030, 12, 4, 9, 0, tzinfo=dt.UTC)
KNOWN_END = dt.datetime(2030, 12, 4, 13, 0, tzinfo=dt.UTC)
KNOWN_WHEN = "Mittwoch, 4. Dezember 2030, 10:00–14:00 Uhr"

#: The secrets make_event gives online and hybrid events.
SECRETS = ("SECRETPWD", "555 000 111", "987654", "zoom.example")


def upcoming(**overrides: object) -> dict[str, object]:
    """Overrides for an event that is upcoming at the tests' ``now``, registration open."""
    return {"starts_at": KNOWN_START, "ends_at": KNOWN_END, **overrides}


def cookie_token(client: httpx.AsyncClient) -> str:
    """The CSRF token the client holds (the form field carries the same value)."""
    token = client.cookies.get("treffpunkt_csrf")
    assert token, "no CSRF cookie yet: GET a page first"
    return token


async def submit(
    client: httpx.AsyncClient,
    slug: str,
    form: dict[str, str],
) -> httpx.Response:
    """Open the event page (for the CSRF token) and post ``form`` to its registration."""
    await client.get(f"/events/{slug}")
    return await client.post(
        f"/events/{slug}/register",
        data={**form, "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )


def token_from(location: str) -> str:
    """The personal token in a redirect to ``/r/<token>?new=1``."""
    assert location.startswith("/r/"), location
    return location.removeprefix("/r/").split("?")[0]
