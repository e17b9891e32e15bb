"""An event's registrations over time: the days of its registration window and their counts.

Plain Python: the service counts in the database (per quarter hour in UTC, see
``app.services.organiser_dashboard``); this turns those counts into calendar days in the event's
time zone and lays them over the whole window, days without registrations included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: The longest window drawn, in days: an event made a year ahead shows its last year.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DayCount:
    """Registrations that came in on one calendar day (in the event's time zone)."""

    day: dt.date
    count: int


def local_days(quarters: Iterable[tuple[dt.datetime, int]], zone: str) -> dict[dt.date, int]:
    """Counts per quarter hour (their UTC start) summed per calendar day in ``zone``.

    Every time zone's offset is a multiple of 15 minutes, so a quarter hour never straddles a
    local midnight and the sums are exact.
    """
    tz = ZoneInfo(zone)
    days: dict[dt.date, int] = {}
    for start, count in quarters:
        day = start.astimezone(tz).date()
        days[day] = days.get(day, 0) + count
    return days


@dataclass(frozen=True, slots=True)
class Window:
    """The days the chart spans and the marked ones in it, all in the event's time zone."""

    first: dt.date
    last: dt.date
    deadline: dt.date
    start: dt.date

    def days(self) -> list[dt.date]:
        """Every day from ``first`` to ``last``."""
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def window(
    opened: dt.datetime,
    deadline: dt.datetime,
    starts: dt.datetime,
    zone: str,
    registration_days: Iterable[dt.date] = (),
) -> Window:
    """From the opening (or the first registration, if earlier) to the start (or the last one).

    ``opened`` is when registrations could begin (the set opening, else when the event was made;
    one after the start counts as the start); registrations an organiser adds after the start
    stretch the window to their day. At most :data:`MAX_DAYS`, ending at the last day.
    """
    tz = ZoneInfo(zone)
    days = sorted(registration_days)
    first = opened.astimezone(tz).date()
    last = starts.astimezone(tz).date()
    if days:
        first = min(first, days[0])
        last = max(last, days[-1])
    first = max(min(first, last), last - dt.timedelta(days=MAX_DAYS - 1))
    return Window(first, last, deadline.astimezone(tz).date(), starts.astimezone(tz).date())


def every_day(counts: Mapping[dt.date, int], span: Window) -> list[DayCount]:
    """One count per day of ``span``, zero for days without registrations."""
    return [DayCount(day, counts.get(day, 0)) for day in span.days()]
