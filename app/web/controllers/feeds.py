"""Atom feeds: upcoming events and reports, all or one series, in the reader's language."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from app import paths
from app.i18n import current_language
from app.services import feeds
from app.services.calendars import FeedFilter
from app.settings import Settings
from app.web.atom import ATOM_MEDIA_TYPE, FeedLinks, atom_feed
from app.web.page_cache import PUBLIC_PAGE, changes_with

#: Feed readers poll; a few minutes in their cache is fine.
FEED_MAX_AGE = 300


def feed_query(series: str, language: str) -> str:
    """The query of a feed's address: its series (if any) and its language."""
    values = {"series": series} if series else {}
    return urlencode({**values, "lang": language})


class FeedsController(Controller):
    """``/feeds/events.atom`` and ``/feeds/reports.atom`` (``?series=``, ``?lang=``)."""

    include_in_schema = False

    async def _feed(
        self,
        kind: str,
        path: str,
        page: str,
        series: str | None,
        settings: Settings,
        now: dt.datetime,
    ) -> Response[bytes]:
        feed = FeedFilter.checked(series, None)
        language = current_language()
        upcoming, reports = await feeds.upcoming_and_reports(feed, now)
        events = reports if kind == "reports" else upcoming
        # Upcoming events leave the feed as they end; reports join it then.
        changes_with(upcoming, now)
        base = settings.base_url
        content = atom_feed(
            events,
            kind=kind,
            language=language,
            series=feed.series,
            base_url=base,
            domain=settings.mail_domain,
            links=FeedLinks(
                self_url=f"{base}{path}?{feed_query(feed.series, language)}",
                page_url=f"{base}{page}?{urlencode({'lang': language})}",
            ),
        )
        return Response(
            content=content,
            media_type=ATOM_MEDIA_TYPE,
            headers={"Cache-Control": f"public, max-age={FEED_MAX_AGE}"},
        )

    @get(paths.EVENTS_ATOM, name="events_atom", opt=PUBLIC_PAGE)
    async def events(
        self,
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
        series: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """Published events that have not ended, soonest first."""
        return await self._feed("events", paths.EVENTS_ATOM, paths.INDEX, series, settings, now)

    @get(paths.REPORTS_ATOM, name="reports_atom", opt=PUBLIC_PAGE)
    async def reports(
        self,
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
        series: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """Past events with a report or a recording, latest first."""
        return await self._feed("reports", paths.REPORTS_ATOM, paths.PAST, series, settings, now)
