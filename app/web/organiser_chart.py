"""The dashboard's chart of registrations per day, as SVG geometry the template only draws."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from app.i18n import ngettext
from app.services.organiser_registrations import DayCount

#: The chart's drawing area in SVG user units; the bars share the width.
CHART_WIDTH = 600
CHART_HEIGHT = 120
_MAX_BAR_WIDTH = 40
_GAP = 4


class Bar(msgspec.Struct, frozen=True):
    """One day's bar in the chart, in SVG user units."""

    x: int
    y: int
    width: int
    height: int
    title: str


def chart_bars(per_day: Sequence[DayCount]) -> list[Bar]:
    """Bars for the registrations per day: one per day that had any, scaled to the tallest.

    The title (the day and its count, in the language in use) is what a screen reader and a
    mouse pointer get of the bar.
    """
    if not per_day:
        return []
    tallest = max(d.count for d in per_day)
    width = max(1, min(_MAX_BAR_WIDTH, CHART_WIDTH // len(per_day) - _GAP))
    bars = []
    for index, day in enumerate(per_day):
        height = max(1, round(CHART_HEIGHT * day.count / tallest))
        title = ngettext(
            "%(day)s: %(count)d Anmeldung", "%(day)s: %(count)d Anmeldungen", day.count
        ) % {"day": day.day.strftime("%d.%m.%Y"), "count": day.count}
        bars.append(
            Bar(
                x=index * (width + _GAP),
                y=CHART_HEIGHT - height,
                width=width,
                height=height,
                title=title,
            )
        )
    return bars
