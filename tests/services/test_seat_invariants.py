"""Seats cannot drift: a stateful property test over several events at once.

Hypothesis drives the real services (register, cancel, confirm, hold expiry, promotion, capacity
changes, event cancellation) in random order on a clock that moves, and after every step checks,
for every event, what the seat protocol promises: each seat counter equals the registrations
holding a seat in that mode, never above capacity, no seat left idle while someone waits, the
waiting list promoted first come first served, and nobody registered twice. Each outcome is
also checked against what the registrations table says it should have been.

On SQLite and PostgreSQL (``database_url``); the database is migrated once per test and emptied
before each example. Under ``CI`` it runs 100 examples of up to 30 steps per database and
asserts that over 2,000 steps ran; locally 25 examples.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import InvalidInput, NotFound, RegistrationClosed
from app.domain.model import (
    SEAT_HOLDING,
    AttendanceMode,
    Event,
    EventFormat,
    EventStatus,
    RegistrationStatus,
    Seats,
)
from app.services import event_changes, registrations
from app.services import events as event_service
from tests.conftest import IN_CI, make_event, registration_request

EXAMPLES = 100 if IN_CI else 25
#: Each example's steps, the events' set-up included: 100 × 30 leaves well over 2,000 operations.
STEPS = 30
#: A handful of addresses, so that people register twice, come back, and compete for seats.
PEOPLE = tuple(f"person{number}@example.org" for number in range(6))

T = TypeVar("T")


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
            event = make_event(
                self.now,
                slug=f"seat-{number}",
                format=plan.format,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=4),
                registration_closes_at=closes,
                in_person_seats=Seats(
                    plan.in_person if offers[AttendanceMode.IN_PERSON] else None, 0
                ),
                online_seats=Seats(plan.online if offers[AttendanceMode.ONLINE] else None, 0),
                waitlist_enabled=plan.waitlist,
                double_opt_in=plan.double_opt_in,
                opt_in_hold=plan.opt_in_hold,
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

    # Registering is what happens most (hypothesis picks rules evenly): two rules, each a few
    # people one after the other, so that seats fill, waiting lists grow and promotions happen.
    @rule(people=registrants)
    def register(self, people: list[tuple[int, int, bool, bool]]) -> None:
        for pick, person, online, by_organiser in people:
            self._register(pick, person, online, by_organiser)

    @rule(people=registrants)
    def register_more(self, people: list[tuple[int, int, bool, bool]]) -> None:
        for pick, person, online, by_organiser in people:
            self._register(pick, person, online, by_organiser)

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
            capacity = event.seats(mode).capacity
            has_seat = capacity is None or self.holders(event.id, mode) < capacity
            if has_seat and not self.waiting(event.id, mode):
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

        outcome = self.expect("register", call, error)
        if outcome is None:
            return
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
            queue = self.arrivals.setdefault((event.id, mode), [])
            queue.append(registration.id)
            # The waiting-list mail names the place the newcomer took: the end of the queue.
            assert outcome.changes[0].position == len(queue), (outcome.changes, queue)

    def registration(self, pick: int, *, active: bool = False) -> Row | None:
        rows = sorted(self.rows.values(), key=lambda row: row.id)
        if active:
            # Mostly someone still registered: cancelling twice changes nothing, but once does.
            rows = [row for row in rows if row.status is not RegistrationStatus.CANCELLED] or rows
        return rows[pick % len(rows)] if rows else None

    # Twice the weight of a single rule: freed seats are what promotes people.
    @rule(pick=st.integers(0, 30), by_organiser=st.booleans())
    def cancel(self, pick: int, by_organiser: bool) -> None:
        self._cancel(pick, by_organiser)

    @rule(pick=st.integers(0, 30), by_organiser=st.booleans())
    def cancel_another(self, pick: int, by_organiser: bool) -> None:
        self._cancel(pick, by_organiser)

    def _cancel(self, pick: int, by_organiser: bool) -> None:
        row = self.registration(pick, active=pick % 4 != 0)
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
    @rule(later=st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=31), dt.timedelta(hours=3)]))
    def expire_holds(self, later: dt.timedelta) -> None:
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
                    registration = await registrations.find_by_token(self.tokens[row.id])
                    assert await registrations.waitlist_position(registration, self.now) == place

    async def _read(self) -> tuple[list[Event], dict[int, Row]]:
        events = [await self.current(event.id) for event in self.events]
        registered = await RegistrationTable.select(
            RegistrationTable.id,
            RegistrationTable.event,
            RegistrationTable.email_normalised,
            RegistrationTable.mode,
            RegistrationTable.status,
            RegistrationTable.waitlisted_at,
            RegistrationTable.hold_until,
        )
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
        if IN_CI:
            # Proof of the run's size and reach: a run that never promoted anyone proves little.
            assert seen["steps"] >= 2_000, seen
            seen["holds released"] = seen["expired"] + seen["confirm: expired"]
            reached = ("promoted", "holds released", "registered: waitlisted", "register: full")
            assert all(seen[what] for what in reached), seen
    finally:
        loop.run_until_complete(db.close())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
