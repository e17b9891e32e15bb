"""Public pages: upcoming and past events, an event with its form, the privacy notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app import paths
from app.db.database import Database
from app.domain.errors import NotFound
from app.i18n import current_language
from app.services import events as event_service
from app.services import privacy_notice as notices
from app.services.organiser_registrations import page_number
from app.services.privacy_notice import CurrentNotice
from app.settings import Settings
from app.web.controllers.calendar import event_file_response
from app.web.markdown import render_markdown
from app.web.page_cache import PUBLIC_PAGE, PageCache, changes_with
from app.web.pages import event_page, public_event
from app.web.views import public_event_view

ICS_SUFFIX = ".ics"
#: Events per page of the start page and the past events: a page stays small however many
#: events there are (the calendar feed and the API hold them all).
LIST_PAGE_SIZE = 50
#: Events the embedded list shows: a frame on another site stays short; the rest is a link away.
EMBED_SIZE = 20


class PublicController(Controller):
    """The pages anyone may see."""

    include_in_schema = False

    @get(paths.INDEX, name="index", opt=PUBLIC_PAGE)
    async def index(
        self, now: NamedDependency[dt.datetime], page: FromQuery[str | None] = None
    ) -> Template:
        """Upcoming events, soonest first, :data:`LIST_PAGE_SIZE` per page."""
        return await self._listing(now, past=False, page=page_number(page))

    @get(paths.PAST, name="past", opt=PUBLIC_PAGE)
    async def past(
        self, now: NamedDependency[dt.datetime], page: FromQuery[str | None] = None
    ) -> Template:
        """Past events, latest first, :data:`LIST_PAGE_SIZE` per page."""
        return await self._listing(now, past=True, page=page_number(page))

    async def _listing(self, now: dt.datetime, *, past: bool, page: int) -> Template:
        # One more than a page tells whether there is a next one.
        events = await event_service.list_public(
            now, past=past, limit=LIST_PAGE_SIZE + 1, offset=(page - 1) * LIST_PAGE_SIZE
        )
        more = len(events) > LIST_PAGE_SIZE
        events = events[:LIST_PAGE_SIZE]
        changes_with((e.event for e in events), now)
        return Template(
            template_name="index.html",
            context={
                "events": [public_event_view(e, now) for e in events],
                "past": past,
                "page": page,
                "more": more,
            },
        )

    @get(paths.EMBED, name="embed", opt=PUBLIC_PAGE)
    async def embed(
        self, now: NamedDependency[dt.datetime], series: FromQuery[str | None] = None
    ) -> Template:
        """The upcoming events (of one series with ``?series=``) without the site's chrome.

        For the sites of ``EMBED_ORIGINS`` to frame (app.web.security); its links open the
        event page outside the frame.
        """
        events = await event_service.list_public(now, past=False)
        if series:
            events = [e for e in events if e.event.series == series]
        events = events[:EMBED_SIZE]
        changes_with((e.event for e in events), now)
        return Template(
            template_name="embed.html",
            context={
                "events": [public_event_view(e, now) for e in events],
                "series": series or "",
            },
        )

    @get(paths.EVENT, name="event", opt=PUBLIC_PAGE)
    async def event(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        page_cache: NamedDependency[PageCache],
    ) -> Template | Response[bytes]:
        """One event, with the registration form while registration is open.

        ``/events/{slug}.ics`` is the event as a calendar file: a path parameter is a whole
        segment, so this route takes both.
        """
        if slug.endswith(ICS_SUFFIX):
            return await event_file_response(
                request, slug.removesuffix(ICS_SUFFIX), settings, now, page_cache
            )
        return event_page(await public_event(page_cache, slug, now), now)

    @get(paths.PRIVACY, name="privacy")
    async def privacy(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        privacy_notice: NamedDependency[CurrentNotice],
        version: FromQuery[str | None] = None,
    ) -> Template:
        """The privacy notice in force, in the reader's language (German where it has none).

        ``?version=`` shows any version ever in force, so what someone agreed to can always be
        read again; an unknown one is a 404.
        """
        current = await privacy_notice.recorded(db, now)
        shown = current
        if version is not None and version != current.version:
            found = await notices.find(version)
            if found is None:
                raise NotFound("privacy notice version")
            shown = found
        language = current_language()
        return Template(
            template_name="privacy.html",
            context={
                "notice": shown,
                "notice_html": render_markdown(shown.text(language)),
                "in_reader_language": language in shown.texts,
                "current": current,
                "is_current": shown.version == current.version,
                "earlier": [n for n in await notices.versions() if n.version != current.version],
                "language_path": paths.PRIVACY,
            },
        )
