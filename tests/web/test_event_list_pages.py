"""The start page and the past events in pages: their size stays the same however many events."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import AsyncTestClient

from app.web.controllers import public
from tests.web.conftest import KNOWN_END, KNOWN_START


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(public, "LIST_PAGE_SIZE", 2)
    return 2


async def test_upcoming_events_come_in_pages_soonest_first(
    client: AsyncTestClient, event_factory, small_pages: int
) -> None:
    for day, slug in enumerate(("erste", "zweite", "dritte")):
        shift = dt.timedelta(days=day)
        await event_factory(slug=slug, starts_at=KNOWN_START + shift, ends_at=KNOWN_END + shift)

    first = (await client.get("/")).text
    assert "/events/erste" in first
    assert "/events/zweite" in first
    assert "/events/dritte" not in first
    assert 'href="?page=2" rel="next"' in first
    assert 'rel="prev"' not in first

    second = (await client.get("/?page=2")).text
    assert "/events/dritte" in second
    assert "/events/erste" not in second
    assert "/events/zweite" not in second
    assert 'href="?page=1" rel="prev"' in second
    assert 'rel="next"' not in second

    for nonsense in ("0", "-1", "abc", "99999999999"):  # the first page
        shown = (await client.get(f"/?page={nonsense}")).text
        assert "/events/erste" in shown
        assert "/events/dritte" not in shown


async def test_one_page_of_events_has_no_page_links(
    client: AsyncTestClient, event_factory, small_pages: int
) -> None:
    await event_factory(slug="einzige", starts_at=KNOWN_START, ends_at=KNOWN_END)
    page = (await client.get("/")).text
    assert "/events/einzige" in page
    assert 'rel="next"' not in page
    assert 'rel="prev"' not in page
