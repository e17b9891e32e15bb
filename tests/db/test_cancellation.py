"""A cancelled task leaves the SQLite engine as it found it: lock free, no open transaction.

aiosqlite runs each statement in the connection's thread; cancelling the task that awaits it does
not stop it. Each test holds the writer's thread at one statement (``StatementGate``), cancels the
task meanwhile, lets the statement run, and then proves: the write lock is free, the writer is in
no transaction, the next transaction works, the cancelled transaction's two writes are both there
or both absent, and another process can write. The lock stays held until the statement's
outcome is known, so no other writer runs beside a statement whose end nobody awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import cast

import pytest

from app.db.database import Database
from app.db.tables import Event as EventTable
from tests.db.conftest import (
    ORIGINAL_TITLE,
    StatementGate,
    another_process_can_write,
    kept_engine,
    rename_both,
    titles,
)


class Refused(Exception):
    """A failure inside a transaction, so that it rolls back."""


async def rename_both_then_fail(db: Database, ids: tuple[int, int], title: str) -> None:
    async with db.transaction():
        for event_id in ids:
            await EventTable.update({EventTable.title: title}).where(EventTable.id == event_id)
        raise Refused


async def rename_first_outside_a_transaction(
    db: Database, ids: tuple[int, int], title: str
) -> None:
    await EventTable.update({EventTable.title: title}).where(EventTable.id == ids[0])


def elsewhere(work: Coroutine[None, None, None]) -> asyncio.Task[None]:
    """``work`` as a task of its own, outside the caller's transaction (tasks inherit it)."""
    return asyncio.create_task(work, context=contextvars.Context())


async def assert_engine_sound(db: Database, sqlite_path: Path, ids: tuple[int, int]) -> None:
    """Lock free, no transaction left open, the next transaction and another process write."""
    engine = kept_engine(db)
    assert not engine.write_lock.locked()
    assert not engine.writer.in_transaction
    await asyncio.wait_for(rename_both(db, ids, "Danach"), timeout=5)
    assert await titles(ids) == ["Danach", "Danach"]
    another_process_can_write(sqlite_path, ids[0])


# (the statement the writer's thread is held at, what the task does, the titles it may leave)
STAGES = {
    "begin": ("BEGIN", rename_both, [[ORIGINAL_TITLE, ORIGINAL_TITLE]]),
    "statement": ("UPDATE", rename_both, [[ORIGINAL_TITLE, ORIGINAL_TITLE]]),
    # COMMIT was handed over: it runs, so the transaction is committed, never half.
    "commit": ("COMMIT", rename_both, [["Abgebrochen", "Abgebrochen"]]),
    "rollback": ("ROLLBACK", rename_both_then_fail, [[ORIGINAL_TITLE, ORIGINAL_TITLE]]),
    "autocommit": (
        "UPDATE",
        rename_first_outside_a_transaction,
        [["Abgebrochen", ORIGINAL_TITLE]],
    ),
}


@pytest.mark.parametrize("stage", list(STAGES))
async def test_cancelled_while_a_statement_runs(sqlite_db, sqlite_path, two_events, stage):
    first_word, work, possible_titles = STAGES[stage]
    engine = kept_engine(sqlite_db)
    gate = StatementGate(first_word)
    await gate.install(engine)
    task = asyncio.create_task(work(sqlite_db, two_events, "Abgebrochen"))
    try:
        await gate.wait_reached()
        task.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
        # The statement is still in the writer's thread: nobody else may write meanwhile.
        lock_held_while_running = engine.write_lock.locked()
    finally:
        gate.release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    # sqlite3 takes None to remove the callback; aiosqlite's annotation leaves None out.
    await engine.writer.set_trace_callback(cast("Callable[[str], None]", None))

    assert await titles(two_events) in possible_titles
    await assert_engine_sound(sqlite_db, sqlite_path, two_events)
    assert lock_held_while_running


async def test_cancelled_while_waiting_for_the_lock(sqlite_db, sqlite_path, two_events):
    engine = kept_engine(sqlite_db)
    async with sqlite_db.transaction():
        waiting = elsewhere(rename_both(sqlite_db, two_events, "Abgebrochen"))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert await titles(two_events) == [ORIGINAL_TITLE, ORIGINAL_TITLE]
    assert not engine.write_lock.locked()
    await assert_engine_sound(sqlite_db, sqlite_path, two_events)


async def test_cancelled_just_as_the_lock_is_handed_over(sqlite_db, sqlite_path, two_events):
    # The holder releases the lock to the first waiter, which is cancelled before it runs: the
    # lock must go on to the next waiter instead of staying taken by nobody.
    first_waiter: asyncio.Task[None] | None = None
    async with sqlite_db.transaction():
        first_waiter = elsewhere(rename_both(sqlite_db, two_events, "Abgebrochen"))
        await asyncio.sleep(0)
        second_waiter = elsewhere(rename_both(sqlite_db, two_events, "Zweiter"))
        await asyncio.sleep(0)
    first_waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first_waiter
    await asyncio.wait_for(second_waiter, timeout=5)
    assert await titles(two_events) == ["Zweiter", "Zweiter"]
    await assert_engine_sound(sqlite_db, sqlite_path, two_events)


async def test_cancelled_at_every_step_of_a_transaction(sqlite_db, sqlite_path, two_events):
    # Cancel after n event-loop iterations, for every n until the work outruns the cancellation:
    # before the lock, during BEGIN, between and during the statements, during COMMIT, during
    # the autocommit write after it. Thread timing decides which point each n hits, so the sweep
    # goes on well past the first n that completes. On a busy machine the writer's thread may
    # need far more loop iterations than an idle one, so past the first 400 n grows by a quarter
    # each round: the sweep ends by count, never by a clock.
    engine = kept_engine(sqlite_db)
    completed_rounds = 0
    sweep = list(range(400))
    while sweep[-1] < 2_000_000:
        sweep.append(sweep[-1] * 5 // 4)
    for iterations in sweep:
        title = f"Runde {iterations}"

        async def work(title: str = title) -> None:
            await rename_both(sqlite_db, two_events, title)
            await rename_first_outside_a_transaction(sqlite_db, two_events, title + "!")

        task = asyncio.create_task(work())
        for _ in range(iterations):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
        assert not engine.write_lock.locked(), iterations
        assert not engine.writer.in_transaction, iterations
        seen = await titles(two_events)
        # Never half a transaction: both renamed or neither (the autocommit write may follow).
        assert seen[1] in (title, ORIGINAL_TITLE) or seen[1].startswith("Runde "), seen
        assert seen[0] in (seen[1], seen[1] + "!"), (iterations, seen)
        if not task.cancelled():
            completed_rounds += 1
            if completed_rounds >= 20:
                break
        # Start every round from the original titles, so a half transaction would show.
        await rename_both(sqlite_db, two_events, ORIGINAL_TITLE)
    assert completed_rounds >= 1, "the work never outran the cancellation"
    await assert_engine_sound(sqlite_db, sqlite_path, two_events)
