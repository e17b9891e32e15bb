"""Calendar files: one event, the subscription feeds, the registrant's personal feeds."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from app import paths
from app.services import calendars
from app.services.calendars import CalendarFile, FeedFilter
from app.settings import Settings
from app.web.page_cache import PageCache

#: Litestar adds "; charset=utf-8" to every text type itself (it was said twice).
ICS_MEDIA_TYPE = "text/calendar"
#: Calendar programs poll subscriptions; a few minutes in their cache is fine for a feed.
PUBLIC_FEED_MAX_AGE = 300


def calendar_response(
    request: Request[Any, Any, Any], file: CalendarFile, *, public: bool
) -> Response[bytes]:
    """The file, or 304 when the client's copy (by ETag or date) is still current."""
    headers = {
        "ETag": file.etag,
        "Last-Modified": format_datetime(file.last_modified, usegmt=True),
        "Cache-Control": f"public, max-age={PUBLIC_FEED_MAX_AGE}" if public else "no-store",
    }
    if _still_current(request, file):
        return Response(content=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{file.filename}"'
    return Response(content=file.content, media_type=ICS_MEDIA_TYPE, headers=headers)


def _still_current(request: Request[Any, Any, Any], file: CalendarFile) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        # RFC 9110: If-None-Match decides when present; If-Modified-Since is then ignored.
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or file.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # a date no one can read is as if it were not sent
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return file.last_modified <= since


class CalendarController(Controller):
    """``.ics`` for calendar programs; the public ones never carry access data."""

    include_in_schema = False

    @get(paths.FEED, name="feed")
    async def feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        page_cache: NamedDependency[PageCache],
        now: NamedDependency[dt.datetime],
        series: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """Every published event (upcoming and the last months), or one series or tag."""
        feed = FeedFilter.checked(series, tag)
        file = await page_cache.remember(
            ("feed", feed),
            now,
            lambda: calendars.feed_file(
                feed,
                base_url=settings.base_url,
                uid_domain=settings.mail_domain,
                now=now,
                organiser=settings.calendar_organiser,
            ),
        )
        return calendar_response(request, file, public=True)

    @get(paths.PERSONAL_FEED, name="personal_feed")
    async def personal_feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
        token: FromPath[str],
    ) -> Response[bytes]:
        """The registration's own event, with its access data (behind its token)."""
        file = await calendars.personal_feed_file(
            token,
            base_url=settings.base_url,
            uid_domain=settings.mail_domain,
            now=now,
            organiser=settings.calendar_organiser,
        )
        return calendar_response(request, file, public=False)

    @get([paths.ALL_EVENTS_FEED, paths.OLD_ALL_EVENTS_FEED], name="all_events_feed")
    async def all_events_feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
        token: FromPath[str],
        key: FromPath[str],
    ) -> Response[bytes]:
        """All confirmed events of the token's address: the key is only ever sent by mail."""
        file = await calendars.all_events_feed_file(
            token,
            key,
            secret_key=settings.secret_key,
            base_url=settings.base_url,
            uid_domain=settings.mail_domain,
            now=now,
            organiser=settings.calendar_organiser,
        )
        return calendar_response(request, file, public=False)


async def event_file_response(
    request: Request[Any, Any, Any],
    slug: str,
    settings: Settings,
    now: dt.datetime,
    page_cache: PageCache,
) -> Response[bytes]:
    """``/events/{slug}.ics``: the event page's route hands ``.ics`` requests here."""
    file = await page_cache.remember(
        ("event.ics", slug),
        now,
        lambda: calendars.public_event_file(
            slug,
            base_url=settings.base_url,
            uid_domain=settings.mail_domain,
            now=now,
            organiser=settings.calendar_organiser,
        ),
    )
    return calendar_response(request, file, public=True)
