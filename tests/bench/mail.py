"""The mail benchmark: ``python -m tests.bench.mail [--messages 2000] [--postgres URL]``.

How fast the outbox drains to a local SMTP sink, against the ceiling of this machine and
stack measured in the same run: a bare aiosmtplib loop sending the same messages, already
composed and flattened to bytes, over one connection to the same sink. The sink (aiosmtpd,
counting only) runs in a
process of its own, so it never shares the event loop with the sender.

The outbox's extra work per message is the claim (one UPDATE per batch), loading the event
and registration, rendering the text and HTML templates and the invite, composing, and
marking the row sent. Both lines count messages the sink accepted; afterwards every outbox row
must be ``sent`` and the sink must have seen each Message-ID once. Timings are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import aiosmtplib

from app.clock import system_clock
from app.mail.compose import ComposedMail

#: The sink accepted this many messages, with this many distinct Message-IDs.
SinkCount = tuple[int, int]


def _sink_process(port: int, control: Connection) -> None:
    """Run aiosmtpd until told to stop; answer ``count`` with what it accepted."""
    import threading

    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    seen: list[bytes] = []

    class CountingHandler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            content: bytes = envelope.original_content or envelope.content
            start = content.find(b"Message-ID:")
            end = content.find(b"\r\n", start)
            with lock:
                seen.append(content[start:end])
            return "250 OK"

    controller = Controller(CountingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    control.send("ready")
    while True:
        command = control.recv()
        if command == "count":
            with lock:
                control.send((len(seen), len(set(seen))))
        elif command == "reset":
            with lock:
                seen.clear()
            control.send("ok")
        else:
            break
    controller.stop()


class Sink:
    """The SMTP sink in its own process."""

    def __init__(self) -> None:
        from tests.smtp_sink import free_port

        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self._control, child = context.Pipe()
        self._process = context.Process(target=_sink_process, args=(self.port, child))

    def __enter__(self) -> Sink:
        self._process.start()
        assert self._control.recv() == "ready"
        return self

    def count(self) -> SinkCount:
        """Messages accepted, distinct Message-IDs."""
        self._control.send("count")
        result: SinkCount = self._control.recv()
        return result

    def reset(self) -> None:
        """Forget what was accepted."""
        self._control.send("reset")
        self._control.recv()

    def __exit__(self, *args: object) -> None:
        self._control.send("stop")
        self._process.join(10)


async def _prepare(url: str, messages: int, port: int) -> tuple[Any, Any, list[ComposedMail]]:
    """A database with ``messages`` confirmations queued, and the same messages composed."""
    from app.db.database import Database
    from app.domain.model import Seats
    from app.mail.message import build_message
    from app.mail.transport import SmtpTransport
    from app.services.delivery import OutboxSender
    from app.services.events import create_event
    from app.services.registrations import register
    from app.settings import Settings
    from tests.conftest import make_event, registration_request

    now = dt.datetime.now(dt.UTC)
    settings = Settings(
        database_url=url,
        secret_key="x" * 32,
        base_url="https://treffpunkt.example",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="Treffpunkt <noreply@treffpunkt.example>",
    )
    db = Database.from_url(url)
    await db.connect()
    await db.migrate()
    event = make_event(now, slug="bench", in_person_seats=Seats(None, 0), reminder_lead=None)
    await create_event(db, event)
    for number in range(messages):
        await register(db, "bench", registration_request(f"person{number}@stadt.example"), now)
    transport = SmtpTransport(host="127.0.0.1", port=port, security="none")
    sender = OutboxSender(db, settings, transport, batch_size=100, clock=system_clock)
    # The bare loop sends the very messages the outbox will: composed once, up front.
    from app.db import outbox

    claimed = await outbox.claim(
        db,
        worker="bench-compose",
        now=now,
        lease=dt.timedelta(seconds=1),
        limit=messages,
        max_attempts=settings.mail_max_attempts,
    )
    composed = []
    for mail in claimed:
        event_obj = await _event(mail.event_id)
        registration = await _registration(mail.registration_id)
        composed.append(build_message(mail, event_obj, registration, settings, now))
    # Give the claims back untouched (the lease ran out), so the outbox run starts from scratch.
    from app.db.tables import Outbox

    await Outbox.update(
        {Outbox.status: "queued", Outbox.attempts: 0, Outbox.lease_until: None}
    ).where(Outbox.status == "sending")
    return db, sender, composed


async def _event(event_id: int) -> Any:
    from app.services.delivery import load_events

    return (await load_events({event_id}))[event_id]


async def _registration(registration_id: int | None) -> Any:
    from app.services.delivery import load_registrations

    assert registration_id is not None
    return (await load_registrations({registration_id}))[registration_id]


async def _bare_loop(port: int, messages: Sequence[ComposedMail]) -> float:
    """Seconds for aiosmtplib alone to send ``messages``, ready as bytes, over one connection."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for message in messages:
        await client.sendmail("noreply@treffpunkt.example", [message.recipient], message.data)
    elapsed = time.perf_counter() - started
    await client.quit()
    return elapsed


async def _outbox_drain(sender: Any) -> tuple[float, int]:
    """Seconds for the sender to drain the outbox, and how many it sent."""
    started = time.perf_counter()
    report = await sender.drain()
    elapsed = time.perf_counter() - started
    await sender.close()
    return elapsed, report.sent


async def _run(url: str, messages: int, sink: Sink, label: str) -> None:
    from app.db.tables import Outbox

    db, sender, composed = await _prepare(url, messages, sink.port)
    try:
        bare_seconds = await _bare_loop(sink.port, composed)
        bare_count = sink.count()
        sink.reset()
        drain_seconds, sent = await _outbox_drain(sender)
        drained_count = sink.count()
        sink.reset()
        statuses = await Outbox.raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    finally:
        await db.close()
    bare_rate = messages / bare_seconds
    drain_rate = sent / drain_seconds
    print(f"\n{label}: {messages} confirmation mails (text, HTML, invite) to a local aiosmtpd")
    print(f"  bare aiosmtplib loop, one connection : {bare_rate:8.0f} msg/s  sink {bare_count}")
    print(f"  outbox drain (claim, render, send)   : {drain_rate:8.0f} msg/s  sink {drained_count}")
    print(f"  ratio outbox / bare                  : {drain_rate / bare_rate:8.2f}")
    by_status = {row["status"]: row["n"] for row in statuses}
    print(f"  outbox rows by status                : {by_status}")
    if drained_count != (messages, messages):
        print("  !! the sink did not get every message exactly once")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the mail benchmark on SQLite (and PostgreSQL when given)."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.mail", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--postgres", help="also run on this (emptied!) PostgreSQL database")
    arguments = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores; sink in its own process")
    with Sink() as sink, tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(f"sqlite:///{folder}/bench.sqlite3", arguments.messages, sink, "SQLite"))
        if arguments.postgres:
            from tests.conftest import reset_postgres_schema

            asyncio.run(reset_postgres_schema(arguments.postgres))
            asyncio.run(_run(arguments.postgres, arguments.messages, sink, "PostgreSQL"))


if __name__ == "__main__":
    main()
