"""The dashboard chart's geometry: bars scaled to the tallest day, side by side, inside the area."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from app.i18n import use_language
from app.services.organiser_registrations import DayCount
from app.web.organiser_chart import CHART_HEIGHT, CHART_WIDTH, Bar, chart_bars

DAY = dt.date(2026, 11, 20)


def test_no_days_no_bars() -> None:
    assert chart_bars([]) == []


def test_bars_are_scaled_to_the_tallest_day_and_stand_on_the_baseline() -> None:
    with use_language("de"):
        bars = chart_bars([DayCount(DAY, 1), DayCount(DAY + dt.timedelta(days=2), 2)])
    assert bars == [
        Bar(x=0, y=60, width=40, height=60, title="20.11.2026: 1 Anmeldung"),
        Bar(x=44, y=0, width=40, height=120, title="22.11.2026: 2 Anmeldungen"),
    ]


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=400))
def test_every_bar_fits_the_area_and_none_overlaps(counts: list[int]) -> None:
    days = [DayCount(DAY + dt.timedelta(days=index), count) for index, count in enumerate(counts)]
    with use_language("de"):
        bars = chart_bars(days)
    assert len(bars) == len(counts)
    for bar, count in zip(bars, counts, strict=True):
        assert bar.width >= 1
        assert 1 <= bar.height <= CHART_HEIGHT
        assert bar.y + bar.height == CHART_HEIGHT
        if count == max(counts):
            assert bar.height == CHART_HEIGHT
    assert all(left.x + left.width < right.x for left, right in itertools.pairwise(bars))
    # Up to 120 days every bar gets a gap and at least one unit inside the width.
    if len(counts) <= CHART_WIDTH // 5:
        assert bars[-1].x + bars[-1].width <= CHART_WIDTH
