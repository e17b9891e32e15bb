"""Servers for the benchmark as subprocesses: free ports, readiness, CPU time, a sure stop."""

from __future__ import annotations

import collections
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

#: The repository root, so ``python -m tests.bench...`` and ``app`` import in subprocesses.
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerFailed(RuntimeError):
    """A server did not come up."""


class Server:
    """One server subprocess on 127.0.0.1; its output goes to a log file."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        log_path: Path,
        ready_path: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.env = env or {}
        self.command = list(command)
        self.port = port
        self.log_path = log_path
        self.ready_path = ready_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        """Start the process; :meth:`wait_ready` waits for it to answer."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **self.env}
        with self.log_path.open("wb") as log:
            # A session of its own: a Ctrl-C in the terminal reaches only the runner, which
            # then stops the server itself.
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until ``ready_path`` answers 200."""
        assert self.process is not None, "server not launched"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, self.ready_path)[0] == 200:
                    return
            time.sleep(0.1)
        raise ServerFailed(f"{self.name} not ready after {timeout} s:\n{self.log()}")

    def log(self, tail: int = 40) -> str:
        """The last lines of the server's output."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:])

    def error_summary(self, limit: int = 5) -> list[tuple[str, int]]:
        """The most frequent exception lines of the server's output, with counts."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        pattern = re.compile(r"^\s*(\w+(?:\.\w+)*(?:Error|Exception|Locked)\w*:.*)$", re.MULTILINE)
        counts = collections.Counter(
            match.group(1).strip()[:160] for match in pattern.finditer(text)
        )
        return counts.most_common(limit)

    @property
    def pid(self) -> int:
        """The server's process id (the load generator reads its CPU time)."""
        assert self.process is not None, "server not started"
        return self.process.pid

    def stop(self) -> None:
        """Stop the process: SIGTERM (uvicorn shuts down cleanly), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # The server's own session: its worker processes go with it.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


#: What ``python -m app serve`` needs besides the database: the benchmark's own key and
#: address, no sample events, no mail sending in the web process (tests.bench.mail measures
#: that), and no registration throttle (one load generator is one client address).
APP_ENVIRONMENT = {
    "SECRET_KEY": "bench-" * 8,
    "LOAD_SAMPLES": "0",
    "MAIL_SENDER": "0",
    "REGISTRATION_RATE_LIMIT": "0",
    "DEBUG": "0",
}


def bare_server(
    name: str, app: str, directory: Path, ready_path: str, env: dict[str, str] | None = None
) -> Server:
    """A bare Litestar app (``module:attribute``) under the uvicorn settings of ``serve``."""
    port = free_port()
    command = [sys.executable, "-m", "tests.bench.bare", app, "--port", str(port)]
    return Server(name, command, port, directory / f"{name}.log", ready_path, env)


def app_server(name: str, directory: Path, database_url: str, *, workers: int = 1) -> Server:
    """Treffpunkt as production runs it: ``python -m app serve --workers N``."""
    port = free_port()
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    env = {
        **APP_ENVIRONMENT,
        "DATABASE_URL": database_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    return Server(name, command, port, directory / f"{name}.log", "/healthz", env)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, list]:
    """One GET on 127.0.0.1: status, body text and the response headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, body, response.getheaders()
    finally:
        connection.close()


def post_form(port: int, path: str, body: str, headers: dict[str, str]) -> tuple[int, str, list]:
    """One urlencoded POST on 127.0.0.1: status, body text and the response headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        connection.request("POST", path, body=body.encode(), headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, text, response.getheaders()
    finally:
        connection.close()


@contextlib.contextmanager
def running(servers: Sequence[Server]) -> Iterator[Sequence[Server]]:
    """Start the servers side by side, wait for each, stop them all however the block ends."""
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.launch()
        for server in servers:
            server.wait_ready()
        yield servers
