"""The registration rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.errors import RegistrationClosed
from app.domain.model import AttendanceMode, EventFormat, EventStatus, RegistrationStatus, Seats
from app.domain.rules import (
    Availability,
    EventState,
    WaitingEntry,
    WindowState,
    availability,
    choose_promotions,
    event_state,
    place_registration,
    waiting_position,
    window_state,
)
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, WindowState.OPEN),
        ({"status": EventStatus.DRAFT}, WindowState.NOT_PUBLISHED),
        ({"status": EventStatus.CANCELLED}, WindowState.CANCELLED),
        ({"registration_opens_at": NOW + dt.timedelta(seconds=1)}, WindowState.NOT_YET_OPEN),
        ({"registration_opens_at": NOW}, WindowState.OPEN),
        ({"registration_closes_at": NOW}, WindowState.CLOSED),
        ({"registration_closes_at": NOW + dt.timedelta(seconds=1)}, WindowState.OPEN),
        (
            {
                "starts_at": NOW - dt.timedelta(hours=1),
                "ends_at": NOW,
            },
            WindowState.CLOSED,
        ),
        (
            # Running events take latecomers until their end when no deadline is set.
            {"starts_at": NOW - dt.timedelta(hours=1), "ends_at": NOW + dt.timedelta(hours=1)},
            WindowState.OPEN,
        ),
        (
            # A deadline after the end is capped by the end.
            {
                "starts_at": NOW - dt.timedelta(hours=2),
                "ends_at": NOW - dt.timedelta(hours=1),
                "registration_closes_at": NOW + dt.timedelta(days=1),
            },
            WindowState.CLOSED,
        ),
    ],
)
def test_window_state(changes, expected):
    assert window_state(make_event(NOW, **changes), NOW) is expected


def test_free_seat_confirms_and_double_opt_in_holds_it_pending():
    event = make_event(NOW, in_person_seats=Seats(2, 1))
    placement = place_registration(event, AttendanceMode.IN_PERSON, 0, NOW)
    assert placement.status is RegistrationStatus.CONFIRMED
    assert placement.takes_seat

    doi = make_event(NOW, in_person_seats=Seats(2, 1), double_opt_in=True)
    pending = place_registration(doi, AttendanceMode.IN_PERSON, 0, NOW)
    assert pending.status is RegistrationStatus.PENDING
    assert pending.takes_seat


def test_full_event_waitlists_or_refuses():
    full = make_event(NOW, in_person_seats=Seats(2, 2))
    assert place_registration(full, AttendanceMode.IN_PERSON, 0, NOW).status is (
        RegistrationStatus.WAITLISTED
    )
    refused = make_event(NOW, in_person_seats=Seats(2, 2), waitlist_enabled=False)
    with pytest.raises(RegistrationClosed) as raised:
        place_registration(refused, AttendanceMode.IN_PERSON, 0, NOW)
    assert raised.value.reason == "full"


def test_newcomers_queue_behind_people_already_waiting():
    event = make_event(NOW, in_person_seats=Seats(2, 1))
    assert availability(event, AttendanceMode.IN_PERSON, waiting=3) is Availability.WAITLIST
    assert not place_registration(event, AttendanceMode.IN_PERSON, 3, NOW).takes_seat


def test_unlimited_capacity_is_always_free():
    event = make_event(NOW, in_person_seats=Seats(None, 5000))
    assert availability(event, AttendanceMode.IN_PERSON, 0) is Availability.FREE


def test_mode_not_offered_is_refused():
    event = make_event(NOW)
    with pytest.raises(RegistrationClosed) as raised:
        place_registration(event, AttendanceMode.ONLINE, 0, NOW)
    assert raised.value.reason == "mode_not_offered"


def test_closed_window_refuses_even_with_free_seats():
    event = make_event(NOW, registration_closes_at=NOW - dt.timedelta(minutes=1))
    with pytest.raises(RegistrationClosed) as raised:
        place_registration(event, AttendanceMode.IN_PERSON, 0, NOW)
    assert raised.value.reason == "closed"


def _waiting(rid: int, mode: AttendanceMode, minutes: int) -> WaitingEntry:
    return WaitingEntry(rid, mode, NOW + dt.timedelta(minutes=minutes))


def test_promotions_are_first_come_first_served_per_mode():
    event = make_event(
        NOW, format=EventFormat.HYBRID, in_person_seats=Seats(3, 1), online_seats=Seats(5, 4)
    )
    waiting = [
        _waiting(10, AttendanceMode.IN_PERSON, 3),
        _waiting(11, AttendanceMode.ONLINE, 1),
        _waiting(12, AttendanceMode.IN_PERSON, 1),
        _waiting(13, AttendanceMode.IN_PERSON, 2),
        _waiting(14, AttendanceMode.ONLINE, 0),
    ]
    assert choose_promotions(event, waiting, NOW) == [12, 13, 14]


def test_ties_in_time_go_to_the_earlier_registration():
    event = make_event(NOW, in_person_seats=Seats(1, 0))
    waiting = [_waiting(8, AttendanceMode.IN_PERSON, 0), _waiting(7, AttendanceMode.IN_PERSON, 0)]
    assert choose_promotions(event, waiting, NOW) == [7]


def test_nobody_is_promoted_after_the_end_or_for_a_cancelled_event():
    waiting = [_waiting(1, AttendanceMode.IN_PERSON, 0)]
    ended = make_event(
        NOW, starts_at=NOW - dt.timedelta(hours=2), ends_at=NOW, in_person_seats=Seats(5, 0)
    )
    assert choose_promotions(ended, waiting, NOW) == []
    cancelled = make_event(NOW, status=EventStatus.CANCELLED, in_person_seats=Seats(5, 0))
    assert choose_promotions(cancelled, waiting, NOW) == []


def test_registration_deadline_is_capped_by_the_end():
    event = make_event(NOW)
    assert event.registration_deadline == event.ends_at
    late = make_event(NOW, registration_closes_at=event.ends_at + dt.timedelta(days=1))
    assert late.registration_deadline == event.ends_at


def test_waiting_position_follows_the_promotion_order():
    waiting = [
        _waiting(5, AttendanceMode.IN_PERSON, 2),
        _waiting(6, AttendanceMode.ONLINE, 0),
        _waiting(7, AttendanceMode.IN_PERSON, 1),
    ]
    assert waiting_position(waiting, 7) == 1
    assert waiting_position(waiting, 5) == 2
    assert waiting_position(waiting, 6) == 1
    assert waiting_position(waiting, 99) is None


FREE = Availability.FREE
IN_PERSON = AttendanceMode.IN_PERSON
ONLINE = AttendanceMode.ONLINE


@pytest.mark.parametrize(
    ("changes", "offered", "expected"),
    [
        ({}, {IN_PERSON: FREE}, EventState.OPEN),
        ({"in_person_seats": Seats(100, 96)}, {IN_PERSON: FREE}, EventState.FEW_SEATS),
        ({"in_person_seats": Seats(100, 90)}, {IN_PERSON: FREE}, EventState.FEW_SEATS),
        ({"in_person_seats": Seats(100, 89)}, {IN_PERSON: FREE}, EventState.OPEN),
        ({"in_person_seats": Seats(5, 0)}, {IN_PERSON: FREE}, EventState.OPEN),
        ({"in_person_seats": Seats(5, 1)}, {IN_PERSON: FREE}, EventState.FEW_SEATS),
        ({"in_person_seats": Seats(None, 999)}, {IN_PERSON: FREE}, EventState.OPEN),
        ({}, {IN_PERSON: Availability.WAITLIST}, EventState.WAITLIST),
        ({}, {IN_PERSON: Availability.FULL}, EventState.FULL),
        (
            {
                "format": EventFormat.HYBRID,
                "in_person_seats": Seats(10, 10),
                "online_seats": Seats(None, 3),
            },
            {IN_PERSON: Availability.WAITLIST, ONLINE: FREE},
            EventState.OPEN,
        ),
        (
            {"format": EventFormat.HYBRID, "in_person_seats": Seats(10, 10)},
            {IN_PERSON: Availability.FULL, ONLINE: Availability.WAITLIST},
            EventState.WAITLIST,
        ),
        (
            {"registration_opens_at": NOW + dt.timedelta(days=1)},
            {IN_PERSON: FREE},
            EventState.NOT_YET_OPEN,
        ),
        # After the deadline the seats say nothing any more: closed, never "N seats left".
        ({"registration_closes_at": NOW}, {IN_PERSON: FREE}, EventState.CLOSED),
        (
            {
                "starts_at": NOW - dt.timedelta(hours=2),
                "ends_at": NOW,
                "registration_closes_at": NOW - dt.timedelta(hours=3),
            },
            {IN_PERSON: FREE},
            EventState.PAST,
        ),
        (
            {"status": EventStatus.CANCELLED, "ends_at": NOW - dt.timedelta(days=1)},
            {IN_PERSON: FREE},
            EventState.CANCELLED,
        ),
        ({"status": EventStatus.DRAFT}, {IN_PERSON: FREE}, EventState.NOT_PUBLISHED),
    ],
)
def test_event_state(
    changes: dict[str, object], offered: dict[AttendanceMode, Availability], expected: EventState
) -> None:
    assert event_state(make_event(NOW, **changes), offered, NOW) is expected
