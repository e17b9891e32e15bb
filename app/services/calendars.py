"""What the calendar files show: one public event, the subscription feeds, the personal feeds.

Rendering is ``app.calendar``'s; this module picks the events. Public files carry an ETag and
Last-Modified so an unchanged one costs a 304; the web layer answers them from its page cache
(calendar programs poll feeds, often all at once on the hour).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app import paths
from app.calendar.ical import Organiser, feed_ics, personal_feed_ics, public_event_ics
from app.db.mapping import (
    CALENDAR_COLUMNS,
    calendar_event_from_row,
    event_from_row,
    registration_from_row,
)
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import InvalidInput, NotFound
from app.domain.mailbox_proof import proves_mailbox
from app.domain.model import Event, EventStatus, Registration, RegistrationStatus
from app.domain.validation import is_slug_shaped
from app.services.events import get_public
from app.services.registrations import find_by_token

#: How far back a feed reaches: the events of the last months stay in subscribers' calendars.
FEED_HISTORY = dt.timedelta(days=183)
#: The longest series or tag name a feed may be asked for.
MAX_FILTER = 120
FEED_NAME = "Treffpunkt"


@dataclass(frozen=True, slots=True)
class CalendarFile:
    """A rendered ``.ics`` with what HTTP caching needs."""

    content: bytes
    etag: str
    last_modified: dt.datetime
    filename: str


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which public feed: all events, one series, or one tag."""

    series: str = ""
    tag: str = ""

    @classmethod
    def checked(cls, series: str | None, tag: str | None) -> FeedFilter:
        """A filter from query values; :class:`InvalidInput` for values no feed can have."""
        errors: dict[str, str] = {}
        values: dict[str, str] = {}
        for field, raw in (("series", series), ("tag", tag)):
            value = (raw or "").strip()
            if len(value) > MAX_FILTER or not (value == "" or is_slug_shaped(value)):
                errors[field] = "invalid"
            values[field] = value
        if errors:
            raise InvalidInput(errors)
        return cls(**values)

    @property
    def name(self) -> str:
        """The calendar's name in subscribers' programs."""
        if self.series:
            return f"{FEED_NAME}: {self.series}"
        if self.tag:
            return f"{FEED_NAME}: {self.tag}"
        return f"{FEED_NAME}: Veranstaltungen"

    def admits(self, event: Event) -> bool:
        """Whether ``event`` belongs in this feed."""
        if self.series and event.series != self.series:
            return False
        return not (self.tag and self.tag not in event.tags)


def _file(content: bytes, filename: str, last_modified: dt.datetime) -> CalendarFile:
    digest = hashlib.sha256(content).hexdigest()[:32]
    return CalendarFile(
        content=content,
        etag=f'"{digest}"',
        last_modified=last_modified.replace(microsecond=0),
        filename=filename,
    )


async def public_event_file(
    slug: str, *, base_url: str, uid_domain: str, now: dt.datetime, organiser: tuple[str, str]
) -> CalendarFile:
    """One published (or cancelled) event as ``.ics``; :class:`NotFound` for anything else.

    ``organiser`` (name, address) is the ORGANIZER of an event without a contact address.
    """
    event = (await get_public(slug)).event
    content = public_event_ics(
        event,
        uid_domain=uid_domain,
        event_url=base_url + paths.event(event.slug),
        now=now,
        organiser=Organiser(*organiser),
    )
    return _file(content, f"{event.slug}.ics", event.updated_at or event.created_at or now)


_FEED_SELECT = (
    f"SELECT {', '.join(CALENDAR_COLUMNS)} FROM event "  # noqa: S608 - column names only
    f"WHERE status IN ('{EventStatus.PUBLISHED.value}', '{EventStatus.CANCELLED.value}') "
    "AND ends_at >= {} ORDER BY starts_at, id"
)


async def feed_events(feed: FeedFilter, now: dt.datetime) -> list[Event]:
    """The events of a public feed: published and cancelled, from the last months on.

    Written out and reading only what a calendar shows: a feed may hold a thousand events.
    """
    rows = await EventTable.raw(_FEED_SELECT, (now - FEED_HISTORY).astimezone(dt.UTC))
    events = [calendar_event_from_row(row) for row in rows]
    return [event for event in events if feed.admits(event)]


async def feed_file(
    feed: FeedFilter,
    *,
    base_url: str,
    uid_domain: str,
    now: dt.datetime,
    organiser: tuple[str, str],
) -> CalendarFile:
    """A public feed as ``.ics``; the web layer keeps it in its page cache."""
    events = await feed_events(feed, now)
    content = feed_ics(
        events,
        name=feed.name,
        uid_domain=uid_domain,
        base_url=base_url,
        now=now,
        organiser=Organiser(*organiser),
    )
    last_modified = max(
        (event.updated_at or event.created_at or now for event in events), default=now
    )
    return _file(content, "treffpunkt.ics", last_modified)


async def personal_feed_file(
    token: str, *, base_url: str, uid_domain: str, now: dt.datetime, organiser: tuple[str, str]
) -> CalendarFile:
    """The event of the registration behind ``token`` while it is confirmed, access data included.

    Only this one registration: the token proves nothing about its address (see
    :mod:`app.domain.mailbox_proof`), so it must not open the others made with it.
    """
    owner = await find_by_token(token)
    own = [owner] if owner.status is RegistrationStatus.CONFIRMED else []
    return await _personal_file(
        own,
        name=f"{FEED_NAME}: meine Anmeldung",
        filename="meine-anmeldung.ics",
        base_url=base_url,
        uid_domain=uid_domain,
        now=now,
        organiser=organiser,
    )


async def all_events_feed_file(
    token: str,
    key: str,
    *,
    secret_key: str,
    base_url: str,
    uid_domain: str,
    now: dt.datetime,
    organiser: tuple[str, str],
) -> CalendarFile:
    """The confirmed events of every registration made with the address behind ``token``.

    ``key`` must be the one mailed to that address (``app.domain.mailbox_proof``), else
    :class:`NotFound`, as for a wrong token: a person subscribes once, from the link in any of
    their mails. Cancelled registrations drop out, cancelled events show as cancelled.
    """
    owner = await find_by_token(token)
    email_key = await _email_key(owner.id)
    if not proves_mailbox(key, secret_key=secret_key, token=token, email_normalised=email_key):
        raise NotFound("key")
    rows = await RegistrationTable.select().where(
        RegistrationTable.email_normalised == email_key,
        RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
    )
    return await _personal_file(
        [registration_from_row(row) for row in sorted(rows, key=lambda row: row["id"])],
        name=f"{FEED_NAME}: meine Veranstaltungen",
        filename="meine-veranstaltungen.ics",
        base_url=base_url,
        uid_domain=uid_domain,
        now=now,
        organiser=organiser,
    )


async def _personal_file(
    registrations: Sequence[Registration],
    *,
    name: str,
    filename: str,
    base_url: str,
    uid_domain: str,
    now: dt.datetime,
    organiser: tuple[str, str],
) -> CalendarFile:
    events = await _events_with_access({r.event_id for r in registrations})
    # An event deleted since the registrations were read took them with it: left out.
    entries = [
        (events[registration.event_id], registration)
        for registration in registrations
        if registration.event_id in events
    ]
    content = personal_feed_ics(
        entries,
        name=name,
        uid_domain=uid_domain,
        base_url=base_url,
        now=now,
        organiser=Organiser(*organiser),
    )
    last_modified = max(
        (_changed(event, registration) for event, registration in entries), default=now
    )
    return _file(content, filename, last_modified)


async def _events_with_access(event_ids: set[int]) -> dict[int, Event]:
    """The events of ``event_ids`` with their access data, read in one query."""
    if not event_ids:
        return {}
    rows = await EventTable.select().where(EventTable.id.is_in(list(event_ids)))
    return {row["id"]: event_from_row(row) for row in rows}


def _changed(event: Event, registration: Registration) -> dt.datetime:
    moments: Sequence[dt.datetime | None] = (
        event.updated_at,
        registration.confirmed_at,
        registration.created_at,
    )
    return max(moment for moment in moments if moment is not None)


async def _email_key(registration_id: int) -> Any:
    row = await (
        RegistrationTable.select(RegistrationTable.email_normalised)
        .where(RegistrationTable.id == registration_id)
        .first()
    )
    assert row is not None
    return row["email_normalised"]
