"""Production serving: ``serve --workers 2`` on one database, mail from a ``worker`` beside it.

The tests start real processes as the README's "Running in production" says to run them, and
register through *each* web process: uvicorn's workers share one listening socket, so the test
stops all workers but one (SIGSTOP) while it sends a request, and that one must take it. The
event page comes from one worker and the form goes to the other, so the CSRF token one worker
handed out must be good at the other (the same ``SECRET_KEY``, also DEBUG's throwaway one).
Every process is stopped with SIGTERM and must exit by itself, leaving no process behind.

The served processes read the system clock: the event lies in 2030, open until then, so the
tests do not depend on the day they run.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.tables import Outbox, Registration
from app.domain.model import Seats
from app.services import events as event_service
from tests.conftest import FIXED_NOW, make_event, migrated_database, registration_form
from tests.smtp_sink import free_port
from tests.web.conftest import upcoming

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "production-tests-" + "p" * 20
SLUG = "partnerschaftskonferenz"
WEB_WORKERS = 2
#: Guards against a hung process, never measurements: generous on a loaded machine.
LIMIT_SECONDS = 90.0

_SERVER_PROCESS = re.compile(r"Started server process \[(\d+)\]")
_STARTUP_COMPLETE = "Application startup complete."


def app_env(database_url: str, mail_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``python -m app`` process: the test's database, mail to files."""
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_DIR": str(mail_dir)}
    for name in (
        "BASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "SMTP_HOST",
        "REDIS_URL",
        "MAIL_SENDER",
        # uvicorn's own default for the number of workers: --workers must decide here.
        "WEB_CONCURRENCY",
    ):
        env.pop(name, None)
    env.update(
        {
            "LOAD_SAMPLES": "0",
            "REGISTRATION_RATE_LIMIT": "0",
            "MAIL_POLL_SECONDS": "0.1",
            **settings,
        }
    )
    return env


def wait_for(check: Callable[[], Any], what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail after :data:`LIMIT_SECONDS`."""
    deadline = time.monotonic() + LIMIT_SECONDS
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


class AppProcesses:
    """``python -m app`` processes with their logs; stopped with SIGTERM, killed if left over."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []
        #: The web processes serve started: ended by serve, or by the test if serve could not.
        self.web_pids: list[int] = []

    def start(
        self, name: str, arguments: list[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "app", *arguments],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.started.append((process, log))
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        log = next(log for started, log in self.started if started is process)
        return log.read_text(errors="replace")

    def alive(self, process: subprocess.Popen[bytes]) -> bool:
        if process.poll() is not None:
            pytest.fail(f"exited early ({process.returncode}):\n{self.log(process)}")
        return True

    def stop(self, process: subprocess.Popen[bytes]) -> int:
        """SIGTERM, then its exit status: it must end by itself within the limit."""
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running after SIGTERM:\n{self.log(process)}")

    def end_leftovers(self) -> None:
        """After a failed test: SIGTERM first, so that serve stops its workers itself (a
        SIGKILL would leave them running without a parent); SIGKILL what is left."""
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, log in self.started:
            try:
                process.wait(timeout=LIMIT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            print(f"--- {log.name}\n{log.read_text(errors='replace')}")
        for pid in self.web_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[AppProcesses]:
    group = AppProcesses(tmp_path)
    try:
        yield group
    finally:
        group.end_leftovers()


def start_web_workers(
    processes: AppProcesses, port: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], list[int]]:
    """``serve --workers 2`` on ``port``; the parent and the pids of its two web processes."""
    parent = processes.start(
        "serve",
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WEB_WORKERS)],
        env,
    )

    def all_started() -> list[int]:
        processes.alive(parent)
        log = processes.log(parent)
        pids = [int(pid) for pid in _SERVER_PROCESS.findall(log)]
        ready = len(pids) == WEB_WORKERS and log.count(_STARTUP_COMPLETE) == WEB_WORKERS
        return pids if ready else []

    web_pids: list[int] = wait_for(all_started, "two web processes to start")
    processes.web_pids.extend(web_pids)
    return parent, web_pids


@contextlib.contextmanager
def only(serving: int, web_pids: list[int]) -> Iterator[None]:
    """Every web process but ``serving`` paused: a new connection can only be accepted by it.

    Short pauses only: uvicorn's parent restarts a worker that misses its health check (5 s).
    """
    paused = [pid for pid in web_pids if pid != serving]
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)


def start_page(base_url: str) -> str:
    """The start page's HTML (with the calendar's subscribe button), on a new connection."""
    response = httpx.get(f"{base_url}/", timeout=30)
    assert response.status_code == 200
    return response.text


def register_across(base_url: str, web_pids: list[int], email_address: str, page_from: int) -> str:
    """The event page from ``page_from``, the form posted to the other process; the 303's path."""
    posted_to = next(pid for pid in web_pids if pid != page_from)
    # No kept connections: each request is a new connection, accepted by whoever is not paused.
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base_url, timeout=30, limits=limits) as client:
        with only(page_from, web_pids):
            assert client.get(f"/events/{SLUG}").status_code == 200
        token = client.cookies["treffpunkt_csrf"]
        with only(posted_to, web_pids):
            response = client.post(
                f"/events/{SLUG}/register",
                data={**registration_form(email_address), "_csrf_token": token},
                # Sent by hand: with an https BASE_URL the cookie is Secure, and this plain
                # http connection stands for the TLS proxy's connection to the app.
                headers={"Cookie": f"treffpunkt_csrf={token}"},
                follow_redirects=False,
            )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def create_event(database_url: str) -> None:
    """A published event in 2030 with room for everyone (migrating the database first)."""
    async with migrated_database(database_url) as db:
        await event_service.create_event(
            db, make_event(FIXED_NOW, **upcoming(slug=SLUG, in_person_seats=Seats(100, 0)))
        )


def mail_files(mail_dir: Path) -> list[EmailMessage]:
    """Every mail written to ``mail_dir`` (complete files only)."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(mail_dir.glob("*.eml"))
    ]


def confirmations(mail_dir: Path) -> dict[str, list[str]]:
    """Per recipient, the text of each confirmation mail written."""
    found: dict[str, list[str]] = {}
    for message in mail_files(mail_dir):
        if str(message["Subject"]).startswith("Anmeldung bestätigt"):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            (recipient,) = message["To"].addresses
            found.setdefault(recipient.addr_spec, []).append(body.get_content())
    return found


async def check_registered_and_mailed_once(
    database_url: str,
    mail_dir: Path,
    registered: dict[str, str],
    base_url: str,
    sender_pids: set[int],
) -> None:
    """Each registration stored, its confirmation written once, by one of ``sender_pids``, with
    its personal link on ``base_url``."""
    addresses = sorted(registered)
    wait_for(
        lambda: sorted(confirmations(mail_dir)) == addresses,
        f"a confirmation to each of {addresses}",
    )
    written = confirmations(mail_dir)
    assert {address: len(texts) for address, texts in written.items()} == dict.fromkeys(
        addresses, 1
    )
    for address, location in registered.items():
        personal_page = location.split("?")[0]
        assert f"{base_url}{personal_page}" in written[address][0]
    async with migrated_database(database_url):
        stored = await Registration.select(Registration.email).order_by(Registration.email)
        assert [row["email"] for row in stored] == addresses
        rows = await Outbox.select(
            Outbox.recipient, Outbox.status, Outbox.attempts, Outbox.claimed_by
        ).where(Outbox.kind == "confirmation")
    assert sorted(row["recipient"] for row in rows) == addresses
    for row in rows:
        assert (row["status"], row["attempts"]) == ("sent", 1), row
        # claimed_by is host:pid:number.
        assert int(row["claimed_by"].split(":")[-2]) in sender_pids, row


def check_gone(pids: list[int]) -> None:
    """No trace of ``pids``: they ended and were reaped (a zombie keeps its /proc entry)."""
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists()] == []


@pytest.mark.slow
async def test_two_web_processes_and_a_mail_worker(
    database_url: str, tmp_path: Path, processes: AppProcesses
) -> None:
    """PostgreSQL as in production: SECRET_KEY and BASE_URL (the proxy's address) set.

    SQLite as in development: DEBUG with its throwaway key and no BASE_URL, so links follow
    ``--port`` and the worker is told that address. The web processes leave mail to the worker
    (MAIL_SENDER=0): a paused process must hold no lock, or the other one would wait for it.
    """
    await create_event(database_url)
    port = free_port()
    served = f"http://127.0.0.1:{port}"
    mail_dir = tmp_path / "mail"
    if database_url.startswith("sqlite:"):
        base_url = served
        web_env = app_env(database_url, mail_dir, DEBUG="1", MAIL_SENDER="0")
        worker_env = app_env(database_url, mail_dir, DEBUG="1", BASE_URL=base_url)
    else:
        base_url = "https://treffpunkt.test"
        worker_env = app_env(database_url, mail_dir, SECRET_KEY=SECRET_KEY, BASE_URL=base_url)
        web_env = {**worker_env, "MAIL_SENDER": "0"}

    parent, web_pids = start_web_workers(processes, port, web_env)
    worker = processes.start("worker", ["worker"], worker_env)
    wait_for(lambda: processes.alive(worker) and "mail sender" in processes.log(worker), "worker")

    # Each web process links to BASE_URL (the subscribe button), whether set or from --port.
    for pid in web_pids:
        with only(pid, web_pids):
            page = start_page(served)
        assert f"webcal://{base_url.split('://')[1]}/calendar.ics" in page
    registered = {
        "olena.koval@example.org": register_across(
            served, web_pids, "olena.koval@example.org", page_from=web_pids[0]
        ),
        "jonas.becker@example.org": register_across(
            served, web_pids, "jonas.becker@example.org", page_from=web_pids[1]
        ),
    }

    await check_registered_and_mailed_once(
        database_url, mail_dir, registered, base_url, sender_pids={worker.pid}
    )
    assert processes.stop(worker) == 0
    assert processes.stop(parent) == 0
    check_gone(web_pids)
    assert "Traceback" not in processes.log(parent) + processes.log(worker)


def run_app(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        check=False,
    )


def test_worker_without_base_url_refuses_to_start(tmp_path: Path) -> None:
    """Beside ``serve --port 18080`` its mails would link to port 8000: a clear error instead."""
    env = app_env(f"sqlite:///{tmp_path}/x.sqlite3", tmp_path / "mail", SECRET_KEY=SECRET_KEY)
    result = run_app(["worker"], env)
    assert result.returncode == 2
    assert "configuration error: worker needs BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_in_debug_says_where_its_links_go(tmp_path: Path, processes: AppProcesses) -> None:
    env = app_env(f"sqlite:///{tmp_path}/x.sqlite3", tmp_path / "mail", DEBUG="1")
    assert run_app(["migrate"], env).returncode == 0
    worker = processes.start("worker", ["worker"], env)
    wait_for(lambda: processes.alive(worker) and "mail sender" in processes.log(worker), "worker")
    assert processes.stop(worker) == 0
    assert (
        "WARNING treffpunkt: links in mails use http://127.0.0.1:8000 (BASE_URL is not set)"
        in processes.log(worker)
    )


@pytest.mark.parametrize("count", ["0", "-1", "two"])
def test_workers_must_be_a_whole_number_of_at_least_one(tmp_path: Path, count: str) -> None:
    env = app_env(f"sqlite:///{tmp_path}/x.sqlite3", tmp_path / "mail", DEBUG="1")
    result = run_app(["serve", "--workers", count], env)
    assert result.returncode == 2
    assert "--workers: must be a whole number of at least 1" in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()
