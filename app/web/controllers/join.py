"""The personal join link ``/j/{token}``: into the online meeting, for those entitled to it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Redirect, Response
from litestar.status_codes import HTTP_302_FOUND, HTTP_403_FORBIDDEN

from app import paths
from app.i18n import _
from app.services import registrations, zoom
from app.web import texts
from app.web.pages import PageLink, message_page
from app.web.views import join_refusal


class JoinController(Controller):
    """One stable link per registrant that always leads to the event's current meeting URL.

    Mails and calendar entries carry this link instead of the Zoom URL, so a changed Zoom room
    needs no new mail. ``app.web.security`` keeps the responses out of caches and referrers.
    """

    include_in_schema = False

    @get(paths.JOIN, name="join")
    async def join(self, token: FromPath[str]) -> Response[Any]:
        """Redirect to the meeting; otherwise a page (403) that says why not, never the URL."""
        # Read on every request, never cached: the organisers may have changed the room.
        registration, event = await registrations.personal_view(token)
        refusal = join_refusal(registration, event)
        if refusal in (None, "no_access_yet"):
            # Zoom's personal link (registration through the API) before the shared one.
            personal = await zoom.personal_join_url(registration.id)
            if personal is not None:
                return Redirect(path=personal, status_code=HTTP_302_FOUND)
        access = event.online_access
        if refusal is None and access is not None:
            return Redirect(path=access.join_url.strip(), status_code=HTTP_302_FOUND)
        return message_page(
            _(texts.JOIN_REFUSED_TITLE),
            texts.join_refusal_text(refusal),
            status_code=HTTP_403_FORBIDDEN,
            link=PageLink(href=paths.personal(token), label=_("Zu Ihrer persönlichen Seite")),
        )
