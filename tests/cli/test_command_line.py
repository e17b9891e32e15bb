"""The command line as an operator uses it: migrate, load-samples, serve."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_app(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3", "SECRET_KEY": "s" * 32}


def test_migrate_then_load_samples_once(sqlite_env, tmp_path):
    assert run_app("migrate", env=sqlite_env).returncode == 0
    first = run_app("load-samples", env=sqlite_env)
    assert first.returncode == 0, first.stderr
    assert "3 sample events loaded" in first.stdout
    second = run_app("load-samples", env=sqlite_env)
    assert "nothing loaded" in second.stdout
    with sqlite3.connect(tmp_path / "cli.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM event WHERE is_sample").fetchone() == (3,)


def test_missing_secret_key_is_a_clear_error(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "", "DEBUG": ""}
    result = run_app("migrate", env=env)
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_migrates_loads_samples_and_answers(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3", "DEBUG": "1"}
    env.pop("SECRET_KEY", None)
    # No subcommand: serve is the default, with DEBUG's throwaway key.
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert home.status_code == 200
        assert "Landkreise als internationale Akteure" in home.text
        secret = "Zq3" + "x" * 40
        assert httpx.get(f"http://127.0.0.1:{port}/r/{secret}", timeout=5).status_code == 404
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # The access log shows the request, never the personal token in its path.
    assert "GET /r/… HTTP/1.1" in output
    assert secret not in output
