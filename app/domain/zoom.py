"""What Zoom should hold for an event and its registrations; plain rules, no I/O."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.model import AttendanceMode, Event, EventFormat, Registration, RegistrationStatus

#: The longest wait between two attempts, however many there were.
MAX_RETRY_DELAY = dt.timedelta(hours=1)
#: How long after the event's end the participants report is asked for: Zoom writes it once
#: the meeting has ended, which may be a little after the planned end.
REPORT_DELAY = dt.timedelta(minutes=30)
#: Zoom's ``topic`` holds at most 200 characters.
TOPIC_MAX = 200


class SyncState(enum.StrEnum):
    """Where a meeting or a registrant stands with Zoom; the values are stored."""

    PENDING = "pending"
    SYNCED = "synced"
    ADDED = "added"
    REMOVING = "removing"
    REMOVED = "removed"
    FAILED = "failed"


def offers_online(event: Event) -> bool:
    """Whether the event has an online part a Zoom meeting is for."""
    return event.format in (EventFormat.ONLINE, EventFormat.HYBRID)


def should_be_registrant(registration: Registration) -> bool:
    """Whether Zoom should know the person: a confirmed online seat, data not anonymised."""
    return (
        registration.status is RegistrationStatus.CONFIRMED
        and registration.mode is AttendanceMode.ONLINE
        and registration.anonymised_at is None
    )


def meeting_payload(event: Event) -> dict[str, Any]:
    """The meeting as Zoom's create and update calls take it: local start with its time zone.

    ``type`` 2 is a scheduled meeting; ``approval_type`` 0 registers everyone at once, and
    ``registration_type`` 1 asks once for all occurrences.
    """
    zone = event.timezone or "Europe/Berlin"
    local_start = event.starts_at.astimezone(ZoneInfo(zone))
    minutes = max(1, round((event.ends_at - event.starts_at).total_seconds() / 60))
    return {
        "topic": str(event.title)[:TOPIC_MAX],
        "type": 2,
        "start_time": local_start.strftime("%Y-%m-%dT%H:%M:%S"),
        "duration": minutes,
        "timezone": zone,
        "settings": {"approval_type": 0, "registration_type": 1},
    }


def retry_delay(attempts: int, first: float) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: ``first``, doubled each time, capped."""
    seconds = first * 2 ** min(max(0, attempts - 1), 20)
    return min(dt.timedelta(seconds=seconds), MAX_RETRY_DELAY)


def report_due(event: Event, now: dt.datetime) -> bool:
    """Whether the participants report should be there by now."""
    return now >= event.ends_at + REPORT_DELAY
