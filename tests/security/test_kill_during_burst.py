"""Faults: ``kill -9`` in the middle of the work loses no committed registration and no mail.

Two processes are killed the hard way (SIGKILL: no shutdown handler, no flush, no rollback of
its own), each on SQLite and PostgreSQL:

* ``python -m app serve`` in the middle of a burst of 200 registrations (20 at a time), right
  after the 50th answer. Every registration whose 303 reached its sender must be in the database
  with all its mails in the outbox; no registration without its mails, no mail without its
  registration; the seats taken match the confirmed registrations. The server starts again on the
  same database and serves, and a sender then delivers every confirmation exactly once.
* ``python -m app worker`` mid-batch, after the outbox's writes were blocked while the SMTP
  server took its 11th message. Unable to renew its lease, the worker sends nothing more, not even
  once the lease has run out. Nothing is lost: the next worker delivers the rest after the dead
  one's lease runs out. The at-least-once window: a mail the server accepted but the dead worker
  had not yet marked as sent goes out again (with the same Message-ID, so a receiver can tell the
  repeat); no other mail is sent twice.

Requests cut off by the kill may or may not have committed; the tests hold them to the same
rules as the answered ones, but do not require them to be there. Timings decide nothing: the
kill follows a count of answers or of messages the SMTP server accepted, never a guess; the one
wait is the worker's lease, waited out to show that nothing more goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import sqlite3
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
import httpx
import pytest

from app.clock import system_clock
from app.db.tables import Event as EventTable
from app.db.tables import Outbox, Registration
from app.domain.model import Seats
from app.mail.transport import SmtpTransport
from app.services import events as event_service
from app.services import registrations
from app.services.delivery import OutboxSender
from app.settings import Settings
from tests.conftest import make_event, migrated_database, registration_form, registration_request
from tests.smtp_sink import SinkHandler, SmtpSink, free_port
from tests.web.conftest import upcoming

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "kill-tests-" + "k" * 22
MAIL_FROM = "Treffpunkt <noreply@treffpunkt.test>"
TEAM = "team@treffpunkt.test"

#: Guards against a hung process, never measurements: generous on slow machines.
STARTUP_LIMIT_SECONDS = 60
WAIT_LIMIT_SECONDS = 45

BURST = 200
AT_ONCE = 20
KILL_AFTER = 50

#: The worker's lease in the kill test: short, so the next worker takes over within the test.
LEASE_SECONDS = 2.0

#: The mails one registration for the test event enqueues: due now, or due the day before.
DUE_NOW = {"confirmation", "organiser_notice"}
LATER = {"reminder"}

_MESSAGE_ID = re.compile(r"<treffpunkt\.(\d+)\.\d+@treffpunkt\.test>")


# --- processes -------------------------------------------------------------------------------


def app_env(database_url: str, tmp_path: Path, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``python -m app`` process on the test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": base_url,
        "DEBUG": "",
        "LOAD_SAMPLES": "0",
        # The web process leaves mail in the outbox: what is queued there is what is checked.
        "MAIL_SENDER": "0",
        "MAIL_DIR": str(tmp_path / "mail"),
        "MAIL_FROM": MAIL_FROM,
        "REGISTRATION_RATE_LIMIT": "0",
        "LOGIN_RATE_LIMIT": "0",
    }
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD"):
        env.pop(name, None)
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


@contextlib.contextmanager
def running(
    arguments: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m app <arguments>``, stopped (and its output printed) at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", *arguments],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        print(f"--- output of python -m app {' '.join(arguments)} ---")
        print(log.read_text(errors="replace"))


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL, and wait until the process is gone."""
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str) -> None:
    """Until ``/healthz`` answers 200; fails when the process exits first or never answers."""
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        assert process.poll() is None, f"serve exited with {process.returncode}"
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, f"no answer on /healthz in {STARTUP_LIMIT_SECONDS} s"
        time.sleep(0.1)


def serve_arguments(port: int) -> list[str]:
    """``serve`` on ``port``."""
    return ["serve", "--host", "127.0.0.1", "--port", str(port)]


# --- the database ----------------------------------------------------------------------------


async def create_event(database_url: str, slug: str) -> int:
    """A published event with seats for everyone, no double opt-in, registration open."""
    async with migrated_database(database_url) as db:
        event = await event_service.create_event(
            db,
            make_event(
                dt.datetime.now(dt.UTC),
                **upcoming(
                    slug=slug,
                    in_person_seats=Seats(1000, 0),
                    notify_organisers=True,
                    contact_email=TEAM,
                ),
            ),
        )
    return event.id


def sqlite_integrity(database_url: str) -> None:
    """``PRAGMA integrity_check`` of an SQLite file is ``ok`` (and it is in WAL mode)."""
    if not database_url.startswith("sqlite:"):
        return
    path = database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


@dataclass
class Snapshot:
    """An event's registrations and outbox rows as the database holds them."""

    registrations: dict[str, dict[str, Any]]
    mails: list[dict[str, Any]]
    seats_taken: int


async def snapshot(event_id: int) -> Snapshot:
    """Read the event's registrations (by email), outbox rows and seats taken."""
    rows = await Registration.select(
        Registration.id, Registration.email, Registration.status, Registration.token
    ).where(Registration.event == event_id)
    emails = Counter(row["email"] for row in rows)
    assert [email for email, n in emails.items() if n > 1] == [], "an email registered twice"
    mails = await Outbox.select().where(Outbox.event == event_id).order_by(Outbox.id)
    event = await EventTable.select(EventTable.seats_taken_in_person).where(
        EventTable.id == event_id
    )
    return Snapshot(
        registrations={row["email"]: row for row in rows},
        mails=mails,
        seats_taken=event[0]["seats_taken_in_person"],
    )


def check_integrity(state: Snapshot) -> None:
    """Each registration has exactly its mails, each mail its registration, seats add up."""
    by_id = {row["id"]: row for row in state.registrations.values()}
    kinds: dict[int, Counter[str]] = {registration_id: Counter() for registration_id in by_id}
    for mail in state.mails:
        assert mail["registration"] in by_id, f"mail without its registration: {mail}"
        registration = by_id[mail["registration"]]
        kinds[registration["id"]][mail["kind"]] += 1
        expected = TEAM if mail["kind"] == "organiser_notice" else registration["email"]
        assert mail["recipient"] == expected, mail
    for registration_id, found in kinds.items():
        assert found == Counter(DUE_NOW | LATER), (
            f"{by_id[registration_id]['email']}: mails {dict(found)}"
        )
    confirmed = [r for r in state.registrations.values() if r["status"] == "confirmed"]
    assert len(confirmed) == len(state.registrations), "a registration that is not confirmed"
    assert state.seats_taken == len(confirmed)


# --- the burst -------------------------------------------------------------------------------


@dataclass
class Burst:
    """What each address's registration got: an answer (status, location) or a cut connection."""

    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    cut: dict[str, str] = field(default_factory=dict)


async def burst_and_kill(
    base_url: str, slug: str, server: subprocess.Popen[bytes], *, kill_after: int
) -> Burst:
    """Post ``BURST`` registrations, ``AT_ONCE`` at a time; SIGKILL after ``kill_after`` answers."""
    result = Burst()
    limits = httpx.Limits(max_connections=AT_ONCE)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        page = await client.get(f"/events/{slug}")
        assert page.status_code == 200
        token = client.cookies.get("treffpunkt_csrf")
        assert token, "no CSRF cookie"
        gate = asyncio.Semaphore(AT_ONCE)

        async def register(index: int) -> None:
            email = f"burst{index:03d}@example.org"
            async with gate:
                try:
                    response = await client.post(
                        f"/events/{slug}/register",
                        data={**registration_form(email), "_csrf_token": token},
                        follow_redirects=False,
                    )
                except httpx.TransportError as error:
                    result.cut[email] = type(error).__name__
                    return
            result.answers[email] = (response.status_code, response.headers.get("location", ""))
            if len(result.answers) == kill_after:
                # In the middle of the burst: AT_ONCE requests are in flight right now.
                os.kill(server.pid, signal.SIGKILL)

        try:
            async with asyncio.timeout(WAIT_LIMIT_SECONDS):
                await asyncio.gather(*(register(index) for index in range(BURST)))
        except TimeoutError:
            server.kill()
            pytest.fail(
                f"the burst took over {WAIT_LIMIT_SECONDS} s: {len(result.answers)} answers"
            )
    assert server.wait(timeout=30) == -signal.SIGKILL, "the server was not killed"
    return result


def check_burst_kept(burst: Burst, state: Snapshot) -> None:
    """Every answered registration is in the database; nothing is there that was not sent."""
    for email, (status, location) in burst.answers.items():
        assert status == 303, f"{email}: {status}"
        assert email in state.registrations, f"answered 303 but lost: {email}"
        token = state.registrations[email]["token"]
        assert location.startswith(f"/r/{token}"), (email, location)
    sent = set(burst.answers) | set(burst.cut)
    assert set(state.registrations) <= sent, "a registration nobody sent"


@pytest.mark.slow
async def test_serve_killed_during_a_burst_keeps_every_committed_registration_and_mail(
    database_url: str, tmp_path: Path
) -> None:
    slug = "ansturm"
    event_id = await create_event(database_url, slug)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = app_env(database_url, tmp_path, base_url)

    with running(serve_arguments(port), env, tmp_path / "serve.log") as server:
        wait_until_healthy(server, base_url)
        burst = await burst_and_kill(base_url, slug, server, kill_after=KILL_AFTER)

    # The kill landed in the middle: some answers came, some requests were cut off.
    assert len(burst.answers) >= KILL_AFTER
    assert burst.cut, "nothing was cut off: the kill came after the burst"
    sqlite_integrity(database_url)
    async with migrated_database(database_url) as db:
        state = await snapshot(event_id)
    check_burst_kept(burst, state)
    check_integrity(state)
    assert all(mail["status"] == "queued" for mail in state.mails)
    in_flight = set(state.registrations) - set(burst.answers)
    print(
        f"answered {len(burst.answers)}, cut {len(burst.cut)}, stored {len(state.registrations)} "
        f"(of them committed without an answer: {len(in_flight)})"
    )

    # The same database serves again, and a registration after the restart keeps the rules.
    with running(serve_arguments(port), env, tmp_path / "serve-again.log") as server:
        wait_until_healthy(server, base_url)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            assert (await client.get(f"/events/{slug}")).status_code == 200
            response = await client.post(
                f"/events/{slug}/register",
                data={
                    **registration_form("after-restart@example.org"),
                    "_csrf_token": client.cookies["treffpunkt_csrf"],
                },
                follow_redirects=False,
            )
            assert response.status_code == 303
    sqlite_integrity(database_url)

    sink = SmtpSink().start()
    try:
        async with migrated_database(database_url) as db:
            state = await snapshot(event_id)
            check_integrity(state)
            assert "after-restart@example.org" in state.registrations
            assert len(state.registrations) == len(burst.answers) + len(in_flight) + 1

            settings = Settings(
                database_url=database_url,
                secret_key=SECRET_KEY,
                base_url=base_url,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                smtp_security="none",
                mail_from=MAIL_FROM,
            )
            transport = SmtpTransport(host="127.0.0.1", port=sink.port, security="none")
            # The served app reads the real clock, so the sender does too.
            sender = OutboxSender(db, settings, transport, clock=system_clock)
            try:
                first = await sender.drain()
                again = await sender.drain()
            finally:
                await sender.close()
            state = await snapshot(event_id)
    finally:
        sink.stop()

    due = [mail for mail in state.mails if mail["kind"] in DUE_NOW]
    assert first.sent == len(due) == 2 * len(state.registrations)
    assert again.handled == 0
    assert all(mail["status"] == "sent" for mail in due)
    assert all(mail["status"] == "queued" for mail in state.mails if mail["kind"] in LATER)
    delivered = Counter(sink.message_ids())
    assert delivered == Counter({mail["message_id"]: 1 for mail in due}), "not exactly once"
    by_message_id = {mail["message_id"]: mail for mail in due}
    for received in sink.received:
        assert received.recipients == [by_message_id[received.message["Message-ID"]]["recipient"]]
    confirmed_to = sorted(mail["recipient"] for mail in due if mail["kind"] == "confirmation")
    assert confirmed_to == sorted(state.registrations)


# --- the worker ------------------------------------------------------------------------------


@dataclass
class PausingHandler(SinkHandler):
    """Pauses before accepting message ``pause_at + 1`` until the test resumes it.

    The pause lets the test block the outbox's writes, so what is accepted after it cannot be
    marked as sent (and no lease can be renewed).
    """

    pause_at: int = 0
    paused: threading.Event = field(default_factory=threading.Event)
    resumed: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Pause once, then accept as the plain sink does."""
        with self.lock:
            count = len(self.received)
        if count == self.pause_at and not self.resumed.is_set():
            self.paused.set()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.resumed.wait, WAIT_LIMIT_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@contextlib.asynccontextmanager
async def outbox_writes_blocked(database_url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Hold the lock a write to the outbox needs; readers still get through.

    SQLite: the database's write lock (``BEGIN IMMEDIATE``). PostgreSQL: ``EXCLUSIVE`` on the
    table. Yields a function that ends the sessions a killed process left waiting for the lock
    (PostgreSQL notices a dead client only when it next talks to it, so an orphaned ``UPDATE``
    would otherwise still commit once the lock is free).
    """
    if database_url.startswith("sqlite:"):
        connection = sqlite3.connect(
            database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30
        )
        try:
            connection.execute("BEGIN IMMEDIATE")

            async def nothing_to_end() -> None:
                return None

            yield nothing_to_end
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    server = await asyncpg.connect(database_url)
    try:
        async with server.transaction():
            await server.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")

            async def end_orphans() -> None:
                await server.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

            yield end_orphans
    finally:
        await server.close()


def outbox_id(message_id: str) -> int:
    """The outbox row a Message-ID was made for."""
    match = _MESSAGE_ID.fullmatch(message_id)
    assert match, message_id
    return int(match.group(1))


def wait_for(condition: Any, what: str) -> None:
    """Until ``condition()`` is true; fails after ``WAIT_LIMIT_SECONDS``."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_LIMIT_SECONDS} s for {what}"
        time.sleep(0.05)


@pytest.mark.slow
async def test_worker_killed_mid_batch_loses_no_mail_and_resends_at_most_its_claim(
    database_url: str, tmp_path: Path
) -> None:
    slug = "versand"
    people = 30
    event_id = await create_event(database_url, slug)
    async with migrated_database(database_url) as db:
        for index in range(people):
            await registrations.register(
                db,
                slug,
                registration_request(f"post{index:02d}@example.org"),
                dt.datetime.now(dt.UTC),
            )
        due_ids = {
            mail["id"] for mail in (await snapshot(event_id)).mails if mail["kind"] in DUE_NOW
        }
    assert len(due_ids) == 2 * people

    handler = PausingHandler(pause_at=10)
    sink = SmtpSink()
    sink.handler = handler
    sink.start()
    env = app_env(
        database_url,
        tmp_path,
        "http://127.0.0.1:1",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(sink.port),
        SMTP_SECURITY="none",
        # Short, so the next worker takes over the dead one's claim within the test.
        MAIL_LEASE_SECONDS=str(LEASE_SECONDS),
        MAIL_POLL_SECONDS="0.2",
    )
    try:
        with running(["worker"], env, tmp_path / "worker.log") as worker:
            wait_for(lambda: handler.paused.is_set() or worker.poll() is not None, "10 mails")
            # The worker secured its lease before it began the 11th message, so that lease
            # ends at most LEASE_SECONDS after this.
            lease_over = time.monotonic() + LEASE_SECONDS
            async with outbox_writes_blocked(database_url) as end_orphans:
                # Mail 11 is accepted but cannot be marked as sent, and the lease cannot be
                # renewed for mail 12: the worker must not send it, neither before its lease
                # runs out nor after (when the next worker may be sending it).
                handler.resumed.set()
                wait_for(lambda: len(sink.received) > handler.pause_at, "mail 11")
                await asyncio.sleep(max(0.0, lease_over - time.monotonic()) + 1)
                assert worker.poll() is None, "the worker exited"
                kill_hard(worker)
                await end_orphans()
        sqlite_integrity(database_url)
        before = Counter(outbox_id(message_id) for message_id in sink.message_ids())
        async with migrated_database(database_url) as db:
            mails = {mail["id"]: mail for mail in (await snapshot(event_id)).mails}
        marked = {i for i, mail in mails.items() if mail["status"] == "sent"}
        claimed = {
            i
            for i, mail in mails.items()
            if mail["status"] == "sending" and f":{worker.pid}:" in mail["claimed_by"]
        }
        # The kill came mid-batch: 11 accepted, nothing after the lease could not be renewed,
        # the rest of the claim still to go.
        assert sum(before.values()) == len(before) == handler.pause_at + 1
        assert marked <= set(before), "marked as sent but never accepted"
        assert set(before) <= marked | claimed, "accepted but neither marked nor claimed"
        assert claimed - set(before), "no claimed mail left unsent: the kill missed the batch"
        unmarked = set(before) - marked
        assert unmarked, "mail 11 was marked as sent although the outbox's writes were blocked"

        with running(["worker"], env, tmp_path / "worker-again.log") as worker:
            async with migrated_database(database_url) as db:
                deadline = time.monotonic() + WAIT_LIMIT_SECONDS
                while True:
                    assert worker.poll() is None, "the second worker exited"
                    mails = {mail["id"]: mail for mail in (await snapshot(event_id)).mails}
                    if all(mails[i]["status"] == "sent" for i in due_ids):
                        break
                    assert time.monotonic() < deadline, "due mail not marked as sent in time"
                    await asyncio.sleep(0.1)
            worker.terminate()
            assert worker.wait(timeout=30) == 0
    finally:
        handler.resumed.set()
        sink.stop()

    delivered = Counter(outbox_id(message_id) for message_id in sink.message_ids())
    assert set(delivered) == due_ids, "a mail was lost (or one not due was sent)"
    repeated = {i for i, n in delivered.items() if n > 1}
    # At least once: only what the dead worker had sent but not yet marked goes out again,
    # once more at most, and each of those is repeated (its row was still claimed).
    assert repeated == unmarked
    assert all(delivered[i] == 2 for i in repeated)
    assert all(mails[i]["status"] == "queued" for i in set(mails) - due_ids)
    print(f"resent after the kill: {len(repeated)} of {len(claimed)} claimed mails")


# --- the checks themselves -------------------------------------------------------------------


def _state(**changes: Any) -> Snapshot:
    """Two confirmed registrations with all their mails; ``changes`` break it."""
    people = {
        email: {"id": i, "email": email, "status": "confirmed", "token": f"t{i}"}
        for i, email in enumerate(["a@example.org", "b@example.org"], start=1)
    }
    mails = [
        {
            "registration": person["id"],
            "kind": kind,
            "recipient": TEAM if kind == "organiser_notice" else person["email"],
        }
        for person in people.values()
        for kind in sorted(DUE_NOW | LATER)
    ]
    state = Snapshot(registrations=people, mails=mails, seats_taken=2)
    for name, value in changes.items():
        setattr(state, name, value(getattr(state, name)))
    return state


@pytest.mark.parametrize(
    "broken",
    [
        {"mails": lambda mails: [m for m in mails if m["kind"] != "confirmation" or m is mails[0]]},
        {"mails": lambda mails: [*mails, {**mails[0]}]},
        {"mails": lambda mails: [*mails, {**mails[0], "registration": 99}]},
        {"mails": lambda mails: [*mails[:-1], {**mails[-1], "registration": None}]},
        {"mails": lambda mails: [{**mails[0], "recipient": "x@example.org"}, *mails[1:]]},
        {"seats_taken": lambda seats: seats + 1},
        {"registrations": lambda people: {**people, "c@example.org": {"id": 3, "email": "c"}}},
    ],
    ids=[
        "confirmation missing",
        "mail twice",
        "mail of another registration",
        "mail without registration",
        "wrong recipient",
        "seats off",
        "registration without mails",
    ],
)
def test_the_integrity_check_sees_a_broken_state(broken: dict[str, Any]) -> None:
    check_integrity(_state())
    with pytest.raises(AssertionError):
        check_integrity(_state(**broken))


def test_the_burst_check_sees_a_lost_or_foreign_registration() -> None:
    state = _state()
    kept = Burst(
        answers={"a@example.org": (303, "/r/t1?new=1")}, cut={"b@example.org": "ReadError"}
    )
    check_burst_kept(kept, state)
    for burst in (
        Burst(answers={**kept.answers, "z@example.org": (303, "/r/tz?new=1")}, cut=kept.cut),
        Burst(answers={"a@example.org": (303, "/r/t2?new=1")}, cut=kept.cut),
        Burst(answers={**kept.answers, "b@example.org": (500, "")}),
        Burst(answers=kept.answers),
    ):
        with pytest.raises(AssertionError):
            check_burst_kept(burst, state)
