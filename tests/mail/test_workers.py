"""Several ``python -m app worker`` processes drain one outbox: every mail once, then a clean stop.

SQLite serialises the claims with its write lock; PostgreSQL lets the workers skip each other's
rows (``FOR UPDATE SKIP LOCKED``). Either way no message may go out twice or be left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.db.database import Database
from app.db.tables import Outbox
from app.domain.mail import MailKind
from app.domain.model import Seats
from app.domain.outbox import OutboxStatus
from app.services import events as event_service
from app.services.registrations import register
from tests.conftest import make_event, registration_request
from tests.mail.conftest import outbox_rows
from tests.smtp_sink import SinkHandler, SmtpSink

ROOT = Path(__file__).resolve().parents[2]

MAILS = 200
WORKERS = 3
#: Generous: a slow CI machine must not fail the test; a fast one ends as soon as it is done.
DEADLINE_SECONDS = 120.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; fail after the deadline (the only use of time here)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class Workers:
    """Worker processes with their logs, stopped with SIGTERM (or killed if the test fails)."""

    def __init__(self, database_url: str, sink: SmtpSink, folder: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "worker-test-secret-key-0123456789",
            "BASE_URL": "https://treffpunkt.test",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "SMTP_SECURITY": "none",
            "MAIL_POLL_SECONDS": "0.1",
            "MAIL_FROM": "Treffpunkt <noreply@treffpunkt.test>",
        }
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, count: int) -> None:
        for number in range(count):
            log = self.folder / f"worker{number}.log"
            with log.open("wb") as output:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "app", "worker"],
                        cwd=ROOT,
                        env=self.env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
            self.logs.append(log)

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self.logs)

    async def all_started(self) -> bool:
        """Each worker has installed its signal handlers and runs its sender."""
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"a worker ended early ({process.returncode}):\n{self.log_text()}")
            if "mail sender" not in log.read_text(errors="replace"):
                return False
        return True

    async def stop(self) -> list[int | None]:
        """SIGTERM to each; their exit codes (None: still running after a few seconds)."""
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        codes: list[int | None] = []
        for process in self.processes:
            try:
                codes.append(await asyncio.to_thread(process.wait, 10))
            except subprocess.TimeoutExpired:
                codes.append(None)
        return codes

    def kill_leftovers(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def workers(database_url: str, sink: SmtpSink, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes on the test's database, sending to the test's SMTP server."""
    group = Workers(database_url, sink, tmp_path)
    try:
        yield group
    finally:
        group.kill_leftovers()


@contextlib.asynccontextmanager
async def claims_collide(db: Database, database_url: str) -> AsyncIterator[None]:
    """PostgreSQL: hold the workers' claims back until each has one waiting, then let all go.

    Released together, the claims overlap for certain, instead of only when two polls happen
    to meet: a claim that did not skip the rows another one has locked would take them twice.
    The table lock stops writes only; the workers still see that mail is due. (SQLite runs one
    claim at a time under its write lock: nothing to arrange there.)
    """
    if db.is_sqlite:
        yield
        return
    holder = await asyncpg.connect(database_url)
    observer = await asyncpg.connect(database_url)
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE")
            yield

            async def every_worker_waits() -> bool:
                waiting = await observer.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE \"outbox\"%'"
                )
                return int(waiting) >= WORKERS

            await eventually(every_worker_waits, "a claim of each worker to wait")
    finally:
        await holder.close()
        await observer.close()


def all_sent_of(count: int) -> Callable[[], Awaitable[bool]]:
    """A check that ``count`` mails are marked sent."""

    async def check() -> bool:
        sent = await Outbox.count().where(Outbox.status == OutboxStatus.SENT.value)
        return int(sent) >= count

    return check


@pytest.mark.slow
async def test_worker_processes_send_every_confirmation_exactly_once_and_stop_on_sigterm(
    db: Database, database_url: str, sink: SmtpSink, workers: Workers
) -> None:
    # The workers run on the wall clock, so the mail is due by the wall clock too.
    now = dt.datetime.now(dt.UTC)
    event = await event_service.create_event(
        db, make_event(now, in_person_seats=Seats(None, 0), reminder_lead=None)
    )
    addresses = [f"team{number}@stadt.example" for number in range(MAILS)]
    for address in addresses:
        await register(db, event.slug, registration_request(address), now)
    assert len(await outbox_rows(kind=MailKind.CONFIRMATION.value)) == MAILS

    async with claims_collide(db, database_url):
        workers.start(WORKERS)
        await eventually(workers.all_started, "the workers to start")
    await eventually(all_sent_of(MAILS), f"{MAILS} mails marked sent")
    codes = await workers.stop()

    assert codes == [0] * WORKERS, workers.log_text()
    assert "Traceback" not in workers.log_text()
    ids = sink.message_ids()
    assert len(ids) == MAILS
    assert len(set(ids)) == MAILS
    assert sorted(r for item in sink.received for r in item.recipients) == sorted(addresses)
    rows = await outbox_rows()
    assert Counter(row["status"] for row in rows) == {OutboxStatus.SENT.value: MAILS}
    assert {row["message_id"] for row in rows} == set(ids)
    # Claimed once each: no row was taken by two workers (nor again after a lost lease).
    assert {row["attempts"] for row in rows} == {1}
    pids = {str(process.pid) for process in workers.processes}
    assert {row["claimed_by"].rsplit(":", 2)[1] for row in rows} <= pids


@dataclass
class GatedHandler(SinkHandler):
    """Holds every DATA until the gate opens, telling the test that a message is in flight."""

    gate: threading.Event = field(default_factory=threading.Event)
    in_flight: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.in_flight.set()
        await asyncio.to_thread(self.gate.wait, DEADLINE_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def gated_sink() -> Iterator[SmtpSink]:
    """An SMTP server that answers only once the test opens its gate."""
    server = SmtpSink()
    server.handler = GatedHandler()
    server.start()
    try:
        yield server
    finally:
        server.handler.gate.set()
        server.stop()


@pytest.mark.slow
async def test_sigterm_stops_a_worker_with_a_backlog_soon_and_leaves_the_rest_queued(
    db: Database, database_url: str, gated_sink: SmtpSink, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    event = await event_service.create_event(
        db, make_event(now, in_person_seats=Seats(None, 0), reminder_lead=None)
    )
    backlog = 150
    for number in range(backlog):
        await register(db, event.slug, registration_request(f"team{number}@stadt.example"), now)
    handler = gated_sink.handler
    assert isinstance(handler, GatedHandler)
    first = Workers(database_url, gated_sink, tmp_path / "first")
    (tmp_path / "first").mkdir()
    try:
        first.start(1)
        await eventually(first.all_started, "the worker to start")
        await eventually(
            lambda: asyncio.to_thread(handler.in_flight.wait, 0), "a message in flight"
        )
        # Stopped while busy: it may finish what it holds, but not work through the backlog.
        first.processes[0].send_signal(signal.SIGTERM)
        handler.gate.set()
        codes = [await asyncio.to_thread(first.processes[0].wait, 10)]
    finally:
        first.kill_leftovers()

    assert codes == [0], first.log_text()
    rows = await outbox_rows()
    statuses = Counter(row["status"] for row in rows)
    assert statuses[OutboxStatus.SENDING.value] == 0  # nothing left claimed for the lease
    assert 0 < statuses[OutboxStatus.SENT.value] < backlog
    assert statuses[OutboxStatus.QUEUED.value] == backlog - statuses[OutboxStatus.SENT.value]
    assert len(gated_sink.message_ids()) == statuses[OutboxStatus.SENT.value]

    # The next worker takes up the rest: nothing lost, nothing twice.
    second = Workers(database_url, gated_sink, tmp_path)
    try:
        second.start(1)
        await eventually(all_sent_of(backlog), f"{backlog} mails marked sent")
        assert await second.stop() == [0], second.log_text()
    finally:
        second.kill_leftovers()
    ids = gated_sink.message_ids()
    assert len(ids) == len(set(ids)) == backlog
