"""Mail fixtures: a real SMTP server, a clock the test moves, settings that point at both."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from app.clock import Clock
from app.db.database import Database
from app.db.tables import Outbox
from app.mail.transport import SmtpTransport
from app.services.delivery import OutboxSender
from app.settings import Settings
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A running SMTP server on a free port, stopped after the test."""
    server = SmtpSink().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_settings(sink: SmtpSink) -> Settings:
    """Settings that send to the test's SMTP server, without TLS."""
    return Settings(
        database_url="sqlite:///unused.sqlite3",
        secret_key="x" * 32,
        base_url="https://treffpunkt.test",
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security="none",
        smtp_timeout=5,
        mail_from="Treffpunkt Partnerschaften <noreply@treffpunkt.test>",
        mail_reply_to="team@treffpunkt.test",
        mail_retry_seconds=60,
        mail_max_attempts=5,
    )


def make_sender(db: Database, settings: Settings, clock: Clock, **overrides: Any) -> OutboxSender:
    """A sender on its own SMTP connection, driven by ``clock``."""
    settings = dataclasses.replace(settings, **overrides) if overrides else settings
    transport = SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        timeout=settings.smtp_timeout,
    )
    return OutboxSender(db, settings, transport, clock=clock)


async def outbox_rows(**where: Any) -> list[dict[str, Any]]:
    """The outbox rows, oldest first, optionally filtered by column values."""
    query = Outbox.select().order_by(Outbox.id)
    for name, value in where.items():
        query = query.where(getattr(Outbox, name) == value)
    rows: list[dict[str, Any]] = await query
    return rows
