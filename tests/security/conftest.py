"""Fixtures of the attack tests: the app, its client, an organiser with an API token, an event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from app.db.database import Database
from app.domain.model import Event, Registration
from app.services import api_tokens, organisers, registrations
from app.settings import Settings
from tests.conftest import registration_request
from tests.web.conftest import client, upcoming
from tests.web.test_organisers import EMAIL, PASSWORD

# The web tests' fixtures: the app on the test's database and its client.
__all__ = ["EMAIL", "PASSWORD", "World", "client"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The web tests' settings without the throttles (tested on their own): each attack here
    is sent many times from one address, and a 429 would hide what the app does with it."""
    return Settings(
        database_url=database_url,
        secret_key="x" * 32,
        debug=True,
        mail_sender_in_serve=False,
        registration_rate_limit=0,
        login_rate_limit=0,
    )


@dataclass(frozen=True)
class World:
    """What the attacks aim at."""

    event: Event
    registration: Registration
    api_secret: str


@pytest.fixture
async def world(db: Database, event_factory, now: dt.datetime) -> World:
    """An organiser (``EMAIL``/``PASSWORD``) with an API token; an event with one registration."""
    organiser = await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    secret = (await api_tokens.create(db, organiser.id, "Tests", now)).secret
    event = await event_factory(**upcoming(slug="konferenz"))
    made = await registrations.register(
        db, "konferenz", registration_request("anna@example.org"), now
    )
    return World(event=event, registration=made.registration, api_secret=secret)
