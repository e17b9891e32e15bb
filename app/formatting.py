"""Dates and times as people read them, in the event's time zone, via Babel's locale data.

``locale`` is one of our language codes (``de``, ``en``, ``uk``: pass ``current_language()`` or
a registrant's language) or a Babel locale; a bare ``en`` would get Babel's American patterns
("November 15, 2023, 10:00 AM"), so our codes are read as the locales in ``app.i18n.LOCALES``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from markupsafe import Markup, escape

from app.i18n import LOCALES

DEFAULT_LOCALE = "de"

#: The word German (and only German) puts after a clock time: "10:00 Uhr".
_CLOCK_SUFFIX = {"de": " Uhr"}


# Babel re-reads its patterns on every call; the answers depend only on the arguments, and the
# same few event dates are formatted on every page view, so they are cached.
@lru_cache(maxsize=64)
def _babel_locale(locale: str) -> str:
    return LOCALES.get(locale.strip().lower(), locale) if locale else LOCALES["de"]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(moment: dt.datetime, timezone: str) -> dt.datetime:
    """``moment`` (stored in UTC) as wall-clock time in ``timezone``."""
    return moment.astimezone(_zone(timezone))


@lru_cache(maxsize=4096)
def format_day(moment: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """The full date, e.g. ``Mittwoch, 22. November 2023``, ``Wednesday, 22 November 2023``."""
    return format_date(local_time(moment, timezone).date(), "full", locale=_babel_locale(locale))


@lru_cache(maxsize=4096)
def format_short_day(moment: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """The date in short, where the event takes place, e.g. ``22.11.2023``, ``Nov 22, 2023``."""
    return format_date(local_time(moment, timezone).date(), "medium", locale=_babel_locale(locale))


@lru_cache(maxsize=4096)
def format_clock(moment: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """The clock time without suffix, e.g. ``10:00``."""
    return format_time(local_time(moment, timezone).time(), "short", locale=_babel_locale(locale))


def _suffix(locale: str) -> str:
    return _CLOCK_SUFFIX.get(locale.split("_")[0], "")


def format_event_time(
    starts_at: dt.datetime, ends_at: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE
) -> str:
    """When an event takes place.

    One day: ``Mittwoch, 22. November 2023, 10:00–14:00 Uhr``; several days:
    ``Mittwoch, 22. November 2023, 10:00 Uhr – Donnerstag, 23. November 2023, 14:00 Uhr``.
    """
    start = local_time(starts_at, timezone)
    end = local_time(ends_at, timezone)
    suffix = _suffix(locale)
    start_day = format_day(starts_at, timezone, locale)
    start_clock = format_clock(starts_at, timezone, locale)
    end_clock = format_clock(ends_at, timezone, locale)
    if start.date() == end.date():
        return f"{start_day}, {start_clock}–{end_clock}{suffix}"
    end_day = format_day(ends_at, timezone, locale)
    return f"{start_day}, {start_clock}{suffix} – {end_day}, {end_clock}{suffix}"


def is_whole_day_deadline(deadline: dt.datetime, timezone: str) -> bool:
    """Whether a deadline means "until the end of that day" (23:59 local time)."""
    local = local_time(deadline, timezone)
    return (local.hour, local.minute) == (23, 59)


def format_deadline(deadline: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """A deadline: ``Mittwoch, 15. November 2023`` or ``…, 12:30 Uhr`` when it is not 23:59."""
    day = format_day(deadline, timezone, locale)
    if is_whole_day_deadline(deadline, timezone):
        return day
    return f"{day}, {format_clock(deadline, timezone, locale)}{_suffix(locale)}"


def format_moment(moment: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """A point in time with date and clock: ``Mittwoch, 1. November 2023, 09:00 Uhr``."""
    day = format_day(moment, timezone, locale)
    return f"{day}, {format_clock(moment, timezone, locale)}{_suffix(locale)}"


@lru_cache(maxsize=1024)
def format_zone(moment: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE) -> str:
    """The time zone in force at ``moment``, as the locale abbreviates it.

    ``MEZ``/``MESZ`` in German, ``CET``/``CEST`` in English; where the locale has no
    abbreviation (Ukrainian), the offset as ``GMT+01:00``.
    """
    local = local_time(moment, timezone)
    name = format_time(local, "z", tzinfo=local.tzinfo, locale=_babel_locale(locale))
    if name[:1] in "+-" or name[:1].isdigit():
        name = format_time(local, "ZZZZ", tzinfo=local.tzinfo, locale=_babel_locale(locale))
    return str(name)


#: Where Ukrainian readers are: their pages and mails add the time there to online events.
KYIV = "Europe/Kyiv"


def format_time_elsewhere(
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str,
    elsewhere: str,
    locale: str = DEFAULT_LOCALE,
) -> str | None:
    """An event's time in the zone ``elsewhere`` with that zone's name, or ``None`` when it is
    the same there as in the event's own ``timezone``.

    The clock only when the day is the same in both zones (``11:00–15:00 GMT+02:00``), else
    the full time.
    """
    if local_time(starts_at, timezone).utcoffset() == local_time(starts_at, elsewhere).utcoffset():
        return None
    same_day = local_time(starts_at, timezone).date() == local_time(starts_at, elsewhere).date()
    when = (
        format_clock_range(starts_at, ends_at, elsewhere, locale)
        if same_day
        else format_event_time(starts_at, ends_at, elsewhere, locale)
    )
    return f"{when} {format_zone(starts_at, elsewhere, locale)}"


def format_clock_range(
    starts_at: dt.datetime, ends_at: dt.datetime, timezone: str, locale: str = DEFAULT_LOCALE
) -> str:
    """An event's time in another zone, with the day when it differs from the start's.

    ``10:00–14:00 Uhr`` on one day, else the full moments joined by a dash.
    """
    start = local_time(starts_at, timezone)
    end = local_time(ends_at, timezone)
    suffix = _suffix(locale)
    start_clock = format_clock(starts_at, timezone, locale)
    end_clock = format_clock(ends_at, timezone, locale)
    if start.date() == end.date():
        return f"{start_clock}–{end_clock}{suffix}"
    return f"{start_clock}{suffix} – {format_day(ends_at, timezone, locale)}, {end_clock}{suffix}"


def german_lang(text: object) -> Markup:
    """`` lang="de"`` for a text that is German standing in for a translation, else nothing.

    Whether it is, :func:`app.domain.model.pick` decided (``Text.fell_back``); templates only
    put this on the element: ``<p{{ note|german_lang }}>{{ note }}</p>``.
    """
    return Markup(' lang="de"') if getattr(text, "fell_back", False) else Markup("")


def german_span(text: object) -> Markup:
    """``text`` escaped, inside ``<span lang="de">`` when it is German standing in.

    For texts inside a line (a function after a name, a question label, an option).
    """
    if getattr(text, "fell_back", False):
        return Markup('<span lang="de">{}</span>').format(text)
    return escape(text)
