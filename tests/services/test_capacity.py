"""Never overbook: simultaneous registrations and cancellations, in one process and in several."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import RegistrationClosed
from app.domain.model import AttendanceMode, EventFormat, RegistrationStatus, Seats
from app.services import registrations
from app.services.changes import ChangeKind
from app.services.registrations import CancellationOutcome, RegistrationOutcome
from tests.conftest import registration_request

ROOT = Path(__file__).resolve().parents[2]


async def statuses(event_id: int) -> Counter[str]:
    rows = await RegistrationTable.select(RegistrationTable.status).where(
        RegistrationTable.event == event_id
    )
    return Counter(row["status"] for row in rows)


async def seats_taken(event_id: int) -> tuple[int, int]:
    row = (
        await EventTable.select(EventTable.seats_taken_in_person, EventTable.seats_taken_online)
        .where(EventTable.id == event_id)
        .first()
    )
    assert row is not None
    return row["seats_taken_in_person"], row["seats_taken_online"]


async def assert_consistent(event_id: int, capacity: int) -> Counter[str]:
    """Seats taken equal seat-holding registrations, never above capacity, none left idle."""
    counts = await statuses(event_id)
    holding = counts["confirmed"] + counts["pending"]
    taken, _ = await seats_taken(event_id)
    assert taken == holding
    assert holding <= capacity
    if counts["waitlisted"]:
        # A free seat while someone waits would be a lost seat.
        assert holding == capacity
    return counts


async def test_200_simultaneous_registrations_confirm_exactly_20(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(20, 0), waitlist_enabled=True)

    outcomes = await asyncio.gather(
        *(
            registrations.register(db, event.slug, registration_request(f"p{i}@example.org"), now)
            for i in range(200)
        )
    )

    by_status = Counter(o.registration.status for o in outcomes)
    assert by_status == {RegistrationStatus.CONFIRMED: 20, RegistrationStatus.WAITLISTED: 180}
    counts = await assert_consistent(event.id, 20)
    assert counts == {"confirmed": 20, "waitlisted": 180}


async def test_200_simultaneous_registrations_without_waitlist_refuse_the_rest(
    db, event_factory, now
):
    event = await event_factory(in_person_seats=Seats(20, 0), waitlist_enabled=False)

    results = await asyncio.gather(
        *(
            registrations.register(db, event.slug, registration_request(f"p{i}@example.org"), now)
            for i in range(200)
        ),
        return_exceptions=True,
    )

    refused = [r for r in results if isinstance(r, RegistrationClosed)]
    accepted = [r for r in results if not isinstance(r, BaseException)]
    assert len(accepted) == 20
    assert len(refused) == 180
    assert {r.reason for r in refused} == {"full"}
    assert all(not isinstance(r, BaseException) or r in refused for r in results)
    assert await assert_consistent(event.id, 20) == {"confirmed": 20}


async def test_simultaneous_duplicates_register_an_address_once(db, event_factory, now):
    event = await event_factory(in_person_seats=Seats(20, 0))

    outcomes = await asyncio.gather(
        *(
            registrations.register(
                db,
                event.slug,
                registration_request("  SAME@Example.ORG " if i % 2 else "same@example.org"),
                now,
            )
            for i in range(30)
        )
    )

    assert sum(o.created for o in outcomes) == 1
    assert await assert_consistent(event.id, 20) == {"confirmed": 1}


async def test_hybrid_modes_fill_separately(db, event_factory, now):
    event = await event_factory(
        format=EventFormat.HYBRID, in_person_seats=Seats(5, 0), online_seats=Seats(10, 0)
    )

    outcomes = await asyncio.gather(
        *(
            registrations.register(
                db,
                event.slug,
                registration_request(
                    f"p{i}@example.org",
                    mode=(AttendanceMode.ONLINE if i % 2 else AttendanceMode.IN_PERSON).value,
                ),
                now,
            )
            for i in range(60)
        )
    )

    confirmed = Counter(
        o.registration.mode
        for o in outcomes
        if o.registration.status is RegistrationStatus.CONFIRMED
    )
    assert confirmed == {AttendanceMode.IN_PERSON: 5, AttendanceMode.ONLINE: 10}
    assert await seats_taken(event.id) == (5, 10)


async def test_cancellations_race_promotions_and_new_registrations(db, event_factory, now):
    capacity = 20
    event = await event_factory(in_person_seats=Seats(capacity, 0), waitlist_enabled=True)
    confirmed = [
        await registrations.register(db, event.slug, registration_request(f"c{i}@example.org"), now)
        for i in range(capacity)
    ]
    waiting = [
        await registrations.register(db, event.slug, registration_request(f"w{i}@example.org"), now)
        for i in range(30)
    ]
    assert all(w.registration.status is RegistrationStatus.WAITLISTED for w in waiting)

    # At once: 15 confirmed cancel (each promotes), 5 waiting cancel (perhaps while being
    # promoted), 20 newcomers queue, and some cancel twice.
    cancelled_tokens = [c.registration.token for c in confirmed[:15]] + [
        w.registration.token for w in waiting[:5]
    ]
    jobs: list[Coroutine[Any, Any, CancellationOutcome | RegistrationOutcome]] = [
        registrations.cancel(db, token, now) for token in cancelled_tokens
    ]
    jobs += [registrations.cancel(db, token, now) for token in cancelled_tokens[:5]]
    jobs += [
        registrations.register(db, event.slug, registration_request(f"n{i}@example.org"), now)
        for i in range(20)
    ]
    results = await asyncio.gather(*jobs)

    counts = await assert_consistent(event.id, capacity)
    assert counts["cancelled"] == 20
    assert counts["confirmed"] == capacity
    assert counts["waitlisted"] == 30 - 5 - 15 + 20

    promotions = [
        change.registration_id
        for result in results
        for change in result.changes
        if change.kind is ChangeKind.PROMOTED
    ]
    assert len(promotions) == len(set(promotions)), "a seat was given twice"
    # First come, first served: nobody still waiting was passed over by a promotion. (A waiting
    # person who cancels before their turn is skipped; one promoted just before their own
    # cancellation arrives is promoted, then cancelled. Both are fair.)
    assert len(promotions) >= 15
    final = {
        row["id"]: row["status"]
        for row in await RegistrationTable.select(
            RegistrationTable.id, RegistrationTable.status
        ).where(RegistrationTable.event == event.id)
    }
    queue = [w.registration.id for w in waiting] + [
        rid for rid in sorted(final) if rid > waiting[-1].registration.id
    ]
    last_promoted = max(queue.index(rid) for rid in promotions)
    passed_over = [rid for rid in queue[:last_promoted] if final[rid] == "waitlisted"]
    assert passed_over == []
    assert set(promotions) <= set(queue[: last_promoted + 1])
    cancelled_ids = {w.registration.id for w in waiting[:5]}
    for registration_id in set(promotions) - cancelled_ids:
        row = (
            await RegistrationTable.select(RegistrationTable.status)
            .where(RegistrationTable.id == registration_id)
            .first()
        )
        assert row is not None
        assert row["status"] == "confirmed"


async def test_the_database_refuses_a_seat_above_capacity(db, event_factory):
    """The invariant holds even for a write that bypasses the services."""
    event = await event_factory(in_person_seats=Seats(1, 0))
    await EventTable.update({EventTable.seats_taken_in_person: 1}).where(EventTable.id == event.id)
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        await EventTable.update({EventTable.seats_taken_in_person: 2}).where(
            EventTable.id == event.id
        )
    assert await seats_taken(event.id) == (1, 0)


async def test_the_database_refuses_a_second_registration_per_address(db, event_factory, now):
    event = await event_factory()
    await registrations.register(db, event.slug, registration_request("x@example.org"), now)
    row = await RegistrationTable.select().where(RegistrationTable.event == event.id).first()
    assert row is not None
    duplicate = {k: v for k, v in row.items() if k != "id"}
    duplicate["token"] = "another-token"
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await RegistrationTable.insert(RegistrationTable(**duplicate))


def _burst(
    database_url: str, slug: str, now: dt.datetime, start_at: float, **options: object
) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "tests.services.burst",
        database_url,
        slug,
        "--now",
        now.isoformat(),
        "--start-at",
        str(start_at),
    ]
    for name, value in options.items():
        flag = f"--{name.replace('_', '-')}"
        if isinstance(value, list):
            command.append(f"{flag}={','.join(map(str, value))}")
        else:
            command += [flag, str(value)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _collect(processes: list[subprocess.Popen[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for process in processes:
        output, _ = process.communicate(timeout=240)
        assert process.returncode == 0
        total.update(json.loads(output))
    return total


@pytest.mark.slow
async def test_four_processes_fire_240_registrations_at_20_seats(
    db: Database, database_url, event_factory, now
):
    event = await event_factory(in_person_seats=Seats(20, 0), waitlist_enabled=True)
    start_at = time.time() + 2.0
    processes = [
        _burst(database_url, event.slug, now, start_at, prefix=f"proc{n}-", count=60)
        for n in range(4)
    ]

    total = await asyncio.to_thread(_collect, processes)

    assert total["confirmed"] == 20
    assert total["waitlisted"] == 220
    assert await assert_consistent(event.id, 20) == {"confirmed": 20, "waitlisted": 220}


@pytest.mark.slow
async def test_processes_race_cancellations_against_registrations(
    db: Database, database_url, event_factory, now
):
    capacity = 20
    event = await event_factory(in_person_seats=Seats(capacity, 0), waitlist_enabled=True)
    confirmed = [
        await registrations.register(db, event.slug, registration_request(f"c{i}@example.org"), now)
        for i in range(capacity + 10)
    ]
    tokens = [o.registration.token for o in confirmed]
    start_at = time.time() + 2.0
    processes = [
        _burst(
            database_url, event.slug, now, start_at, cancel=tokens[0:8], prefix="new-a", count=20
        ),
        _burst(
            database_url, event.slug, now, start_at, cancel=tokens[8:16], prefix="new-b", count=20
        ),
        _burst(
            database_url, event.slug, now, start_at, cancel=tokens[20:25], prefix="new-c", count=20
        ),
    ]

    total = await asyncio.to_thread(_collect, processes)

    assert total["cancelled"] == 21
    counts = await assert_consistent(event.id, capacity)
    assert counts["confirmed"] == capacity
    assert counts["cancelled"] == 21
    assert counts["waitlisted"] == 30 + 60 - 21 - capacity


async def test_a_seat_taken_at_one_event_leaves_every_other_event_alone(db, event_factory, now):
    """The seat update is limited to its own event, for limited and unlimited events alike.

    It once read ``id = :id AND capacity IS NULL OR taken < capacity`` (AND binds first): every
    registration raised the counter of every other event with room, so a one-seat event nobody
    had registered for put its first registrant on the waiting list.
    """
    unlimited = await event_factory(slug="offen", in_person_seats=Seats(None, 0))
    one_seat = await event_factory(slug="ein-platz", in_person_seats=Seats(1, 0))
    hybrid = await event_factory(
        slug="hybrid",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(5, 0),
        online_seats=Seats(5, 0),
    )
    await registrations.register(db, unlimited.slug, registration_request("a@example.org"), now)
    await registrations.register(
        db, hybrid.slug, registration_request("b@example.org", mode="online"), now
    )
    assert await seats_taken(unlimited.id) == (1, 0)
    assert await seats_taken(one_seat.id) == (0, 0)
    assert await seats_taken(hybrid.id) == (0, 1)

    first = await registrations.register(
        db, one_seat.slug, registration_request("c@example.org"), now
    )
    assert first.registration.status is RegistrationStatus.CONFIRMED
    assert await seats_taken(one_seat.id) == (1, 0)
    assert await seats_taken(unlimited.id) == (1, 0)
    assert await seats_taken(hybrid.id) == (0, 1)
