"""What the Atom feeds list: upcoming events, and reports of past ones; all or one series.

Only published events and only their public columns (never the access data); the web layer
renders them (:mod:`app.web.atom`) and keeps the result in its page cache.
"""

from __future__ import annotations

import datetime as dt

from app.db.mapping import event_from_row
from app.db.tables import Event as EventTable
from app.domain.model import Event, EventStatus
from app.services.calendars import FeedFilter

#: The most entries a feed holds: readers keep what they have already seen.
MAX_ENTRIES = 100


def changed_at(event: Event) -> dt.datetime:
    """When the event last changed (its report included): its entry's ``updated``.

    Stored times only, never the moment of rendering: a feed reader must not see an entry as
    changed each time it polls. An event without stored times (made outside the services)
    falls back on its start.
    """
    moments = [m for m in (event.updated_at, event.created_at, event.materials.updated_at) if m]
    return max(moments, default=event.starts_at)


async def _published(feed: FeedFilter) -> list[Event]:
    query = EventTable.select(exclude_secrets=True).where(
        EventTable.status == EventStatus.PUBLISHED.value
    )
    if feed.series:
        query = query.where(EventTable.series == feed.series)
    return [event_from_row(row) for row in await query.order_by(EventTable.starts_at)]


async def upcoming_and_reports(
    feed: FeedFilter, now: dt.datetime
) -> tuple[list[Event], list[Event]]:
    """From one read of the published events: those that have not ended, soonest first, and
    those that have ended with a report or a recording, latest change first."""
    published = await _published(feed)
    upcoming = [event for event in published if event.ends_at >= now]
    reports = [
        event
        for event in published
        if event.ends_at < now and (event.materials.has_report or event.materials.recording_url)
    ]
    reports.sort(key=changed_at, reverse=True)
    return upcoming[:MAX_ENTRIES], reports[:MAX_ENTRIES]
