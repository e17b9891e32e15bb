"""Page responses shared by the controllers and the exception handlers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import msgspec
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from app.domain.model import AttendanceMode
from app.domain.rules import Availability, WindowState
from app.services import events as event_service
from app.services.events import PublicEvent
from app.web import texts
from app.web.page_cache import PageCache, changes_with
from app.web.views import FormView, form_view, public_event_view


def event_page(
    public: PublicEvent,
    now: dt.datetime,
    *,
    values: Mapping[str, str] | None = None,
    error_codes: Mapping[str, str] | None = None,
    refused: str | None = None,
    status_code: int = HTTP_200_OK,
) -> Template:
    """The event page with its registration form, or a message why there is none.

    ``refused`` is the reason a submitted registration was turned down; the form keeps
    ``values`` and shows ``error_codes`` next to their fields.
    """
    availability = dict(public.availability)
    if refused == "full":
        # The seat went while the person was typing: the page must agree with the refusal.
        wanted = (values or {}).get("mode", "")
        modes = public.event.modes
        for mode in modes:
            if len(modes) == 1 or mode.value == wanted:
                availability[mode] = Availability.FULL
    event = public_event_view(PublicEvent(public.event, availability), now, detail=True)
    message = ""
    if event.window != WindowState.OPEN.value:
        message = texts.closed_reason(event.window)
    elif event.fully_booked:
        message = texts.closed_reason("full")
    notice = texts.closed_reason(refused) if refused else ""
    form: FormView | None = None
    if not message:
        form = form_view(public.event, values, error_codes)
        if refused == "full":
            form = _without_full_modes(form, availability)
    if notice == message:
        notice = ""
    return Template(
        template_name="event.html",
        context={"event": event, "form": form, "closed_message": message, "notice": notice},
        status_code=status_code,
    )


def _without_full_modes(
    form: FormView, availability: Mapping[AttendanceMode, Availability]
) -> FormView:
    full = {mode.value for mode, state in availability.items() if state is Availability.FULL}
    values = {k: v for k, v in form.values.items() if not (k == "mode" and v in full)}
    return msgspec.structs.replace(form, values=values)


class PageLink(msgspec.Struct, frozen=True):
    """A link a message page offers as the way on."""

    href: str
    label: str


def message_page(
    title: str, message: str, *, status_code: int, link: PageLink | None = None
) -> Template:
    """A page that only says something: not found, refused, error; ``link`` shows the way on."""
    return Template(
        template_name="message.html",
        context={"title": title, "message": message, "link": link},
        status_code=status_code,
    )


async def public_event(cache: PageCache, slug: str, now: dt.datetime) -> PublicEvent:
    """The published event ``slug`` as the public sees it, read at most once while valid.

    The registration form's POST starts from it (the form's refusals are rendered from it). A
    read up to :data:`app.web.page_cache.LIFETIME` old (another process's edit) makes no wrong
    decision: the seats are decided under the event's lock on the row as it is, and a
    registration that finds the event edited since checks the form anew
    (:func:`app.services.registrations.register`). Raises :class:`NotFound`.
    """

    async def read() -> PublicEvent:
        public = await event_service.get_public(slug)
        changes_with([public.event], now)
        return public

    return await cache.remember(("public event", slug), now, read)
