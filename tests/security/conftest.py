"""Fixtures of the attack tests: the app, its client, an organiser with an API token, an event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from app.db.database import Database
from app.domain.model import Event, Registration
from app.services import api_tokens, organisers, registrations
from tests.conftest import registration_form
from tests.web.conftest import client, settings, upcoming
from tests.web.test_organisers import EMAIL, PASSWORD

# The web tests' fixtures: the app on the test's database and its client.
__all__ = ["EMAIL", "PASSWORD", "World", "client", "settings"]


@dataclass(frozen=True)
class World:
    """What the attacks aim at."""

    event: Event
    registration: Registration
    api_secret: str


@pytest.fixture
async def world(db: Database, event_factory, now: dt.datetime) -> World:  # type: ignore[no-untyped-def]
    """An organiser (``EMAIL``/``PASSWORD``) with an API token; an event with one registration."""
    organiser = await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    secret = (await api_tokens.create(db, organiser.id, "Tests", now)).secret
    event = await event_factory(**upcoming(slug="konferenz"))
    made = await registrations.register(db, "konferenz", registration_form("anna@example.org"), now)
    return World(event=event, registration=made.registration, api_secret=secret)
