"""The dashboard's chart of registrations over the window, as SVG geometry the template only draws.

Per-day bars (scaled to the busiest day) and the running total as a line (scaled to the total)
share one x axis: day ``i`` of ``n`` owns the slot from ``i * W / n`` to ``(i + 1) * W / n``. The
deadline and the start are vertical lines through the middle of their day's slot. Coordinates
are SVG user units, rounded to two decimals; nothing here knows HTML or CSS.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from app.domain.dashboard import DayCount, Window
from app.i18n import _, ngettext

#: The drawing area in SVG user units (the SVG is as wide as its column, the height scales).
CHART_WIDTH = 600
CHART_HEIGHT = 160
#: Below this slot width the bars touch; above it they keep a fifth of the slot free.
_GAPLESS_BELOW = 4.0


class Bar(msgspec.Struct, frozen=True):
    """One day's bar (possibly of height 0), in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    title: str


class Marker(msgspec.Struct, frozen=True):
    """A vertical line through one day: the deadline or the start."""

    key: str
    x: float
    label: str


class Row(msgspec.Struct, frozen=True):
    """One day of the table beside the chart (its text alternative)."""

    day: str
    count: int
    total: int


class Chart(msgspec.Struct, frozen=True):
    """Everything the template draws: bars, the running total, markers, the table."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    #: The running total as SVG ``points`` of a polyline, from the baseline at the left edge.
    line: str
    markers: tuple[Marker, ...]
    rows: tuple[Row, ...]
    busiest: int
    total: int


def _round(value: float) -> float:
    return round(value, 2)


def _day(day: DayCount) -> str:
    return day.day.strftime("%d.%m.%Y")


def chart(per_day: Sequence[DayCount], span: Window) -> Chart:
    """The chart of ``per_day`` (every day of ``span``, oldest first)."""
    days = len(per_day)
    slot = CHART_WIDTH / max(days, 1)
    width = slot if slot < _GAPLESS_BELOW else slot * 0.8
    busiest = max((d.count for d in per_day), default=0)
    total = sum(d.count for d in per_day)
    bars = []
    rows = []
    points = [f"0,{CHART_HEIGHT}"]
    running = 0
    for index, day in enumerate(per_day):
        height = CHART_HEIGHT * day.count / busiest if busiest else 0.0
        running += day.count
        title = ngettext(
            "%(day)s: %(count)d Anmeldung", "%(day)s: %(count)d Anmeldungen", day.count
        ) % {"day": _day(day), "count": day.count}
        x = index * slot + (slot - width) / 2
        bars.append(
            Bar(
                x=_round(x),
                y=_round(CHART_HEIGHT - height),
                width=_round(width),
                height=_round(height),
                title=title,
            )
        )
        line_y = CHART_HEIGHT - CHART_HEIGHT * running / total if total else CHART_HEIGHT
        points.append(f"{_round((index + 1) * slot)},{_round(line_y)}")
        rows.append(Row(_day(day), day.count, running))
    markers = []
    for key, marked, label in (
        ("deadline", span.deadline, _("Anmeldeschluss")),
        ("start", span.start, _("Beginn")),
    ):
        index = (marked - span.first).days
        if 0 <= index < days:
            markers.append(Marker(key, _round((index + 0.5) * slot), label))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=tuple(bars),
        line=" ".join(points),
        markers=tuple(markers),
        rows=tuple(rows),
        busiest=busiest,
        total=total,
    )
