"""The registration rules: is the window open, does a person get a seat, who is promoted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import RegistrationClosed
from app.domain.model import (
    SEAT_HOLDING,
    AttendanceMode,
    Event,
    EventStatus,
    RegistrationStatus,
    Seats,
)


class WindowState(StrEnum):
    """Why registration is or is not possible right now."""

    OPEN = "open"
    NOT_PUBLISHED = "not_published"
    CANCELLED = "cancelled"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


def window_state(event: Event, now: dt.datetime) -> WindowState:
    """Whether ``event`` accepts registrations at ``now``."""
    if event.status is EventStatus.CANCELLED:
        return WindowState.CANCELLED
    if event.status is not EventStatus.PUBLISHED:
        return WindowState.NOT_PUBLISHED
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return WindowState.NOT_YET_OPEN
    # The deadline is inclusive of its minute as printed: "Anmeldung bis 12:30 Uhr" admits 12:30.
    if now >= event.registration_deadline:
        return WindowState.CLOSED
    return WindowState.OPEN


class Availability(StrEnum):
    """What the event page says about seats in one mode."""

    FREE = "free"
    WAITLIST = "waitlist"
    FULL = "full"


def availability(event: Event, mode: AttendanceMode, waiting: int) -> Availability:
    """Whether a new registrant in ``mode`` would get a seat, the waiting list, or nothing."""
    seats = event.seats(mode)
    # A free seat while people wait is theirs: promotion fills it, newcomers queue behind.
    if not seats.is_full and waiting == 0:
        return Availability.FREE
    return Availability.WAITLIST if event.waitlist_enabled else Availability.FULL


def changes_public_view(status: RegistrationStatus, waiting_before: int) -> bool:
    """Whether a new registration of ``status`` changed what the public sees of its event.

    Public pages, feeds and the API show an event's seats (how many are left in each mode) and
    what a newcomer would get (:func:`availability`), never who registered nor how many wait.
    So only a seat taken changes them, or the first person on a mode's waiting list
    (``waiting_before`` of that mode was 0); one more behind others changes nothing.
    """
    if status in SEAT_HOLDING:
        return True
    return status is RegistrationStatus.WAITLISTED and waiting_before == 0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new registration goes."""

    status: RegistrationStatus
    takes_seat: bool


def place_registration(
    event: Event,
    mode: AttendanceMode,
    waiting: int,
    now: dt.datetime,
    *,
    ignore_dates: bool = False,
) -> Placement:
    """Decide a new registration's status; raises :class:`RegistrationClosed` when refused.

    ``event`` must have been read under the event's lock so that seats and ``waiting``
    cannot change before the caller takes the seat. ``ignore_dates`` (organisers adding someone
    by hand) skips the opening time and the deadline, never a cancelled or unpublished event,
    nor the seats.
    """
    state = window_state(event, now)
    dated = (WindowState.NOT_YET_OPEN, WindowState.CLOSED)
    if state is not WindowState.OPEN and not (ignore_dates and state in dated):
        raise RegistrationClosed(state.value)
    if mode not in event.modes:
        raise RegistrationClosed("mode_not_offered")
    offered = availability(event, mode, waiting)
    if event.approval_required:
        return _place_for_approval(event, offered)
    match offered:
        case Availability.FREE:
            status = (
                RegistrationStatus.PENDING if event.double_opt_in else RegistrationStatus.CONFIRMED
            )
            return Placement(status=status, takes_seat=True)
        case Availability.WAITLIST:
            return Placement(status=RegistrationStatus.WAITLISTED, takes_seat=False)
        case Availability.FULL:
            raise RegistrationClosed("full")


def _place_for_approval(event: Event, offered: Availability) -> Placement:
    """A registration that awaits the organisers' approval, with a seat or without.

    Holding seats: a free seat is held (``awaiting``); with none free, the person may still ask
    if there is a waiting list (``requested``: approval puts them on it), else the event is full.
    Not holding seats: everyone asks (``requested``), seats are given at approval.
    """
    if event.approval_holds_seat:
        if offered is Availability.FREE:
            return Placement(status=RegistrationStatus.AWAITING, takes_seat=True)
        if offered is Availability.FULL:
            raise RegistrationClosed("full")
    return Placement(status=RegistrationStatus.REQUESTED, takes_seat=False)


def place_approved(
    event: Event, status: RegistrationStatus, mode: AttendanceMode, waiting: int
) -> Placement:
    """Where an approved registration goes; raises :class:`RegistrationClosed` when refused.

    A held seat becomes confirmed. Without one, approval gives a free seat (nobody waiting for
    it), else a place at the end of the waiting list, else it is refused (``full``). A cancelled
    event approves nobody (``cancelled``). ``event`` and ``waiting`` are read under the lock.
    """
    if event.status is EventStatus.CANCELLED:
        raise RegistrationClosed(WindowState.CANCELLED.value)
    if status is RegistrationStatus.AWAITING:
        return Placement(status=RegistrationStatus.CONFIRMED, takes_seat=False)
    match availability(event, mode, waiting):
        case Availability.FREE:
            return Placement(status=RegistrationStatus.CONFIRMED, takes_seat=True)
        case Availability.WAITLIST:
            return Placement(status=RegistrationStatus.WAITLISTED, takes_seat=False)
        case Availability.FULL:
            raise RegistrationClosed("full")


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    """One person on the waiting list, in queue order."""

    registration_id: int
    mode: AttendanceMode
    waitlisted_at: dt.datetime


def queue_order(entry: WaitingEntry) -> tuple[dt.datetime, int]:
    """The waiting list's order: who waited longest first, ties by registration."""
    return (entry.waitlisted_at, entry.registration_id)


def waiting_position(waiting: Sequence[WaitingEntry], registration_id: int) -> int | None:
    """A registration's place in its mode's queue (1 = next), ``None`` if it is not waiting."""
    mine = next((w for w in waiting if w.registration_id == registration_id), None)
    if mine is None:
        return None
    queue = sorted((w for w in waiting if w.mode is mine.mode), key=queue_order)
    return queue.index(mine) + 1


def choose_promotions(event: Event, waiting: Sequence[WaitingEntry], now: dt.datetime) -> list[int]:
    """The waiting registrations that get the free seats, first come first served per mode.

    Nobody is promoted once the event has ended or been cancelled: a seat then is worth nothing.
    """
    if event.status is not EventStatus.PUBLISHED or now >= event.ends_at:
        return []
    chosen: list[int] = []
    for mode in event.modes:
        seats = event.seats(mode)
        queue = sorted((w for w in waiting if w.mode is mode), key=queue_order)
        free = len(queue) if seats.capacity is None else max(0, seats.capacity - seats.taken)
        chosen.extend(w.registration_id for w in queue[:free])
    return chosen


class EventState(StrEnum):
    """What an event offers a visitor right now, as pages, cards and the API say it."""

    OPEN = "open"
    FEW_SEATS = "few_seats"
    WAITLIST = "waitlist"
    FULL = "full"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    PAST = "past"
    CANCELLED = "cancelled"
    NOT_PUBLISHED = "not_published"


#: "Few seats left": at most this many, or at most a tenth of the capacity when that is more.
FEW_SEATS = 5


def has_few_seats(seats: Seats) -> bool:
    """Whether a mode with free seats has only a few of them left (never for unlimited ones)."""
    if seats.capacity is None or seats.left is None:
        return False
    return seats.left <= max(FEW_SEATS, seats.capacity // 10) and seats.left < seats.capacity


def event_state(
    event: Event, offered: Mapping[AttendanceMode, Availability], now: dt.datetime
) -> EventState:
    """The one state an event is in at ``now``, given what each mode ``offered`` offers.

    Cancelled and past events say so whatever their seats; then the registration window
    (not yet open, closed); then the seats: any free seat is open (few seats when every mode
    with free seats has only a few), else the waiting list, else full.
    """
    if event.status is EventStatus.CANCELLED:
        return EventState.CANCELLED
    if now >= event.ends_at:
        return EventState.PAST
    match window_state(event, now):
        case WindowState.NOT_PUBLISHED:
            return EventState.NOT_PUBLISHED
        case WindowState.NOT_YET_OPEN:
            return EventState.NOT_YET_OPEN
        case WindowState.CLOSED:
            return EventState.CLOSED
        case _:
            pass
    free = [mode for mode, state in offered.items() if state is Availability.FREE]
    if free:
        if all(has_few_seats(event.seats(mode)) for mode in free):
            return EventState.FEW_SEATS
        return EventState.OPEN
    if any(state is Availability.WAITLIST for state in offered.values()):
        return EventState.WAITLIST
    if offered:
        return EventState.FULL
    return EventState.OPEN
