"""The JSON API, its OpenAPI docs, the health endpoint, and what must never leak."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.db.database import Database
from app.domain.model import EventFormat, EventStatus, Seats
from app.settings import Settings
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, submit, upcoming

EVENT_FIELDS = {
    "slug",
    "url",
    "title",
    "teaser",
    "description",
    "format",
    "status",
    "starts_at",
    "ends_at",
    "timezone",
    "venue_name",
    "venue_address",
    "co_host",
    "programme",
    "people",
    "series",
    "tags",
    "is_sample",
    "registration_opens_at",
    "registration_deadline",
    "registration_open",
    "state",
    "modes",
    "translations",
}


async def test_list_and_detail_shapes(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(
            format=EventFormat.HYBRID, in_person_seats=Seats(2, 0), online_seats=Seats(None, 0)
        )
    )
    await submit(client, "konferenz", registration_form("a@example.org", mode="in_person"))
    response = await client.get("/api/v1/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    [event] = response.json()
    assert set(event) == EVENT_FIELDS
    assert event["slug"] == "konferenz"
    assert event["url"] == "http://127.0.0.1:8000/events/konferenz"
    assert event["starts_at"] == "2030-12-04T09:00:00Z"
    assert event["registration_open"] is True
    assert event["state"] == "open"
    assert event["modes"] == [
        {"mode": "in_person", "availability": "free", "seats_left": 1},
        {"mode": "online", "availability": "free", "seats_left": None},
    ]
    detail = await client.get("/api/v1/events/konferenz")
    assert detail.status_code == 200
    assert detail.json() == event


async def test_past_and_cancelled_events(client: AsyncTestClient, event_factory, now) -> None:
    await event_factory(
        slug="vorbei",
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=1),
    )
    await event_factory(**upcoming(slug="abgesagt", status=EventStatus.CANCELLED))
    upcoming_events = (await client.get("/api/v1/events")).json()
    assert [e["slug"] for e in upcoming_events] == ["abgesagt"]
    assert upcoming_events[0]["status"] == "cancelled"
    assert upcoming_events[0]["registration_open"] is False
    assert upcoming_events[0]["state"] == "cancelled"
    past = (await client.get("/api/v1/events", params={"past": "true"})).json()
    assert [e["slug"] for e in past] == ["vorbei"]
    assert past[0]["state"] == "past"


async def test_drafts_and_unknown_are_problem_details(
    client: AsyncTestClient, event_factory
) -> None:
    await event_factory(**upcoming(slug="entwurf", status=EventStatus.DRAFT))
    assert (await client.get("/api/v1/events")).json() == []
    for path in (
        "/api/v1/events/entwurf",
        "/api/v1/events/gibt-es-nicht",
        "/api/v1/nirgends",
        "/api/v1/events/%00",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 404
        assert body["title"]


async def test_bad_query_is_a_problem(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/events", params={"past": "vielleicht"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400


async def test_access_data_never_public(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    await event_factory(**upcoming(slug="online", format=EventFormat.ONLINE))
    await event_factory(**upcoming(slug="hybrid", format=EventFormat.HYBRID))
    await event_factory(
        slug="vorbei",
        format=EventFormat.ONLINE,
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=2) + dt.timedelta(hours=1),
    )
    await submit(client, "online", registration_form("a@example.org"))
    paths = [
        "/",
        "/past",
        "/events/online",
        "/events/hybrid",
        "/events/vorbei",
        "/api/v1/events",
        "/api/v1/events?past=true",
        "/api/v1/events/online",
        "/api/v1/events/hybrid",
        "/api/v1/events/vorbei",
        "/api/schema/openapi.json",
        "/api/schema",
    ]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        for secret in SECRETS:
            assert secret not in response.text, (path, secret)
        assert "join_url" not in response.text, path
        assert "passcode" not in response.text.lower(), path


async def test_openapi_schema_and_local_docs(client: AsyncTestClient) -> None:
    schema = await client.get("/api/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/events" in paths
    assert "/api/v1/events/{slug}" in paths
    assert not any(path.startswith(("/events", "/r/")) for path in paths)
    docs = await client.get("/api/schema")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "http" not in docs.text
    assert "<script>" not in docs.text  # the start-up code is a file, so script-src stays 'self'
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    init = await client.get("/static/swagger-init.js")
    assert init.status_code == 200


async def test_health(client: AsyncTestClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


class _BrokenDatabase(Database):
    async def ping(self) -> None:
        raise OSError("connection refused")


async def test_health_reports_a_broken_database(settings: Settings, clock) -> None:
    broken = _BrokenDatabase.from_url("sqlite:////nonexistent/never.sqlite3")
    app = create_app(settings, database=broken, clock=clock)
    async with AsyncTestClient(app=app) as test_client:
        response = await test_client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


async def test_app_opens_and_closes_its_own_database(tmp_path: Path, clock) -> None:
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    setup = Database.from_url(url)
    await setup.connect()
    await setup.migrate()
    await setup.close()
    app = create_app(Settings(database_url=url, secret_key="z" * 32), clock=clock)
    async with AsyncTestClient(app=app) as test_client:
        assert (await test_client.get("/healthz")).json() == {"status": "ok"}
        assert (await test_client.get("/api/v1/events")).json() == []


def test_importing_the_module_needs_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delitem(sys.modules, "app.asgi")
    module = importlib.import_module("app.asgi")
    assert callable(module.create_app)
    with pytest.raises(AttributeError):
        _ = module.no_such_thing
