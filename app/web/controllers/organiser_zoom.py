"""The event's Zoom page: the meeting's state, registrants Zoom has not taken, "try again".

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. It shows
states and errors only: no join URL, no token, no meeting passcode.
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.domain.zoom import SyncState, offers_online
from app.formatting import format_moment
from app.i18n import N_, _, current_language
from app.services import zoom
from app.services.events import get_with_access
from app.settings import Settings
from app.web.params import FormBody

STATE_LABELS = {
    SyncState.PENDING: N_("wartet auf Zoom"),
    SyncState.SYNCED: N_("mit Zoom abgeglichen"),
    SyncState.ADDED: N_("bei Zoom angemeldet"),
    SyncState.REMOVING: N_("wird bei Zoom abgemeldet"),
    SyncState.REMOVED: N_("bei Zoom abgemeldet"),
    SyncState.FAILED: N_("angehalten (Fehler)"),
}

_NOTICES = {
    "requested": N_("Das Zoom-Meeting wird im Hintergrund angelegt."),
    "retried": N_("Der Abgleich mit Zoom wird erneut versucht."),
}


class OrganiserZoomController(Controller):
    """Zoom for one event: ask for its meeting, watch the sync, set stopped rows going again."""

    include_in_schema = False

    @get(paths.EVENT_ZOOM, name="organiser_zoom", opt={ACCESS: Access.EVENT_MANAGE})
    async def show(
        self,
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        """The meeting's state and the registrants with errors."""
        event = await get_with_access(event_id)
        state = await zoom.status(event_id)
        zone = event.timezone or "Europe/Berlin"
        language = current_language()

        def moment(value: dt.datetime | None) -> str:
            return format_moment(value, zone, language) if value else ""

        return Template(
            template_name="organiser/zoom.html",
            context={
                "event": event,
                "event_id": event_id,
                "configured": settings.zoom_enabled,
                "online": offers_online(event),
                "zoom": state,
                "labels": {key: _(label) for key, label in STATE_LABELS.items()},
                "moment": moment,
                "notice": _(_NOTICES[notice]) if notice in _NOTICES else "",
            },
        )

    @post(
        paths.EVENT_ZOOM_REQUEST, name="organiser_zoom_request", opt={ACCESS: Access.EVENT_MANAGE}
    )
    async def request_meeting(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Ask for the event's meeting (when Zoom is configured); the reconciler creates it."""
        del data  # the CSRF token only
        await get_with_access(event_id)
        if settings.zoom_enabled:
            await zoom.request_meeting(db, event_id, now=now, actor=actor)
        return Redirect(
            path=paths.event_zoom(event_id),
            query_params={"notice": "requested"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(paths.EVENT_ZOOM_RETRY, name="organiser_zoom_retry", opt={ACCESS: Access.EVENT_MANAGE})
    async def retry(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Set the stopped meeting and registrants going again."""
        del data
        await get_with_access(event_id)
        await zoom.retry(db, event_id, now=now, actor=actor)
        return Redirect(
            path=paths.event_zoom(event_id),
            query_params={"notice": "retried"},
            status_code=HTTP_303_SEE_OTHER,
        )
