"""The dashboard chart: the window's days, bars and running total inside the area, the markers."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain.dashboard import MAX_DAYS, DayCount, Window, every_day, local_days, window
from app.i18n import use_language
from app.web.organiser_chart import CHART_HEIGHT, CHART_WIDTH, Bar, Marker, chart

DAY = dt.date(2026, 11, 20)
BERLIN = "Europe/Berlin"


def _span(days: int, deadline: int | None = None, start: int | None = None) -> Window:
    last = DAY + dt.timedelta(days=days - 1)
    return Window(
        DAY,
        last,
        DAY + dt.timedelta(days=deadline) if deadline is not None else last,
        DAY + dt.timedelta(days=start) if start is not None else last,
    )


def test_no_registrations_draw_flat() -> None:
    with use_language("de"):
        drawn = chart(every_day({}, _span(3)), _span(3))
    assert drawn.total == drawn.busiest == 0
    assert [bar.height for bar in drawn.bars] == [0, 0, 0]
    assert drawn.line == "0,160 200.0,160 400.0,160 600.0,160"


def test_bars_scale_to_the_busiest_day_the_line_to_the_total() -> None:
    span = _span(3, deadline=1, start=2)
    per_day = every_day({DAY: 1, DAY + dt.timedelta(days=2): 3}, span)
    with use_language("de"):
        drawn = chart(per_day, span)
    assert [d.count for d in per_day] == [1, 0, 3]  # the empty day is there
    assert drawn.bars[0] == Bar(
        x=20.0, y=106.67, width=160.0, height=53.33, title="20.11.2026: 1 Anmeldung"
    )
    assert drawn.bars[1].height == 0
    assert drawn.bars[2].height == CHART_HEIGHT
    assert drawn.line == "0,160 200.0,120.0 400.0,120.0 600.0,0.0"
    assert drawn.markers == (
        Marker("deadline", 300.0, "Anmeldeschluss"),
        Marker("start", 500.0, "Beginn"),
    )
    assert [(row.day, row.count, row.total) for row in drawn.rows] == [
        ("20.11.2026", 1, 1),
        ("21.11.2026", 0, 1),
        ("22.11.2026", 3, 4),
    ]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=MAX_DAYS))
def test_every_bar_and_point_fits_the_area_and_the_line_only_rises(counts: list[int]) -> None:
    span = _span(len(counts), deadline=len(counts) // 2, start=len(counts) - 1)
    per_day = [DayCount(day, count) for day, count in zip(span.days(), counts, strict=True)]
    with use_language("de"):
        drawn = chart(per_day, span)
    assert len(drawn.bars) == len(counts)
    for bar, count in zip(drawn.bars, counts, strict=True):
        assert bar.x >= 0
        assert bar.x + bar.width <= CHART_WIDTH + 0.01
        assert 0 <= bar.height <= CHART_HEIGHT
        assert abs(bar.y + bar.height - CHART_HEIGHT) < 0.02
        if count and count == max(counts):
            assert bar.height == CHART_HEIGHT
    assert all(
        left.x + left.width <= right.x + 0.01 for left, right in itertools.pairwise(drawn.bars)
    )
    points = [tuple(map(float, point.split(","))) for point in drawn.line.split()]
    assert len(points) == len(counts) + 1
    assert all(0 <= x <= CHART_WIDTH and 0 <= y <= CHART_HEIGHT for x, y in points)
    assert all(a[0] < b[0] and a[1] >= b[1] for a, b in itertools.pairwise(points))
    assert points[-1][1] == (0.0 if sum(counts) else CHART_HEIGHT)
    assert drawn.rows[-1].total == drawn.total == sum(counts)
    assert [marker.key for marker in drawn.markers] == ["deadline", "start"]
    assert all(0 < marker.x < CHART_WIDTH for marker in drawn.markers)


@given(
    st.lists(
        st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31)).map(
            lambda moment: moment.replace(tzinfo=dt.UTC)
        ),
        max_size=50,
    ),
    st.sampled_from([BERLIN, "Europe/Kyiv", "Asia/Kathmandu", "America/St_Johns", "UTC"]),
)
def test_quarter_hours_sum_to_the_local_days_exactly(moments: list[dt.datetime], zone: str) -> None:
    """Summing per quarter hour in UTC gives what counting each registration's local day gives."""
    quarters: dict[dt.datetime, int] = {}
    for moment in moments:
        start = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
        quarters[start] = quarters.get(start, 0) + 1
    expected: dict[dt.date, int] = {}
    for moment in moments:
        day = moment.astimezone(ZoneInfo(zone)).date()
        expected[day] = expected.get(day, 0) + 1
    assert local_days(quarters.items(), zone) == expected


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def test_the_window_runs_from_the_opening_to_the_start() -> None:
    span = window(_at(1), _at(20), _at(27), BERLIN)
    assert (span.first, span.deadline, span.start, span.last) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 27),
        dt.date(2026, 11, 27),
    )
    assert len(span.days()) == 27


def test_registrations_outside_stretch_the_window_an_opening_after_the_start_does_not() -> None:
    early, late = dt.date(2026, 10, 30), dt.date(2026, 11, 29)
    span = window(_at(10), _at(20), _at(27), BERLIN, [late, early])
    assert (span.first, span.last) == (early, late)
    span = window(_at(28), _at(27), _at(27), BERLIN)
    assert span.first == span.last == dt.date(2026, 11, 27)


def test_the_window_is_the_events_local_days_and_at_most_a_year() -> None:
    # 23:30 UTC on the 26th is already the 27th in Berlin.
    span = window(_at(26, 23) + dt.timedelta(minutes=30), _at(27), _at(27), BERLIN)
    assert span.first == dt.date(2026, 11, 27)
    span = window(_at(1) - dt.timedelta(days=800), _at(20), _at(27), BERLIN)
    assert len(span.days()) == MAX_DAYS
    assert span.last == dt.date(2026, 11, 27)
