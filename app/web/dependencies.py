"""Declared dependencies: the database handle and the clock."""

from __future__ import annotations

import datetime as dt

from litestar.di import Provide

from app.db.database import Database
from app.services.calendars import FeedCache
from app.services.privacy_notice import CurrentNotice
from app.settings import Settings


class DatabaseHolder:
    """Holds the app's database: given by the caller, or opened by the lifespan."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database

    async def provide(self) -> Database:
        """The database, for handlers that declare ``db: Database``."""
        if self.database is None:
            raise RuntimeError("the database is not connected (the app has not started)")
        return self.database


async def provide_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def dependencies(
    holder: DatabaseHolder,
    settings: Settings,
    feed_cache: FeedCache,
    privacy_notice: CurrentNotice,
) -> dict[str, Provide]:
    """The app-level dependencies: ``db``, ``now``, ``settings``, ``feed_cache`` and
    ``privacy_notice`` (the notice in force)."""

    async def provide_settings() -> Settings:
        return settings

    async def provide_feed_cache() -> FeedCache:
        return feed_cache

    async def provide_privacy_notice() -> CurrentNotice:
        return privacy_notice

    return {
        "db": Provide(holder.provide),
        "now": Provide(provide_now),
        "settings": Provide(provide_settings),
        "feed_cache": Provide(provide_feed_cache),
        "privacy_notice": Provide(provide_privacy_notice),
    }
