"""``serve`` on the console: one log format, the address it serves, the BASE_URL its links use.

And ``--help`` of every command in plain words.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.__main__ import build_parser
from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
#: time, level, logger, message (app.logs.LOG_FORMAT).
LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: \S.*"
)


@contextmanager
def serving(tmp_path: Path, *arguments: str, **settings: str) -> Iterator[tuple[str, list[str]]]:
    """``python -m app serve ARGUMENTS``; yields the address to ask and, once stopped, its output.

    stdout and stderr are kept apart: the console is stderr, stdout must stay empty.
    """
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"BASE_URL", "SECRET_KEY"} and not name.startswith(("DATABASE_", "MAIL_"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "MAIL_DIR": str(tmp_path / "mail"),
        "DEBUG": "1",
        **settings,
    }
    stdout_file, stderr_file = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout_file.open("w") as stdout, stderr_file.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *arguments, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    output: list[str] = []
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{address}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, stderr_file.read_text()
            assert time.monotonic() < deadline, "serve did not answer within 60 s"
            time.sleep(0.2)
        yield address, output
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert stdout_file.read_text() == ""
        output.extend(stderr_file.read_text().splitlines())


@pytest.mark.slow
def test_serve_logs_one_format_and_links_follow_the_port(tmp_path: Path) -> None:
    with serving(tmp_path) as (address, log):
        home = httpx.get(f"{address}/", timeout=10)
        events = httpx.get(f"{address}/api/v1/events", timeout=10)
        personal = httpx.get(f"{address}/r/{'Zq3' + 'x' * 40}", timeout=10)
    assert home.status_code == 200
    # BASE_URL is not set: links carry the address served, not port 8000.
    assert f"webcal://{address.removeprefix('http://')}/calendar.ics" in home.text
    assert events.status_code == 200
    assert [event["url"].startswith(f"{address}/events/") for event in events.json()] == [
        True
    ] * len(events.json())
    assert events.json()
    assert personal.status_code == 404
    assert log, "serve logged nothing"
    assert [line for line in log if not LOG_LINE.fullmatch(line)] == []
    # Piccolo's "Running Sqlite version 3.4" (for 3.40.1) is gone; the real version is there once.
    assert not any("Running Sqlite version" in line for line in log)
    assert len([line for line in log if f"SQLite {sqlite3.sqlite_version}" in line]) == 1
    assert any(f"serving on {address} " in line for line in log)
    assert any(f"use {address} (BASE_URL is not set" in line for line in log)
    assert not any(" WARNING " in line for line in log)
    # uvicorn's access log in the same format, the token cut out.
    assert any(
        re.search(r' INFO uvicorn\.access: .*"GET /r/… HTTP/1\.1" 404$', line) for line in log
    )


@pytest.mark.slow
def test_serve_on_every_interface_warns_that_its_links_work_here_only(tmp_path: Path) -> None:
    with serving(tmp_path, "--host", "0.0.0.0") as (address, log):  # noqa: S104
        events = httpx.get(f"{address}/api/v1/events", timeout=10).json()
    port = address.rsplit(":", 1)[1]
    assert events
    assert all(event["url"].startswith(f"http://0.0.0.0:{port}/") for event in events)
    assert [line for line in log if " WARNING " in line] == [
        line
        for line in log
        if re.fullmatch(
            rf".* WARNING treffpunkt: links to http://0\.0\.0\.0:{port} work on this machine only: "
            r"set BASE_URL .*",
            line,
        )
    ]
    assert len([line for line in log if " WARNING " in line]) == 1


@pytest.mark.slow
def test_a_set_base_url_wins_over_the_port(tmp_path: Path) -> None:
    with serving(tmp_path, BASE_URL="https://treffpunkt.example") as (address, log):
        events = httpx.get(f"{address}/api/v1/events", timeout=10).json()
    assert events
    assert all(event["url"].startswith("https://treffpunkt.example/events/") for event in events)
    assert any("use BASE_URL https://treffpunkt.example" in line for line in log)
    assert not any(" WARNING " in line for line in log)


def _help(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    # The parser main() uses; main() itself would set up this process's logging.
    with pytest.raises(SystemExit) as exit_status:
        build_parser().parse_args([*arguments, "--help"])
    assert exit_status.value.code == 0
    return capsys.readouterr().out


def test_help_of_every_command_is_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    [commands] = [action for action in parser._actions if action.choices]
    assert commands.choices
    names = list(commands.choices)
    assert "serve" in names
    assert "worker" in names
    for arguments in ([], *([name] for name in names)):
        text = _help(arguments, capsys)
        assert text.startswith(f"usage: python -m app {' '.join(arguments)}".rstrip())
        # No reST or Sphinx markup: ``literal``, :func:`…`, `x`_.
        assert "`" not in text, text
        assert ":func:" not in text
        assert ":class:" not in text
        if arguments:
            # A subcommand says what it does, beyond its usage line.
            assert len(text.split("\n\n")) >= 3, text
