"""Seats cannot drift: a stateful property test over several events at once.

Hypothesis drives the real services (register, cancel, confirm, hold expiry, promotion, approval
and decline, capacity changes, event cancellation) in random order on a clock that moves, and
after every step checks, for every event, what the seat protocol promises: each seat counter
equals the registrations holding a seat in that mode (awaiting approval with a held seat
included), never above capacity, no seat left idle while someone waits, the waiting list
promoted first come first served, and nobody registered twice; a registration that does not
count as a public change (:attr:`Database.writes_committed`) leaves the event's public view
as it was. Each outcome is also checked
against what the registrations table says it should have been. Events ask for approval or not,
holding seats meanwhile or not.

On SQLite and PostgreSQL (``database_url``); the database is migrated once per test and emptied
before each example. Under ``CI`` it runs 100 examples of up to 36 steps per database and
asserts that over 2,000 steps ran and that each outcome it is there to reach came up; locally
25 examples. ``SEAT_REACH=1`` prints how often each outcome came up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.db.database import Database
from app.db.mapping import registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import InvalidInput, NotFound, RegistrationClosed
from app.domain.model import (
    AWAITING_APPROVAL,
    SEAT_HOLDING,
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    Registration,
    RegistrationStatus,
    Seats,
)
from app.services import approvals, event_changes, registrations
from app.services import events as event_service
from tests.conftest import IN_CI, make_event, registration_request

EXAMPLES = 100 if IN_CI else 25
#: Each example's steps, the events' set-up included. Hypothesis ends many examples early: with
#: approval's rules 100 × 30 gave 2,200–2,850 steps, too near the 2,000 the run must prove;
#: 100 × 36 leaves a safe margin.
STEPS = 36
#: A handful of addresses, so that people register twice, come back, and compete for seats.
PEOPLE = tuple(f"person{number}@example.org" for number in range(6))

T = TypeVar("T")

#: Registrations that are over: cancelling them changes nothing.
_OVER = (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED)


@dataclasses.dataclass(frozen=True)
class EventPlan:
    """One event of an example, as the organiser set it up."""

    format: EventFormat
    in_person: int | None
    online: int | None
    waitlist: bool
    double_opt_in: bool
    opt_in_hold: dt.timedelta
    starts_in: dt.timedelta
    closes_before_start: dt.timedelta | None
    #: If the event asks for approval (the last of each example does): whether a registration
    #: awaiting it holds a seat, and the seats in each mode (instead of ``in_person``, ``online``).
    holds_seat: bool = True
    approval_seats: int | None = 1


#: Small limits fill up and make people wait; one in four is unlimited.
capacities = st.sampled_from([1, 2, 3, None])
event_plans = st.builds(
    EventPlan,
    format=st.sampled_from(EventFormat),
    in_person=capacities,
    online=capacities,
    waitlist=st.sampled_from([True, True, False]),
    double_opt_in=st.booleans(),
    opt_in_hold=st.sampled_from([dt.timedelta(minutes=30), dt.timedelta(hours=3)]),
    starts_in=st.sampled_from([dt.timedelta(hours=20), dt.timedelta(days=2), dt.timedelta(days=7)]),
    closes_before_start=st.sampled_from([None, dt.timedelta(hours=12)]),
    holds_seat=st.booleans(),
    # Approval events are small workshops: approvals then meet a full event (and fill its
    # waiting list) often, not by luck; one in four is unlimited.
    approval_seats=st.sampled_from([1, 1, 2, None]),
)


@dataclasses.dataclass(frozen=True)
class Row:
    """A registration as the table holds it after a step."""

    id: int
    event: int
    email: str
    mode: AttendanceMode
    status: RegistrationStatus
    waitlisted_at: dt.datetime | None
    hold_until: dt.datetime | None


class SeatMachine(RuleBasedStateMachine):
    """Several events, a few people and a clock; the real services in between."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        db: Database,
        start: dt.datetime,
        seen: Counter[str],
    ) -> None:
        super().__init__()
        self.loop = loop
        self.db = db
        #: What happened, across examples: the test proves how much it ran and reached.
        self.seen = seen
        self.now = start
        self.events: list[Event] = []
        #: The latest personal link of each registration (re-registering issues a new one).
        self.tokens: dict[int, str] = {}
        #: The registrations table after the last step.
        self.rows: dict[int, Row] = {}
        #: Each (event, mode)'s waiting list in the order people joined it, kept by the test.
        self.arrivals: dict[tuple[int, AttendanceMode], list[int]] = {}
        #: The events as the last step left them.
        self.latest: dict[int, Event] = {}
        #: The waiting registrations as the last step left them.
        self.waiting_rows: dict[int, Registration] = {}

    def run(self, step: Awaitable[T]) -> T:
        return self.loop.run_until_complete(step)

    def tick(self) -> dt.datetime:
        # A real clock has moved on by the next request. (Frozen, two people could join a waiting
        # list at the same instant; the queue then falls back to the row id, and someone who
        # registers again keeps their old row's smaller id and is placed ahead.)
        self.now += dt.timedelta(seconds=1)
        return self.now

    def event(self, pick: int) -> Event:
        return self.events[pick % len(self.events)]

    def holders(self, event_id: int, mode: AttendanceMode) -> int:
        return sum(
            1
            for row in self.rows.values()
            if row.event == event_id and row.mode is mode and row.status in SEAT_HOLDING
        )

    def waiting(self, event_id: int, mode: AttendanceMode) -> int:
        return len(self.arrivals.get((event_id, mode), []))

    async def current(self, event_id: int) -> Event:
        return await event_service.get_with_access(event_id)

    async def _public_view(self, event: Event) -> event_service.PublicEvent | None:
        try:
            return await event_service.get_public(event.slug)
        except NotFound:  # not published
            return None

    def expect(
        self, what: str, call: Callable[[], Awaitable[T]], error: Exception | None
    ) -> T | None:
        """Run ``call``; it must raise an error like ``error`` (same type and text) or succeed."""
        raised: Exception | None = None
        result: T | None = None
        try:
            result = self.run(call())
        except (RegistrationClosed, InvalidInput, NotFound) as refused:
            raised = refused
        self.seen[f"{what}: {raised or 'done'}"] += 1
        if raised is not None or error is not None:
            assert (type(raised), str(raised)) == (type(error), str(error)), (raised, error)
            return None
        return result

    # -- the events -------------------------------------------------------------------------

    @initialize(plans=st.lists(event_plans, min_size=2, max_size=4))
    def create_events(self, plans: list[EventPlan]) -> None:
        self.run(self._empty_database())
        for number, plan in enumerate(plans):
            starts = self.now + plan.starts_in
            closes = None if plan.closes_before_start is None else starts - plan.closes_before_start
            offers = {
                AttendanceMode.IN_PERSON: plan.format is not EventFormat.ONLINE,
                AttendanceMode.ONLINE: plan.format is not EventFormat.IN_PERSON,
            }
            # The last event asks for approval, the others do not: every example has both, however
            # Hypothesis's choices cluster within a run.
            approval = number == len(plans) - 1
            in_person, online = plan.in_person, plan.online
            if approval:
                in_person = online = plan.approval_seats
            event = make_event(
                self.now,
                slug=f"seat-{number}",
                format=plan.format,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=4),
                registration_closes_at=closes,
                in_person_seats=Seats(in_person if offers[AttendanceMode.IN_PERSON] else None, 0),
                online_seats=Seats(online if offers[AttendanceMode.ONLINE] else None, 0),
                waitlist_enabled=plan.waitlist,
                double_opt_in=plan.double_opt_in,
                opt_in_hold=plan.opt_in_hold,
                approval_required=approval,
                approval_holds_seat=plan.holds_seat,
            )
            self.events.append(self.run(event_service.create_event(self.db, event)))

    async def _empty_database(self) -> None:
        # Each example starts from no events at all: a replayed example must see the same data.
        await Outbox.delete(force=True)
        await RegistrationTable.delete(force=True)
        await EventTable.delete(force=True)

    # -- what people do ---------------------------------------------------------------------

    registrants = st.lists(
        st.tuples(
            st.integers(0, 3),  # which event
            st.integers(0, len(PEOPLE) - 1),  # who
            st.booleans(),  # online (where the event offers both)
            st.booleans(),  # added by an organiser
        ),
        min_size=1,
        max_size=3,
    )

    # Registering is what happens most (hypothesis picks rules evenly): three rules, each a few
    # people one after the other, so that seats fill, waiting lists grow and promotions happen
    # (three, not two, since the approval rules joined: registering keeps its share of steps).
    @rule(people=registrants)
    def register(self, people: list[tuple[int, int, bool, bool]]) -> None:
        for pick, person, online, by_organiser in people:
            self._register(pick, person, online, by_organiser)

    @rule(people=registrants)
    def register_more(self, people: list[tuple[int, int, bool, bool]]) -> None:
        for pick, person, online, by_organiser in people:
            self._register(pick, person, online, by_organiser)

    # The third rule sends every other newcomer to a mode without a seat for them, if there is
    # one: the event that asks for approval takes a share of the registrations, and joining the
    # waiting list or being turned away as full must still come up every run.
    @rule(people=registrants)
    def register_again(self, people: list[tuple[int, int, bool, bool]]) -> None:
        for pick, person, online, by_organiser in people:
            full = self.full_modes() if pick % 2 == 0 else []
            if full:
                pick, online = full[person % len(full)]
            self._register(pick, person, online, by_organiser)

    def full_modes(self) -> list[tuple[int, bool]]:
        """The (event, online) choices without a seat for a newcomer, by the last step's events."""
        found = []
        for index, known in enumerate(self.events):
            event = self.latest.get(known.id)
            if event is None:
                continue
            for online in (False, True):
                mode = event.modes[-1] if online else event.modes[0]
                if not self.seat_free(event, mode):
                    found.append((index, online))
        return found

    def _register(self, pick: int, person: int, online: bool, by_organiser: bool) -> None:
        now = self.tick()
        event = self.run(self.current(self.event(pick).id))
        modes = event.modes
        mode = modes[-1] if online else modes[0]
        email = PEOPLE[person]
        existing = next(
            (
                row
                for row in self.rows.values()
                if row.event == event.id
                and row.email == email
                and row.status is not RegistrationStatus.CANCELLED
            ),
            None,
        )
        form = registration_request(email, mode=mode.value)
        error: Exception | None = None
        expected: RegistrationStatus | None = None
        cancelled = event.status is EventStatus.CANCELLED
        if by_organiser:
            if existing is None and cancelled:
                error = RegistrationClosed("cancelled")
        elif cancelled:
            error = RegistrationClosed("cancelled")
        elif now >= event.registration_deadline:
            error = RegistrationClosed("closed")
        if error is None and existing is None:
            free = self.seat_free(event, mode)
            if event.approval_required:
                # Holding seats: a free one is held; else asking needs a waiting list to go to.
                if event.approval_holds_seat and free:
                    expected = RegistrationStatus.AWAITING
                elif not event.approval_holds_seat or event.waitlist_enabled:
                    expected = RegistrationStatus.REQUESTED
                else:
                    error = RegistrationClosed("full")
            elif free:
                expected = (
                    RegistrationStatus.PENDING
                    if event.double_opt_in
                    else RegistrationStatus.CONFIRMED
                )
            elif event.waitlist_enabled:
                expected = RegistrationStatus.WAITLISTED
            else:
                error = RegistrationClosed("full")

        def call() -> Awaitable[registrations.RegistrationOutcome]:
            if by_organiser:
                return registrations.register_by_organiser(self.db, event.id, form, now)
            return registrations.register(self.db, event.slug, form, now)

        # What the public sees of the event, and this process's count of writes that may have
        # changed it: a registration that leaves the count alone must leave the view alone
        # (the page cache keeps its pages across it).
        public_before = self.run(self._public_view(event))
        counted_before = self.db.writes_committed
        outcome = self.expect("register", call, error)
        if outcome is None:
            return
        if not by_organiser and self.db.writes_committed == counted_before:
            assert self.run(self._public_view(event)) == public_before
            self.seen["registered: public view unchanged"] += 1
        if existing is not None:
            assert not outcome.created
            assert outcome.registration.id == existing.id
            return
        assert outcome.created
        registration = outcome.registration
        assert registration.status is expected
        self.seen[f"registered: {expected}"] += 1
        # The next registrant in this step is judged by the table as it now is.
        self.rows[registration.id] = Row(
            id=registration.id,
            event=event.id,
            email=email,
            mode=registration.mode,
            status=registration.status,
            waitlisted_at=registration.waitlisted_at,
            hold_until=registration.hold_until,
        )
        self.tokens[registration.id] = registration.token
        if expected is RegistrationStatus.WAITLISTED:
            self._joined_queue(registration.id, event.id, mode, outcome.changes[0].position)

    def _joined_queue(
        self, registration_id: int, event_id: int, mode: AttendanceMode, position: int | None
    ) -> None:
        queue = self.arrivals.setdefault((event_id, mode), [])
        queue.append(registration_id)
        # The waiting-list mail names the place the newcomer took: the end of the queue.
        assert position == len(queue), (position, queue)

    def seat_free(self, event: Event, mode: AttendanceMode) -> bool:
        """Whether a newcomer in ``mode`` gets a seat: one is free and nobody waits for it."""
        capacity = event.seats(mode).capacity
        has_seat = capacity is None or self.holders(event.id, mode) < capacity
        return has_seat and not self.waiting(event.id, mode)

    def blocking_seats(self) -> list[Row]:
        """Seat holders in a mode that people wait for, in registration order."""
        return sorted(
            (
                row
                for row in self.rows.values()
                if row.status in SEAT_HOLDING and self.waiting(row.event, row.mode)
            ),
            key=lambda row: row.id,
        )

    def registration(self, pick: int, *, active: bool = False) -> Row | None:
        rows = sorted(self.rows.values(), key=lambda row: row.id)
        if active:
            # Mostly someone still registered: cancelling twice changes nothing, but once does.
            rows = [row for row in rows if row.status not in _OVER] or rows
        return rows[pick % len(rows)] if rows else None

    # Twice the weight of a single rule: freed seats are what promotes people.
    @rule(pick=st.integers(0, 30), by_organiser=st.booleans())
    def cancel(self, pick: int, by_organiser: bool) -> None:
        self._cancel(pick, by_organiser)

    @rule(pick=st.integers(0, 30), by_organiser=st.booleans())
    def cancel_another(self, pick: int, by_organiser: bool) -> None:
        self._cancel(pick, by_organiser)

    def _cancel(self, pick: int, by_organiser: bool) -> None:
        # Every other pick frees a seat someone waits for, if there is one: promotions (and
        # their order) are what the waiting list is for, and must be reached every run.
        blocking = self.blocking_seats() if pick % 2 == 0 else []
        row = (
            blocking[pick % len(blocking)]
            if blocking
            else self.registration(pick, active=pick % 4 != 0)
        )
        if row is None:
            return
        now = self.tick()
        if by_organiser:
            self.run(registrations.cancel_by_organiser(self.db, row.event, row.id, now))
        else:
            self.run(registrations.cancel(self.db, self.tokens[row.id], now))
        if row.status is RegistrationStatus.WAITLISTED:
            self.arrivals[(row.event, row.mode)].remove(row.id)

    @rule(pick=st.integers(0, 30))
    def confirm_address(self, pick: int) -> None:
        row = self.registration(pick)
        if row is None:
            return
        now = self.tick()
        event = self.run(self.current(row.event))
        error: Exception | None = None
        if event.status is EventStatus.CANCELLED:
            error = RegistrationClosed("cancelled")
        elif row.hold_until is not None and (
            # Expired earlier (a cancelled row keeps its hold), or running out right now.
            row.status is RegistrationStatus.CANCELLED
            or (row.status is RegistrationStatus.PENDING and now >= row.hold_until)
        ):
            error = RegistrationClosed("expired")
        confirmed = self.expect(
            "confirm",
            lambda: registrations.confirm_address(self.db, self.tokens[row.id], now),
            error,
        )
        if confirmed is not None and row.status is RegistrationStatus.PENDING:
            assert confirmed.status is RegistrationStatus.CONFIRMED

    # The background task releases holds on its own schedule: now, or once a hold has run out.
    # Two rules: Hypothesis switches rules off for whole examples, and releasing holds (the
    # clock moving with it) must not hang on one rule among the many.
    @rule(later=st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=31), dt.timedelta(hours=3)]))
    def expire_holds(self, later: dt.timedelta) -> None:
        self._expire_holds(later)

    @rule(later=st.sampled_from([dt.timedelta(minutes=31), dt.timedelta(hours=3)]))
    def expire_holds_later(self, later: dt.timedelta) -> None:
        self._expire_holds(later)

    def _expire_holds(self, later: dt.timedelta) -> None:
        self.now += later
        now = self.tick()
        due = [
            row
            for row in self.rows.values()
            if row.status is RegistrationStatus.PENDING
            and row.hold_until is not None
            and row.hold_until <= now
        ]
        assert self.run(registrations.expire_holds(self.db, now)) == len(due)
        self.seen["expired"] += len(due)

    # -- what organisers do -----------------------------------------------------------------

    def awaiting(self, pick: int) -> Row | None:
        """Mostly a registration awaiting approval; now and then any (which stays as it is)."""
        rows = sorted(self.rows.values(), key=lambda row: row.id)
        waiting = [row for row in rows if row.status in AWAITING_APPROVAL]
        if waiting and pick % 5 != 0:
            rows = waiting
        return rows[pick % len(rows)] if rows else None

    def asking_when_full(self) -> list[Row]:
        """Requests whose mode has no seat for them now: approving them fills the waiting list.

        Judged by the events as the last step left them (read by the invariant anyway).
        """
        full = []
        for row in sorted(self.rows.values(), key=lambda row: row.id):
            event = self.latest.get(row.event)
            if row.status is not RegistrationStatus.REQUESTED or event is None:
                continue
            if event.waitlist_enabled and not self.seat_free(event, row.mode):
                full.append(row)
        return full

    def anyone_awaiting(self) -> bool:
        return any(row.status in AWAITING_APPROVAL for row in self.rows.values())

    # Only while someone awaits approval: otherwise these steps would be lost to the other rules
    # (whose outcomes the test must still reach as often as before approval came).
    # Every other approval goes to a request that finds its mode full, if there is one.
    @precondition(anyone_awaiting)
    @rule(pick=st.integers(0, 30))
    def approve(self, pick: int) -> None:
        full = self.asking_when_full() if pick % 2 == 0 else []
        self._approve(full[pick % len(full)] if full else self.awaiting(pick))

    # Approving onto the waiting list needs a request that finds its mode full, which random
    # picks seldom meet: a rule of its own, only while there is one, reaches it every run.
    @precondition(lambda self: bool(self.asking_when_full()))
    @rule(pick=st.integers(0, 30))
    def approve_when_full(self, pick: int) -> None:
        full = self.asking_when_full()
        self._approve(full[pick % len(full)])

    def _approve(self, row: Row | None) -> None:
        if row is None:
            return
        now = self.tick()
        event = self.run(self.current(row.event))
        error: Exception | None = None
        expected: RegistrationStatus | None = None
        if row.status in AWAITING_APPROVAL:
            if event.status is EventStatus.CANCELLED:
                error = RegistrationClosed("cancelled")
            elif row.status is RegistrationStatus.AWAITING or self.seat_free(event, row.mode):
                expected = RegistrationStatus.CONFIRMED
            elif event.waitlist_enabled:
                expected = RegistrationStatus.WAITLISTED
            else:
                error = RegistrationClosed("full")
        outcome = self.expect(
            "approve", lambda: approvals.approve(self.db, row.event, row.id, now), error
        )
        if outcome is None:
            return
        if expected is None:
            # Decided already (or never asked): approving changes nothing.
            assert not outcome.changes
            assert outcome.registration.status is row.status
            return
        assert outcome.registration.status is expected, (row, outcome.registration)
        self.seen[f"approved: {expected}"] += 1
        if expected is RegistrationStatus.WAITLISTED:
            self._joined_queue(row.id, row.event, row.mode, outcome.changes[0].position)

    @precondition(anyone_awaiting)
    @rule(pick=st.integers(0, 30))
    def decline(self, pick: int) -> None:
        row = self.awaiting(pick)
        if row is None:
            return
        outcome = self.run(approvals.decline(self.db, row.event, row.id, self.tick()))
        if row.status in AWAITING_APPROVAL:
            assert outcome.registration.status is RegistrationStatus.DECLINED
            self.seen[f"declined: {row.status}"] += 1
        else:
            assert not outcome.changes
            assert outcome.registration.status is row.status

    @rule(pick=st.integers(0, 3))
    def promote(self, pick: int) -> None:
        self.run(registrations.promote_waiting(self.db, self.event(pick).id, self.tick()))

    @rule(pick=st.integers(0, 3), online=st.booleans(), capacity=capacities, notify=st.booleans())
    def change_capacity(self, pick: int, online: bool, capacity: int | None, notify: bool) -> None:
        now = self.tick()
        current = self.run(self.current(self.event(pick).id))
        mode = current.modes[-1] if online else current.modes[0]
        seats = Seats(capacity, current.seats(mode).taken)
        if mode is AttendanceMode.ONLINE:
            updated = dataclasses.replace(current, online_seats=seats)
        else:
            updated = dataclasses.replace(current, in_person_seats=seats)
        holding = self.holders(current.id, mode)
        error = None
        if capacity is not None and capacity < holding:
            error = InvalidInput({f"capacity_{mode.value}": "below_seats_taken"})
        self.expect(
            "change capacity",
            lambda: event_changes.change_event(
                self.db, current.id, updated, notify=notify, message="", now=now
            ),
            error,
        )

    # Picks past the last event cancel nothing: organisers seldom cancel, and a cancelled event
    # is closed for the rest of the example.
    @rule(pick=st.integers(0, 11))
    def cancel_event(self, pick: int) -> None:
        now = self.tick()
        if pick >= len(self.events):
            return
        self.run(
            event_changes.cancel_event(self.db, self.events[pick].id, message="Abgesagt", now=now)
        )

    @rule(
        by=st.sampled_from(
            [dt.timedelta(minutes=20), dt.timedelta(hours=2), dt.timedelta(hours=14)]
        )
    )
    def let_time_pass(self, by: dt.timedelta) -> None:
        self.now += by

    # -- what must hold after every step ----------------------------------------------------

    @invariant()
    def seats_match_the_registrations(self) -> None:
        self.seen["steps"] += 1
        events, rows = self.run(self._read())
        previous, self.rows = self.rows, rows
        self.latest = {event.id: event for event in events}

        assert {event.id for event in events} == {event.id for event in self.events}
        for event in events:
            for mode in AttendanceMode:
                seats = event.seats(mode)
                holding = self.holders(event.id, mode)
                assert seats.taken == holding, (event.slug, mode, seats, holding)
                assert seats.capacity is None or seats.taken <= seats.capacity
                if mode not in event.modes:
                    assert holding == 0
        self._check_nobody_twice()
        self._check_first_come_first_served(previous)
        self._check_no_idle_seat(events)
        self.run(self._check_waiting_counts_and_positions())

    async def _check_waiting_counts_and_positions(self) -> None:
        """The events' waiting counters and each waiting place equal a recount of the table."""
        counters = await EventTable.select(
            EventTable.id, EventTable.waiting_in_person, EventTable.waiting_online
        )
        for counter in counters:
            for mode in AttendanceMode:
                queue = sorted(
                    (
                        row
                        for row in self.rows.values()
                        if (row.event, row.mode) == (counter["id"], mode)
                        and row.status is RegistrationStatus.WAITLISTED
                    ),
                    key=lambda row: (row.waitlisted_at, row.id),
                )
                assert counter[f"waiting_{mode.value}"] == len(queue), (counter, mode, queue)
                for place, row in enumerate(queue, start=1):
                    registration = self.waiting_rows[row.id]
                    assert await registrations.waitlist_position(registration, self.now) == place

    async def _read(self) -> tuple[list[Event], dict[int, Row]]:
        events = [await self.current(event.id) for event in self.events]
        registered = await RegistrationTable.select()
        # The waiting registrations whole, for their places (read here, not one by one).
        self.waiting_rows = {
            row["id"]: registration_from_row(row)
            for row in registered
            if row["status"] == RegistrationStatus.WAITLISTED.value
        }
        rows = {
            row["id"]: Row(
                id=row["id"],
                event=row["event"],
                email=row["email_normalised"],
                mode=AttendanceMode(row["mode"]),
                status=RegistrationStatus(row["status"]),
                waitlisted_at=_utc(row["waitlisted_at"]),
                hold_until=_utc(row["hold_until"]),
            )
            for row in registered
        }
        return events, rows

    def _check_nobody_twice(self) -> None:
        people = [(row.event, row.email) for row in self.rows.values()]
        assert len(people) == len(set(people))

    def _check_first_come_first_served(self, previous: dict[int, Row]) -> None:
        promoted: dict[tuple[int, AttendanceMode], list[int]] = {}
        for row in self.rows.values():
            before = previous.get(row.id)
            if before is None or before.status is not RegistrationStatus.WAITLISTED:
                continue
            # Off the waiting list only into a confirmed seat, or out by cancelling.
            assert row.status in (
                RegistrationStatus.WAITLISTED,
                RegistrationStatus.CONFIRMED,
                RegistrationStatus.CANCELLED,
            ), row
            if row.status is RegistrationStatus.CONFIRMED:
                self.seen["promoted"] += 1
                promoted.setdefault((row.event, row.mode), []).append(row.id)
        for key, queue in self.arrivals.items():
            moved_up = set(promoted.pop(key, []))
            # Whoever was promoted must have been at the front: first come, first served.
            assert set(queue[: len(moved_up)]) == moved_up, (key, queue, moved_up)
            del queue[: len(moved_up)]
            waiting = sorted(
                (
                    row
                    for row in self.rows.values()
                    if (row.event, row.mode) == key and row.status is RegistrationStatus.WAITLISTED
                ),
                key=lambda row: (row.waitlisted_at, row.id),
            )
            assert [row.id for row in waiting] == queue, (key, waiting, queue)
        assert not promoted, promoted

    def _check_no_idle_seat(self, events: list[Event]) -> None:
        for event in events:
            if event.status is not EventStatus.PUBLISHED or self.now >= event.ends_at:
                continue  # nobody is promoted any more: a seat then is worth nothing
            for mode in event.modes:
                if self.waiting(event.id, mode):
                    seats = event.seats(mode)
                    assert seats.capacity is not None, (event.slug, mode)
                    assert self.holders(event.id, mode) == seats.capacity, (event.slug, mode)


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def test_seats_never_drift(database_url: str, now: dt.datetime) -> None:
    loop = asyncio.new_event_loop()
    db = Database.from_url(database_url)
    seen: Counter[str] = Counter()
    try:
        loop.run_until_complete(db.connect())
        loop.run_until_complete(db.migrate())
        run_state_machine_as_test(
            # Hypothesis calls whatever factory it is given, though it annotates only the class.
            cast("type[SeatMachine]", lambda: SeatMachine(loop, db, now, seen)),
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                # Fresh examples every run (Hypothesis's CI profile would fix them), none kept.
                database=None,
                derandomize=False,
                # Shrinking a failure takes minutes here; CI reports the failing program as found.
                phases=[Phase.generate] if IN_CI else [Phase.generate, Phase.shrink],
            ),
        )
        if os.environ.get("SEAT_REACH"):
            # How often each outcome came up, to tune the weights by.
            print(database_url.split(":")[0], dict(sorted(seen.items())), file=sys.stderr)
        if IN_CI:
            # Proof of the run's size and reach: a run that never promoted anyone proves little.
            assert seen["steps"] >= 2_000, seen
            seen["holds released"] = seen["expired"] + seen["confirm: expired"]
            seen["declined"] = seen["declined: awaiting"] + seen["declined: requested"]
            reached = (
                "promoted",
                "holds released",
                "registered: waitlisted",
                # One more on a waiting list: no public figure changed, no cached page dropped.
                "registered: public view unchanged",
                "register: full",
                # Approval: asked with a held seat and without, approved into a seat and onto
                # the waiting list, declined.
                "registered: awaiting",
                "registered: requested",
                "approved: confirmed",
                "approved: waitlisted",
                "declined",
            )
            assert all(seen[what] for what in reached), seen
    finally:
        loop.run_until_complete(db.close())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
