"""Throttles shared across processes through Redis (``REDIS_URL``), counted alone without it.

Two ``create_app`` calls stand for two server processes: they share nothing but the database and,
when configured, Redis. ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/7``; 8 for the
pytest-xdist worker gw1, and so on) names a Redis database these tests empty; without a reachable
Redis they skip, except under ``CI``, where they fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.asgi import create_app
from app.services import organisers
from app.settings import Settings
from app.web.api_auth import FAILED_ATTEMPTS_LIMIT, ORGANISER_API_PREFIX
from app.web.stores import NAMESPACE
from tests.clock import ManualClock
from tests.conftest import FIXED_NOW, IN_CI, WORKER, registration_form
from tests.web.conftest import SameLoopTestClient, cookie_token, submit, upcoming

#: Redis database 7, and one more per pytest-xdist worker (gw0: 7, gw1: 8, ...), so that
#: workers running at once never empty each other's.
_REDIS_DATABASE = 7 + (int(WORKER.removeprefix("gw")) if WORKER.startswith("gw") else 0)
TEST_REDIS_URL = (
    os.environ.get("TEST_REDIS_URL", "").strip() or f"redis://127.0.0.1:6379/{_REDIS_DATABASE}"
)
EMAIL = "drossel@example.org"
PASSWORD = "ein-langes-passwort-42"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """An empty Redis database for the test; a missing Redis fails under CI."""
    admin = Redis.from_url(TEST_REDIS_URL)
    try:
        await admin.flushdb()
    except (RedisConnectionError, OSError) as error:
        await admin.aclose()
        message = f"Redis at {TEST_REDIS_URL} is unreachable: {error}"
        if IN_CI:
            pytest.fail(f"CI is set: Redis is required. {message}")
        pytest.skip(message)
    try:
        yield TEST_REDIS_URL
    finally:
        await admin.flushdb()
        await admin.aclose()


@contextlib.asynccontextmanager
async def two_processes(
    db, settings: Settings, **changes: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Clients of two separate apps on the same database, each app started and shut down."""
    apps = [
        create_app(
            dataclasses.replace(settings, **changes), database=db, clock=ManualClock(FIXED_NOW)
        )
        for _ in range(2)
    ]
    async with (
        _running(apps[0]) as first,
        _running(apps[1]) as second,
    ):
        yield first, second


@contextlib.asynccontextmanager
async def _running(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    # The lifespan closes the Redis client on shutdown.
    async with app.lifespan(), SameLoopTestClient(app) as client:
        yield client


async def _register_alternately(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], slug: str, count: int
) -> list[int]:
    answers = []
    for i in range(count):
        response = await submit(clients[i % 2], slug, registration_form(f"p{i}@example.org"))
        answers.append(response.status_code)
    return answers


async def test_registrations_spread_over_two_processes_share_one_count(
    db, settings, event_factory, redis_url
) -> None:
    event = await event_factory(**upcoming(slug="geteilt"))
    async with two_processes(
        db, settings, registration_rate_limit=3, redis_url=redis_url
    ) as clients:
        assert await _register_alternately(clients, event.slug, 5) == [303, 303, 303, 429, 429]
        refused = await submit(clients[1], event.slug, registration_form("spaet@example.org"))
        assert refused.status_code == 429
        assert "Zu viele Anfragen" in refused.text
    admin = Redis.from_url(redis_url)
    try:
        keys = [key.decode() async for key in admin.scan_iter("*")]
    finally:
        await admin.aclose()
    assert keys
    assert all(key.startswith(f"{NAMESPACE}_rate_limit:") for key in keys), keys


async def test_without_redis_each_process_counts_alone(db, settings, event_factory) -> None:
    event = await event_factory(**upcoming(slug="getrennt"))
    async with two_processes(db, settings, registration_rate_limit=3) as clients:
        # Each app lets three through: six in all before both refuse.
        assert await _register_alternately(clients, event.slug, 8) == [303] * 6 + [429, 429]


async def _sign_in(client: httpx.AsyncClient, password: str) -> int:
    await client.get("/organiser/sign-in")
    response = await client.post(
        "/organiser/sign-in",
        data={"email": EMAIL, "password": password, "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    return response.status_code


async def test_sign_in_attempts_share_one_count(db, settings, redis_url) -> None:
    await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    async with two_processes(db, settings, login_rate_limit=3, redis_url=redis_url) as clients:
        answers = [await _sign_in(clients[i % 2], f"falsch-{i}-xxxxxxx") for i in range(4)]
        assert answers == [400, 400, 400, 429]
        # The right password does not help either, in either process.
        assert await _sign_in(clients[0], PASSWORD) == 429
        assert await _sign_in(clients[1], PASSWORD) == 429


async def test_failed_api_tokens_share_one_count(db, settings, redis_url) -> None:
    bad = {"Authorization": "Bearer tp_" + "B" * 43}
    url = f"{ORGANISER_API_PREFIX}/events"
    async with two_processes(db, settings, redis_url=redis_url) as clients:
        for i in range(FAILED_ATTEMPTS_LIMIT):
            assert (await clients[i % 2].get(url, headers=bad)).status_code == 401
        for client in clients:
            refused = await client.get(url, headers=bad)
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "60"


async def test_without_redis_failed_api_tokens_count_per_process(db, settings) -> None:
    bad = {"Authorization": "Bearer tp_" + "B" * 43}
    url = f"{ORGANISER_API_PREFIX}/events"
    async with two_processes(db, settings) as clients:
        for i in range(FAILED_ATTEMPTS_LIMIT + 2):
            assert (await clients[i % 2].get(url, headers=bad)).status_code == 401


def test_redis_url_from_the_environment() -> None:
    base = {"SECRET_KEY": "s" * 32}
    assert Settings.from_env(base).redis_url == ""
    url = "redis://:geheim@redis.intern:6379/2"
    settings = Settings.from_env({**base, "REDIS_URL": url})
    assert settings.redis_url == url
    assert "geheim" not in repr(settings)
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings.from_env({**base, "REDIS_URL": "http://redis.intern"})
