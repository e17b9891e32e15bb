"""Declared dependencies: the database handle and the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Litestar, Request
from litestar.di import Provide

from app.clock import Clock
from app.db.database import Database
from app.domain.audit import Actor
from app.services.privacy_notice import CurrentNotice
from app.settings import Settings
from app.web.page_cache import PageCache

#: Where the app keeps its clock in ``app.state``, for code that runs outside dependency
#: injection (exception handlers, guards).
CLOCK_STATE_KEY = "clock"


def app_clock(app: Litestar) -> Clock:
    """The clock ``app`` was created with."""
    clock: Clock = app.state[CLOCK_STATE_KEY]
    return clock


#: Where the API token guard leaves the token's organiser (``app.web.api_auth``).
API_ORGANISER = "api_organiser"


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """Who acts, for the audit trail: the signed-in organiser, or the API token's organiser."""
    organiser = request.scope.get("user") or request.state.get(API_ORGANISER)
    if organiser is None:
        raise RuntimeError("no organiser: the route needs the organisers' or the API's guard")
    name = organiser.name or organiser.email
    return Actor(id=organiser.id, name=name)


class DatabaseHolder:
    """Holds the app's database: given by the caller, or opened by the lifespan."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database

    async def provide(self) -> Database:
        """The database, for handlers that declare ``db: Database``."""
        if self.database is None:
            raise RuntimeError("the database is not connected (the app has not started)")
        return self.database

    def writes_committed(self) -> int:
        """The database's count of this process's committed writes (-1 before it is open)."""
        return -1 if self.database is None else self.database.writes_committed


def dependencies(
    holder: DatabaseHolder,
    settings: Settings,
    page_cache: PageCache,
    privacy_notice: CurrentNotice,
    clock: Clock,
) -> dict[str, Provide]:
    """The app-level dependencies: ``db``, ``now`` (read from ``clock`` once per request),
    ``settings``, ``page_cache`` and ``privacy_notice`` (the notice in force)."""

    async def provide_now() -> dt.datetime:
        return clock()

    async def provide_settings() -> Settings:
        return settings

    async def provide_page_cache() -> PageCache:
        return page_cache

    async def provide_privacy_notice() -> CurrentNotice:
        return privacy_notice

    return {
        "db": Provide(holder.provide),
        "now": Provide(provide_now),
        "settings": Provide(provide_settings),
        "page_cache": Provide(provide_page_cache),
        "privacy_notice": Provide(provide_privacy_notice),
        "actor": Provide(provide_actor),
    }
