"""The public JSON API: published events, never access data or registrations."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from app import paths
from app.domain.rules import WindowState, event_state, window_state
from app.services import events as event_service
from app.services.events import PublicEvent
from app.settings import Settings
from app.web.errors import PROBLEM_JSON, Problem
from app.web.page_cache import PUBLIC_PAGE, changes_with


class ProgrammeItemOut(msgspec.Struct):
    """One programme line; ``time`` is local wall-clock text."""

    title: str
    time: str
    detail: str


class PersonOut(msgspec.Struct):
    """A speaker (``speaker``) or moderator (``moderation``)."""

    name: str
    affiliation: str
    role: str


class TextOut(msgspec.Struct):
    """Title, teaser and description in one further language; an empty one means: the German."""

    title: str
    teaser: str
    description: str


class ModeOut(msgspec.Struct):
    """What one attendance mode offers now."""

    mode: str
    #: ``free``, ``waitlist`` or ``full``.
    availability: str
    #: Free seats; ``null`` means unlimited.
    seats_left: int | None


class EventOut(msgspec.Struct):
    """A published (or cancelled) event.

    ``title``, ``teaser`` and ``description`` are the German texts, whatever the request's
    language: an API answer should not depend on a client's ``Accept-Language``. The organisers'
    translations are in ``translations``, keyed by language (``en``, ``uk``); a language appears
    only when it has some text, and an empty field there stands for the German one.
    """

    slug: str
    url: str
    title: str
    teaser: str
    description: str
    format: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    venue_name: str
    venue_address: str
    programme: list[ProgrammeItemOut]
    people: list[PersonOut]
    series: str
    tags: list[str]
    #: The organisation hosting the event with the network ("together with"); empty: none.
    co_host: str
    is_sample: bool
    registration_opens_at: dt.datetime | None
    registration_deadline: dt.datetime
    registration_open: bool
    #: What the event offers now, one of ``open``, ``few_seats``, ``waitlist`` (only the waiting
    #: list takes people), ``full``, ``not_yet_open``, ``closed`` (deadline passed), ``past``
    #: (took place), ``cancelled``: the same state the event page and its card show.
    state: str
    modes: list[ModeOut]
    translations: dict[str, TextOut]


def event_out(public: PublicEvent, now: dt.datetime, base_url: str) -> EventOut:
    """The API shape of an event: public fields only, by construction."""
    event = public.event
    return EventOut(
        slug=event.slug,
        url=base_url + paths.event(event.slug),
        title=event.title,
        teaser=event.teaser,
        description=event.description,
        format=event.format.value,
        status=event.status.value,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        programme=[ProgrammeItemOut(i.title, i.time, i.detail) for i in event.programme],
        people=[PersonOut(p.name, p.affiliation, p.role.value) for p in event.people],
        series=event.series,
        co_host=event.co_host,
        tags=list(event.tags),
        is_sample=event.is_sample,
        registration_opens_at=event.registration_opens_at,
        registration_deadline=event.registration_deadline,
        registration_open=window_state(event, now) is WindowState.OPEN,
        state=event_state(event, public.availability, now).value,
        modes=[
            ModeOut(mode.value, state.value, event.seats(mode).left)
            for mode, state in public.availability.items()
        ],
        translations={
            language: TextOut(text.title, text.teaser, text.description)
            for language, text in sorted(event.translations.items())
        },
    )


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


#: Errors are problem details (app.web.errors), not Litestar's default JSON.
_BAD_REQUEST = {400: _problem("Invalid query or path value.")}


class EventsApiController(Controller):
    """``/api/v1/events``."""

    path = paths.API_EVENTS
    tags = ("events",)

    @get("/", name="api_events", responses=_BAD_REQUEST, opt=PUBLIC_PAGE)
    async def list_events(
        self,
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        past: FromQuery[bool] = False,
    ) -> list[EventOut]:
        """Upcoming events (soonest first), or past ones (latest first) with ``past=true``."""
        events = await event_service.list_public(now, past=past)
        changes_with((e.event for e in events), now)
        return [event_out(e, now, settings.base_url) for e in events]

    @get(
        "/{slug:str}",
        name="api_event",
        responses={**_BAD_REQUEST, 404: _problem("No published or cancelled event by that slug.")},
        opt=PUBLIC_PAGE,
    )
    async def get_event(
        self,
        slug: FromPath[str],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
    ) -> EventOut:
        """One published or cancelled event; drafts and unknown slugs are 404."""
        public = await event_service.get_public(slug)
        changes_with([public.event], now)
        return event_out(public, now, settings.base_url)
