"""The organisers' list in pages: under any filter, every matching registration is on exactly
one page, in the order they came in (a property test on SQLite and PostgreSQL)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db.tables import Registration as RegistrationTable
from app.domain.model import AttendanceMode, RegistrationStatus, Seats
from app.services.organiser_registrations import RegistrationFilter, list_registrations
from tests.bench.filling import registration_row
from tests.conftest import FIXED_NOW

COUNT = 137
#: Words that match many, few, one or none of the filler's rows (names, address, organisation).
WORDS = ["", "олена", "ОЛЕНА", "koval00001", "zoë", "dortmund", "example.org", "nobody", "Київська"]


async def _crowd(event_factory) -> int:
    event = await event_factory(slug="gross", title="Groß", in_person_seats=Seats(None, 0))
    rows = [RegistrationTable(**registration_row(event.id, n, FIXED_NOW)) for n in range(COUNT)]
    await RegistrationTable.insert(*rows)
    return event.id


def _expected(event_id: int, search: RegistrationFilter) -> list[str]:
    """The matching addresses in id order, worked out from the filler's rows in Python."""
    found = []
    for number in range(COUNT):
        row = registration_row(event_id, number, FIXED_NOW)
        text = " ".join(
            row[name] for name in ("first_name", "last_name", "email", "organisation")
        ).casefold()
        if search.status is not None and row["status"] != search.status.value:
            continue
        if search.mode is not None and row["mode"] != search.mode.value:
            continue
        if all(word.casefold() in text for word in search.q.split()):
            found.append(row["email"])
    return found


async def test_every_match_is_on_exactly_one_page(db, event_factory):
    event_id = await _crowd(event_factory)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        status=st.sampled_from([None, *RegistrationStatus]),
        mode=st.sampled_from([None, *AttendanceMode]),
        q=st.sampled_from(WORDS),
        page_size=st.integers(min_value=1, max_value=60),
    )
    def check(status, mode, q, page_size):
        search = RegistrationFilter(q=q, status=status, mode=mode)
        pages.append((search, page_size))

    pages: list[tuple[RegistrationFilter, int]] = []
    check()  # Hypothesis draws the cases; the database is asked below, on the test's loop.
    assert pages
    for search, page_size in pages:
        expected = _expected(event_id, search)
        shown: list[str] = []
        first = await list_registrations(event_id, search, 1, page_size)
        assert first.matching == len(expected)
        assert first.total == COUNT
        for number in range(1, first.pages + 1):
            page = await list_registrations(event_id, search, number, page_size)
            assert page.page == number
            assert len(page.registrations) <= page_size
            shown.extend(r.email for r in page.registrations)
        assert shown == expected, (search, page_size)
        # A page past the last shows the last.
        beyond = await list_registrations(event_id, search, first.pages + 3, page_size)
        assert beyond.page == first.pages
