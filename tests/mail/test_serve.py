"""``serve`` as operators run it: registering works while SMTP is down; the mail follows later."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smtp_sink import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]

CREATE_EVENT = """
import asyncio, datetime as dt
from app.db.database import Database
from app.services.events import create_event
from tests.conftest import make_event

async def main():
    db = Database.from_url({url!r})
    await db.connect()
    start = dt.datetime(2030, 12, 4, 9, 0, tzinfo=dt.UTC)
    await create_event(db, make_event(start, slug="treffen", starts_at=start,
                                      ends_at=start + dt.timedelta(hours=4)))
    await db.close()

asyncio.run(main())
"""


def _wait_for(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _outbox(path: Path) -> list[tuple[str, str, int, str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT kind, status, attempts, last_error FROM outbox ORDER BY id"
        ).fetchall()


@pytest.fixture
def server_env(tmp_path: Path) -> tuple[dict[str, str], int, Path]:
    """A migrated SQLite file with one event, and the environment of a serve against it."""
    database = tmp_path / "serve.sqlite3"
    smtp_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "s" * 32,
        "LOAD_SAMPLES": "0",
        "REGISTRATION_RATE_LIMIT": "0",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "Treffpunkt <noreply@treffpunkt.test>",
        "MAIL_RETRY_SECONDS": "0.2",
        "MAIL_POLL_SECONDS": "0.1",
        "MAIL_DIR": str(tmp_path / "mail"),
    }
    for command in (
        [sys.executable, "-m", "app", "migrate"],
        [sys.executable, "-c", CREATE_EVENT.format(url=env["DATABASE_URL"])],
    ):
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return env, smtp_port, database


@pytest.mark.slow
def test_registration_succeeds_while_smtp_is_down_and_the_mail_follows(
    server_env: tuple[dict[str, str], int, Path],
) -> None:
    env, smtp_port, database = server_env
    http_port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(http_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sink = SmtpSink(smtp_port)
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_for(lambda: _answers(f"{base}/healthz"), "the server to start", 60)
        with httpx.Client(base_url=base) as client:
            page = client.get("/events/treffen")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert token, "no CSRF field on the event page"
            answer = client.post(
                "/events/treffen/register",
                data={
                    "first_name": "Olena",
                    "last_name": "Koval",
                    "email": "olena@stadt.example",
                    "organisation": "Stadt Dortmund",
                    "consent": "on",
                    "_csrf_token": token.group(1),
                },
                follow_redirects=False,
            )
        # SMTP is down: the registration is taken all the same.
        assert answer.status_code == 303, answer.text
        failed_try = _wait_for(
            lambda: [row for row in _outbox(database) if row[0] == "confirmation" and row[2] >= 1],
            "the sender's first attempt",
        )
        assert failed_try[0][1] in ("queued", "sending")
        assert "cannot connect" in failed_try[0][3] or failed_try[0][1] == "sending"

        sink.start()
        _wait_for(lambda: sink.received, "the confirmation to arrive")
        [received] = sink.received
        assert received.recipients == ["olena@stadt.example"]
        statuses = _wait_for(
            lambda: [row[1] for row in _outbox(database) if row[0] == "confirmation"] == ["sent"],
            "the outbox to record the mail as sent",
        )
        assert statuses
    finally:
        server.terminate()
        server.wait(timeout=30)
        sink.stop()
    # Shut down cleanly (uvicorn re-raises the SIGTERM it handled), and the personal link never
    # reached the log.
    assert server.returncode in (0, -signal.SIGTERM)
    assert server.stderr is not None
    with server.stderr:
        log = server.stderr.read()
    assert "Application shutdown complete" in log
    assert "Traceback" not in log
    assert "/r/" not in log.replace("/r/…", "")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False
