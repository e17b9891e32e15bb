"""A small HTTP/1.1 load generator for the benchmark, meant to run in its own process.

``python -m tests.bench.loadgen --url http://127.0.0.1:8000/healthz --connections 32
--duration 5`` prints one JSON object: requests/s, latency percentiles, status histogram, errors.

It keeps ``--connections`` keep-alive connections busy in a closed loop (each sends its next
request when the previous answer is complete), for ``--duration`` seconds or ``--requests``
requests, whichever comes first. It uses asyncio protocols rather than streams: a Python client
has to be cheap per request, or it, not the server, becomes what is measured. Its own CPU use is
reported, so a saturated client shows. It only talks to 127.0.0.1.

In a ``--body``, every ``{n}`` becomes a number unique within the run (for unique emails).

``--register`` loads the registration form the way people use it: each step GETs ``--url``
(an event page), takes the CSRF cookie and token from that answer, and POSTs the form to
``--url`` + ``/register`` with ``--body`` (``{n}`` for a unique address) and that token. One
step is one registration: its latency is the GET and the POST together, its status the POST's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

MAX_DURATION = 600.0
MAX_REQUESTS = 10_000_000
MAX_CONNECTIONS = 1024
ALLOWED_HOSTS = frozenset({"127.0.0.1"})


class ProtocolError(Exception):
    """The server's answer is not valid HTTP/1.1 as far as this client understands it."""


class ResponseParser:
    """An incremental HTTP/1.1 response parser: Content-Length, chunked, or until close."""

    def __init__(self, *, keep: bool = False) -> None:
        self.buffer = bytearray()
        self.keep = keep  # keep the last answer's headers and body (the registration flow)
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers_done = False
        self.length: int | None = None
        self.chunked = False
        self.until_close = False
        self.close = False
        self.position = 0  # where unparsed body bytes start in the buffer (chunked)
        self.body_bytes = 0
        self.pending_headers: list[tuple[bytes, bytes]] = []
        self.pending_body = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bool]]:
        """Add ``data``; returns each response completed by it as (status, connection-close)."""
        self.buffer += data
        done: list[tuple[int, bool]] = []
        while True:
            result = self._step()
            if result is None:
                return done
            done.append(result)

    def eof(self) -> tuple[int, bool] | None:
        """The connection closed: a response delimited by close is complete now."""
        if self.headers_done and self.until_close:
            status = self.status
            self.buffer.clear()
            self._reset()
            return status, True
        return None

    def _step(self) -> tuple[int, bool] | None:
        if not self.headers_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    raise ProtocolError("response head larger than 64 KiB")
                return None
            self._parse_head(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
            if 100 <= self.status < 200:
                self._reset()  # an interim answer; the real one follows
                return None
        if self.chunked:
            return self._step_chunked()
        if self.length is not None:
            if len(self.buffer) < self.length:
                return None
            self.body_bytes = self.length
            if self.keep:
                self.pending_body += self.buffer[: self.length]
            del self.buffer[: self.length]
            return self._finish()
        if self.until_close:
            self.buffer.clear()
            return None
        return self._finish()

    def _parse_head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ProtocolError(f"bad status line {lines[0][:80]!r}")
        self.status = int(parts[1])
        self.close = parts[0] == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip()
            if name == b"content-length":
                self.length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                self.chunked = True
            elif name == b"connection":
                self.close = value.lower() == b"close"
            if self.keep:
                self.pending_headers.append((name, value))
        self.headers_done = True
        if self.chunked:
            self.length = None
        elif self.length is None:
            no_body = self.status in (204, 304) or 100 <= self.status < 200
            if no_body:
                self.length = 0
            else:
                self.until_close = True

    def _step_chunked(self) -> tuple[int, bool] | None:
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n", self.position)
            if line_end < 0:
                return None
            size_text = bytes(buffer[self.position : line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError as error:
                raise ProtocolError(f"bad chunk size {size_text[:20]!r}") from error
            if size == 0:
                # Trailers (if any) end with an empty line.
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if buffer[line_end : line_end + 4] == b"\r\n\r\n":
                    trailer_end = line_end
                if trailer_end < 0:
                    return None
                del buffer[: trailer_end + 4]
                return self._finish()
            chunk_end = line_end + 2 + size
            if len(buffer) < chunk_end + 2:
                return None
            self.body_bytes += size
            if self.keep:
                self.pending_body += buffer[line_end + 2 : chunk_end]
            self.position = chunk_end + 2

    def _finish(self) -> tuple[int, bool]:
        result = (self.status, self.close)
        if self.keep:
            self.headers, self.body = self.pending_headers, self.pending_body
        self._reset()
        return result


class ClientProtocol(asyncio.Protocol):
    """One keep-alive connection; ``request`` sends and waits for the complete answer."""

    def __init__(self, *, keep: bool = False) -> None:
        self.parser = ResponseParser(keep=keep)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            done = self.parser.feed(data)
        except (ProtocolError, ValueError) as error:
            self._fail(ProtocolError(str(error)))
            return
        for result in done:
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(result)
            else:
                self._fail(ProtocolError("unsolicited response"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        result = self.parser.eof()
        if result is not None and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(result)
        else:
            self._fail(exc or ConnectionResetError("connection closed by server"))

    def _fail(self, error: BaseException) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        if self.transport is not None:
            self.transport.abort()

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bool]]:
        """Send one request; the future completes with (status, server-closes-connection)."""
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter


class FormMissing(Exception):
    """The event page held no CSRF cookie or token to register with."""


CSRF_FIELD = re.compile(rb'name="_csrf_token" value="([^"]+)"')


@dataclass
class Target:
    """What every request looks like."""

    host: str
    port: int
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: str | None
    register: bool = False

    def _head(self, method: str, path: str, extra: Sequence[str] = ()) -> str:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines.append("User-Agent: treffpunkt-bench")
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines += extra
        return "\r\n".join(lines)

    def request_factory(self) -> Any:
        """A function n -> request bytes (the body's ``{n}`` replaced by n)."""
        head = self._head(self.method, self.path)
        if self.body is None or self.register:  # the body is the registration POST's
            fixed = (head + "\r\n\r\n").encode("latin-1")
            return lambda _n: fixed
        body = self.body
        if "{n}" not in body:
            encoded = body.encode()
            fixed = (head + f"\r\nContent-Length: {len(encoded)}\r\n\r\n").encode("latin-1")
            fixed += encoded
            return lambda _n: fixed
        head_bytes = head.encode("latin-1")

        def build(n: int) -> bytes:
            payload = body.replace("{n}", str(n)).encode()
            return head_bytes + f"\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload

        return build

    def registration_post(self, n: int, cookie: str, token: str) -> bytes:
        """The form's POST with the cookie and token the page just handed out."""
        payload = f"_csrf_token={token}&" + (self.body or "").replace("{n}", str(n))
        encoded = payload.encode()
        head = self._head(
            "POST",
            self.path + "/register",
            [
                f"Cookie: {cookie}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(encoded)}",
            ],
        )
        return (head + "\r\n\r\n").encode("latin-1") + encoded


def form_cookie_and_token(parser: ResponseParser) -> tuple[str, str]:
    """The CSRF cookie and hidden token of the page ``parser`` read last."""
    cookies = [
        value.split(b";", 1)[0].decode("latin-1")
        for name, value in parser.headers
        if name == b"set-cookie"
    ]
    match = CSRF_FIELD.search(parser.body)
    if not cookies or match is None:
        raise FormMissing("no CSRF cookie or token on the event page")
    return "; ".join(cookies), match.group(1).decode("latin-1")


@dataclass
class Phase:
    """Counters of one phase (warm-up or measurement)."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


@dataclass
class Run:
    """Shared state of all connections."""

    target: Target
    connections: int
    warmup_until: float
    stop_at: float
    max_requests: int
    timeout: float
    issued: int = 0
    counter: int = 0
    warmup: Phase = field(default_factory=Phase)
    measured: Phase = field(default_factory=Phase)
    measure_started: float | None = None
    measure_ended: float = 0.0
    server_pid: int | None = None
    server_cpu_start: float | None = None
    in_flight: dict[int, tuple[float, ClientProtocol]] = field(default_factory=dict)


async def _connect(run: Run) -> ClientProtocol:
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(
            lambda: ClientProtocol(keep=run.target.register), run.target.host, run.target.port
        ),
        run.timeout,
    )
    return protocol


class Connection:
    """One client connection, reopened when the server closes it."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.protocol: ClientProtocol | None = None
        self.last = ResponseParser()  # the parser that read the latest answer

    async def send(self, data: bytes) -> int:
        """Send one request on a live connection; the answer's status."""
        if self.protocol is None or self.protocol.closed:
            self.protocol = await _connect(self.run)
        protocol = self.protocol
        self.run.in_flight[id(self)] = (time.perf_counter(), protocol)
        try:
            status, close = await protocol.request(data)
        finally:
            self.run.in_flight.pop(id(self), None)
        if close:
            self.close()
        self.last = protocol.parser
        return status

    def close(self, *, abort: bool = False) -> None:
        """Close (or abort, after an error) the connection; the next send opens a new one."""
        if self.protocol is not None and self.protocol.transport is not None:
            if abort:
                self.protocol.transport.abort()
            else:
                self.protocol.transport.close()
        self.protocol = None


async def _register(connection: Connection, get: bytes, number: int) -> int:
    """GET the event page, then POST the form with its token: the POST's status."""
    status = await connection.send(get)
    if status != 200:
        return status
    cookie, token = form_cookie_and_token(connection.last)
    return await connection.send(connection.run.target.registration_post(number, cookie, token))


async def _connection(run: Run) -> None:
    build = run.target.request_factory()
    connection = Connection(run)
    clock = time.perf_counter
    while True:
        now = clock()
        if now >= run.stop_at or run.issued >= run.max_requests:
            break
        measuring = now >= run.warmup_until
        if measuring:
            if run.measure_started is None:
                run.measure_started = now
                run.server_cpu_start = process_cpu_seconds(run.server_pid)
            run.issued += 1
        phase = run.measured if measuring else run.warmup
        run.counter += 1
        number = run.counter  # taken now: other connections count on while this one connects
        try:
            started = clock()
            if run.target.register:
                status = await _register(connection, build(number), number)
            else:
                status = await connection.send(build(number))
            ended = clock()
            phase.latencies.append(ended - started)
            phase.statuses[status] += 1
            if measuring:
                run.measure_ended = max(run.measure_ended, ended)
        except (OSError, ProtocolError, TimeoutError, ValueError, FormMissing) as error:
            phase.errors[type(error).__name__] += 1
            if measuring:
                run.measure_ended = max(run.measure_ended, clock())
            connection.close(abort=True)
            await asyncio.sleep(0.01)  # don't spin on a refusing server
    connection.close()


async def _watchdog(run: Run) -> None:
    """Abort requests older than the timeout (cheaper than a wait_for per request)."""
    while True:
        await asyncio.sleep(min(1.0, run.timeout / 4))
        now = time.perf_counter()
        for started, protocol in list(run.in_flight.values()):
            if now - started > run.timeout:
                protocol._fail(TimeoutError(f"no answer within {run.timeout} s"))


def _parents() -> dict[int, int]:
    """Every process's parent, from /proc (the kernel here lists no children directly)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue  # ended meanwhile
    return parents


def process_cpu_seconds(pid: int | None) -> float | None:
    """User plus system CPU time of process ``pid`` and its descendants, from /proc.

    The descendants count because ``serve --workers 2`` answers from its worker processes. None
    if ``pid`` is unknown.
    """
    if pid is None:
        return None
    parents = _parents()
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            if current == pid:
                return None
            continue  # a child that just ended
        total += int(fields[11]) + int(fields[12])
        pending += [child for child, parent in parents.items() if parent == current]
    return total / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _summary(phase: Phase, elapsed: float) -> dict[str, Any]:
    latencies = sorted(phase.latencies)
    completed = len(latencies)
    return {
        "requests": completed,
        "seconds": round(elapsed, 3),
        "rps": round(completed / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else 0.0) * 1000, 2),
        "status": {str(code): count for code, count in sorted(phase.statuses.items())},
        "errors": sum(phase.errors.values()),
        "error_kinds": dict(phase.errors),
    }


async def run_load(
    url: str,
    *,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    body: str | None = None,
    connections: int = 32,
    duration: float = 5.0,
    requests: int = MAX_REQUESTS,
    warmup: float = 0.0,
    request_timeout: float = 30.0,
    expect: int | None = None,
    server_pid: int | None = None,
    register: bool = False,
) -> dict[str, Any]:
    """Load ``url`` and return the summary (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        raise ValueError("the load generator only targets http://127.0.0.1")
    if not 1 <= connections <= MAX_CONNECTIONS:
        raise ValueError(f"connections must be within 1..{MAX_CONNECTIONS}")
    if not 0 < duration <= MAX_DURATION or not 0 <= warmup <= MAX_DURATION:
        raise ValueError(f"duration and warm-up must be within 0..{MAX_DURATION} s")
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be within 1..{MAX_REQUESTS}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    target = Target(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 80,
        method=method.upper(),
        path=path,
        headers=list(headers),
        body=body,
        register=register,
    )
    start = time.perf_counter()
    run = Run(
        target=target,
        connections=connections,
        warmup_until=start + warmup,
        stop_at=start + warmup + duration,
        max_requests=requests,
        timeout=request_timeout,
        server_pid=server_pid,
    )
    cpu_start = time.process_time()
    watchdog = asyncio.create_task(_watchdog(run))
    try:
        await asyncio.gather(*(_connection(run) for _ in range(connections)))
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
    wall = time.perf_counter() - start
    elapsed = run.measure_ended - run.measure_started if run.measure_started else 0.0
    server_cpu_end = process_cpu_seconds(server_pid)
    result = _summary(run.measured, elapsed)
    result["url"] = url
    result["method"] = target.method
    result["connections"] = connections
    result["client_cpu_percent"] = round(100 * (time.process_time() - cpu_start) / wall, 1)
    if run.server_cpu_start is not None and server_cpu_end is not None and elapsed > 0:
        # Over the measured phase only (the few in-flight answers after it are negligible).
        server_cpu = server_cpu_end - run.server_cpu_start
        result["server_cpu_percent"] = round(100 * server_cpu / elapsed, 1)
        completed = len(run.measured.latencies)
        result["server_cpu_ms"] = round(1000 * server_cpu / completed, 3) if completed else 0.0
    if warmup:
        result["warmup"] = _summary(run.warmup, warmup)
    if expect is not None:
        everything = run.measured.statuses + run.warmup.statuses
        result["expected_status"] = expect
        result["unexpected"] = sum(n for code, n in everything.items() if code != expect) + sum(
            (run.measured.errors + run.warmup.errors).values()
        )
    return result


def _parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or "\r" in text or "\n" in text:
        raise argparse.ArgumentTypeError(f"not a header: {text!r}")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    """The command line of the load generator."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT/path")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", type=_parse_header, default=[])
    parser.add_argument("--body", default=None, help="request body; {n} becomes a unique number")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured")
    parser.add_argument("--requests", type=int, default=MAX_REQUESTS, help="at most this many")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds before measuring")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--expect", type=int, default=None, help="the status every answer needs")
    parser.add_argument("--server-pid", type=int, default=None, help="report this one's CPU use")
    parser.add_argument(
        "--register", action="store_true", help="GET the page at --url, POST its form each step"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load and print the JSON summary."""
    arguments = build_parser().parse_args(argv)
    coroutine = run_load(
        arguments.url,
        method=arguments.method,
        headers=arguments.header,
        body=arguments.body,
        connections=arguments.connections,
        duration=arguments.duration,
        requests=arguments.requests,
        warmup=arguments.warmup,
        request_timeout=arguments.timeout,
        expect=arguments.expect,
        server_pid=arguments.server_pid,
        register=arguments.register,
    )
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(coroutine)
    else:
        result = uvloop.run(coroutine)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
