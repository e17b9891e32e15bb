"""Web fixtures: the app on the test's database, driven through Litestar's async test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.db.database import Database
from app.settings import Settings

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def web_now() -> dt.datetime:
    """The real 'now' (the web layer reads the real clock), to the minute."""
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test app."""
    return Settings(database_url=database_url, secret_key="x" * 32, debug=True)


@pytest.fixture
async def client(db: Database, settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A client for the app on the test's database."""
    app = create_app(settings, database=db)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)
