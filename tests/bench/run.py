"""The benchmark: ``python -m tests.bench.run [--duration 5] [--connections 32] [--postgres URL]``.

One run measures, one server at a time so that a server never shares the two cores with
another idle one:

1. the hello baseline (the smallest Litestar app under the same uvicorn, loop and parser) —
   the ceiling of this machine and stack, against which every other line is a ratio;
2. Treffpunkt on a fresh SQLite file with the kept-connection engine: the public pages, the
   API, the health check, and registrations (POST with one CSRF cookie and token, a unique
   email per request, on an event with unlimited seats so every one must answer 303);
3. the same app on Piccolo's stock ``SQLiteEngine`` (a connection per query, DEFERRED
   transactions): the event page and registrations, as "kept vs stock" ratios; then
   registrations once more on the stock engine with IMMEDIATE transactions ("stock-I"), which
   tells the cost of a connection per query from that of DEFERRED write transactions;
4. with ``--postgres URL``, the app on PostgreSQL (asyncpg pool).

After each registration run the database is read directly: it must hold exactly as many
registrations as there were 303 answers. The load generator (``tests.bench.loadgen``) runs in a
process of its own. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.bench.serve import IN_PERSON_SLUG
from tests.bench.servers import (
    ROOT,
    Server,
    app_server,
    event_loop_and_http,
    get,
    hello_server,
    post_form,
    running,
)

#: pretix on a 2-core machine, for context (see the README).
PRETIX_EVENT_PAGES_PER_S = 20.0
PRETIX_REGISTRATIONS_PER_S = 1.2


@dataclass
class Row:
    """One measured line."""

    server: str
    name: str
    result: dict[str, Any]
    server_cpu_percent: float
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        """Completed requests per second in the measured phase."""
        return float(self.result["rps"])

    @property
    def ok_rps(self) -> float:
        """Answers with the expected status per second (successful registrations for POSTs)."""
        expected = str(self.result.get("expected_status", "200"))
        seconds = float(self.result["seconds"])
        return self.result["status"].get(expected, 0) / seconds if seconds else 0.0

    @property
    def bad(self) -> int:
        """Transport errors plus answers with another status than expected, warm-up included."""
        if "unexpected" in self.result:
            return int(self.result["unexpected"])
        return int(self.result["errors"])


@dataclass
class Options:
    """What the command line asked for."""

    duration: float
    warmup: float
    connections: int
    postgres: str | None
    skip_stock: bool
    json_path: Path | None


def say(text: str = "") -> None:
    """Print progress at once (the run takes a minute or two)."""
    print(text, flush=True)


def load(
    server: Server,
    name: str,
    path: str,
    options: Options,
    *,
    method: str = "GET",
    body: str | None = None,
    headers: Sequence[str] = (),
    expect: int = 200,
) -> Row:
    """Run the load generator against ``server`` in its own process."""
    command = [
        sys.executable,
        "-m",
        "tests.bench.loadgen",
        "--url",
        server.base_url + path,
        "--method",
        method,
        "--connections",
        str(options.connections),
        "--duration",
        str(options.duration),
        "--warmup",
        str(options.warmup),
        "--expect",
        str(expect),
        "--server-pid",
        str(server.pid),
    ]
    for header in headers:
        command += ["--header", header]
    if body is not None:
        command += ["--body", body]
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=options.warmup + options.duration + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout)
    row = Row(server.name, name, result, float(result.get("server_cpu_percent", 0.0)))
    say(
        f"  {server.name:<7} {name:<32} {row.rps:>9.1f} req/s  p99 {result['p99_ms']:>8.1f} ms"
        f"  {_statuses(result)}"
    )
    return row


def _statuses(result: dict[str, Any]) -> str:
    text = " ".join(f"{code}:{count}" for code, count in result["status"].items())
    if result["errors"]:
        kinds = ",".join(f"{kind}×{n}" for kind, n in result["error_kinds"].items())
        text += f" errors:{result['errors']}({kinds})"
    return text


# --- registrations -----------------------------------------------------------------------------


@dataclass
class RegistrationForm:
    """A body template for the loader and the cookie that goes with its CSRF token."""

    body: str
    cookie: str


def registration_form(server: Server, slug: str, run_id: str) -> RegistrationForm:
    """Get the event page once: its CSRF cookie and hidden token serve every POST."""
    status, html, headers = get(server.port, f"/events/{slug}")
    if status != 200:
        raise RuntimeError(f"GET /events/{slug} answered {status}")
    cookies = [value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie"]
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if not cookies or match is None:
        raise RuntimeError("the event page set no CSRF cookie or has no _csrf_token field")
    fields = {
        "_csrf_token": match.group(1),
        "first_name": "Bench",
        "last_name": "Mark",
        "organisation": "Lasttest e.V.",
        "job_title": "Messung",
        "language": "de",
        "consent": "on",
    }
    # urlencode would escape the braces of the loader's {n} placeholder, so it goes in last.
    body = urlencode(fields) + f"&email=bench-{run_id}-" + "{n}" + "%40example.org"
    return RegistrationForm(body=body, cookie="; ".join(cookies))


def register_load(
    server: Server, slug: str, run_id: str, options: Options
) -> tuple[Row | None, int, str]:
    """Probe one registration, then load; (row, 303 answers in all, problem or '')."""
    form = registration_form(server, slug, run_id)
    path = f"/events/{slug}/register"
    probe_body = form.body.replace("{n}", "probe")
    status, text, headers = post_form(server.port, path, probe_body, {"Cookie": form.cookie})
    if status != 303:
        snippet = re.sub(r"\s+", " ", text)[:300]
        return None, 0, f"probe registration answered {status}, not 303: {snippet}"
    location = {name.lower(): value for name, value in headers}.get("location", "")
    if not location.startswith("/r/"):
        return None, 1, f"probe registration redirected to {location!r}, not /r/<token>"
    row = load(
        server,
        "POST /events/{bench}/register",
        path,
        options,
        method="POST",
        body=form.body,
        headers=[
            f"Cookie: {form.cookie}",
            "Content-Type: application/x-www-form-urlencoded",
        ],
        expect=303,
    )
    answered = 1 + int(row.result["status"].get("303", 0))
    answered += int(row.result.get("warmup", {}).get("status", {}).get("303", 0))
    return row, answered, ""


def count_registrations(database_url: str, slug: str) -> int:
    """Registrations of the event ``slug``, read from the database itself."""
    query = 'SELECT count(*) FROM registration r JOIN "event" e ON r.event = e.id WHERE e.slug = {}'
    if database_url.startswith("sqlite:"):
        from app.settings import Settings

        path = Settings(database_url=database_url).sqlite_path
        with sqlite3.connect(path, timeout=30) as connection:
            (count,) = connection.execute(query.format("?"), (slug,)).fetchone()
        return int(count)

    async def from_postgres() -> int:
        import asyncpg

        connection = await asyncpg.connect(database_url)
        try:
            return int(await connection.fetchval(query.format("$1"), slug))
        finally:
            await connection.close()

    return asyncio.run(from_postgres())


def delete_event(database_url: str, slug: str) -> None:
    """Remove the benchmark event (and, by cascade, its registrations) from PostgreSQL."""

    async def delete() -> None:
        import asyncpg

        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute('DELETE FROM "event" WHERE slug = $1', slug)
        finally:
            await connection.close()

    asyncio.run(delete())


def check_registrations(server: Server, database_url: str, slug: str, answered: int) -> str:
    """Compare the 303 answers with the rows in the database."""
    stored = count_registrations(database_url, slug)
    verdict = "OK" if stored == answered else "MISMATCH"
    return (
        f"{server.name}: {stored} registrations in the database, {answered} answers 303: {verdict}"
    )


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Results:
    """Everything measured in one run."""

    rows: list[Row] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def find(self, server: str, prefix: str) -> Row | None:
        """The row of ``server`` whose name starts with ``prefix``."""
        return next(
            (r for r in self.rows if r.server == server and r.name.startswith(prefix)), None
        )


def measure_app(
    results: Results,
    server: Server,
    database_url: str,
    options: Options,
    *,
    pages: Sequence[tuple[str, str]],
    bench_slug: str,
    run_id: str,
) -> None:
    """Pages, then registrations, then the database check, on one running app server."""
    for name, path in pages:
        results.rows.append(load(server, name, path, options))
    row, answered, problem = register_load(server, bench_slug, run_id, options)
    if problem:
        results.problems.append(f"{server.name}: {problem}")
        say(f"  {server.name:<7} registrations skipped: {problem}")
    if row is not None:
        results.rows.append(row)
    results.checks.append(check_registrations(server, database_url, bench_slug, answered))
    for line, count in server.error_summary():
        results.problems.append(f"{server.name} server log, {count}×: {line}")


ORGANISER_EMAIL = "bench-orga@example.org"
ORGANISER_PASSWORD = "bench-organiser-password"


def organiser_cookie(server: Server, database_url: str) -> str:
    """Make an organiser account on the database and sign in: the cookies of the session."""
    created = subprocess.run(
        [sys.executable, "-m", "app", "create-organiser", "--email", ORGANISER_EMAIL],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"},
        input=f"{ORGANISER_PASSWORD}\n{ORGANISER_PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if created.returncode != 0 and "exists already" not in created.stderr:
        raise RuntimeError(f"create-organiser failed: {created.stderr[-500:]}")
    status, html, headers = get(server.port, "/organiser/sign-in")
    cookies = {
        value.split("=", 1)[0]: value.split(";", 1)[0]
        for name, value in headers
        if name.lower() == "set-cookie"
    }
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if status != 200 or match is None:
        raise RuntimeError(f"the sign-in page answered {status} without a CSRF field")
    body = urlencode(
        {"_csrf_token": match.group(1), "email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD}
    )
    status, _, headers = post_form(
        server.port, "/organiser/sign-in", body, {"Cookie": "; ".join(cookies.values())}
    )
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookies[value.split("=", 1)[0]] = value.split(";", 1)[0]
    if status != 303 or "treffpunkt_session" not in cookies:
        raise RuntimeError(f"signing in answered {status} without a session")
    return "; ".join(cookies.values())


def measure_organiser_pages(
    results: Results, server: Server, database_url: str, options: Options, bench_slug: str
) -> None:
    """The organisers' daily pages, signed in; the list holds the registrations just made."""
    cookie = organiser_cookie(server, database_url)
    status, html, _ = get(server.port, "/organiser/", {"Cookie": cookie})
    found = re.findall(r'<a href="/organiser/events/(\d+)">([^<]*)</a>', html)
    bench_id = next((i for i, title in found if title.startswith("Benchmark")), None)
    sample_id = next((i for i, title in found if not title.startswith("Benchmark")), None)
    if status != 200 or bench_id is None or sample_id is None:
        results.problems.append(f"{server.name}: organiser start page {status}, events not found")
        return
    registrations = count_registrations(database_url, bench_slug)
    for name, path in (
        ("GET /organiser/ (start)", "/organiser/"),
        ("GET …/{sample} (overview)", f"/organiser/events/{sample_id}"),
        (
            "GET …/{sample}/edit (form)",
            f"/organiser/events/{sample_id}/edit",
        ),
        (
            f"GET …/{{bench}}/registrations ({registrations})",
            f"/organiser/events/{bench_id}/registrations",
        ),
    ):
        results.rows.append(load(server, name, path, options, headers=[f"Cookie: {cookie}"]))


def run(options: Options) -> Results:
    """Start each server in turn, measure it, stop it."""
    results = Results()
    run_id = secrets.token_hex(4)
    bench_slug = f"bench-{run_id}"
    pages = [
        ("GET / (event list)", "/"),
        ("GET /events/{in-person}", f"/events/{IN_PERSON_SLUG}"),
        ("GET /events/{in-person}?lang=uk", f"/events/{IN_PERSON_SLUG}?lang=uk"),
        ("GET /api/v1/events", "/api/v1/events"),
        ("GET /api/v1/events/{in-person}", f"/api/v1/events/{IN_PERSON_SLUG}"),
        ("GET /healthz", "/healthz"),
    ]
    with tempfile.TemporaryDirectory(prefix="treffpunkt-bench-") as temporary:
        directory = Path(temporary)
        with running(hello_server(directory)) as hello:
            results.rows.append(load(hello, "GET /hello", "/hello", options))

        kept_url = f"sqlite:///{directory / 'kept.sqlite3'}"
        kept = app_server("kept", directory, kept_url, engine="kept", bench_slug=bench_slug)
        with running(kept):
            measure_app(
                results, kept, kept_url, options, pages=pages, bench_slug=bench_slug, run_id=run_id
            )
            measure_organiser_pages(results, kept, kept_url, options, bench_slug)

        if not options.skip_stock:
            stock_url = f"sqlite:///{directory / 'stock.sqlite3'}"
            stock = app_server("stock", directory, stock_url, engine="stock", bench_slug=bench_slug)
            with running(stock):
                measure_app(
                    results,
                    stock,
                    stock_url,
                    options,
                    pages=pages[1:2],
                    bench_slug=bench_slug,
                    run_id=run_id,
                )

        if not options.skip_stock:
            # The stock engine with IMMEDIATE transactions: registrations only.
            immediate_url = f"sqlite:///{directory / 'stock-immediate.sqlite3'}"
            immediate = app_server(
                "stock-I", directory, immediate_url, engine="stock-immediate", bench_slug=bench_slug
            )
            with running(immediate):
                measure_app(
                    results,
                    immediate,
                    immediate_url,
                    options,
                    pages=[],
                    bench_slug=bench_slug,
                    run_id=run_id,
                )

        if options.postgres:
            postgres = app_server(
                "pg", directory, options.postgres, engine="kept", bench_slug=bench_slug
            )
            try:
                with running(postgres):
                    measure_app(
                        results,
                        postgres,
                        options.postgres,
                        options,
                        pages=pages[:2],
                        bench_slug=bench_slug,
                        run_id=run_id,
                    )
            finally:
                try:
                    delete_event(options.postgres, bench_slug)
                except Exception as error:  # report, but never lose the measurements
                    results.problems.append(f"pg: could not delete {bench_slug}: {error}")
    return results


# --- the report --------------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "-"


def report(results: Results, options: Options) -> str:
    """The table, the ratios and the checks as text."""
    hello = results.find("hello", "GET /hello")
    baseline = hello.ok_rps if hello else 0.0
    loop, http_impl = event_loop_and_http()
    lines = [
        "",
        f"Treffpunkt benchmark — {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"uvicorn {version('uvicorn')} ({loop}, {http_impl}, 1 worker, no access log), "
        f"litestar {version('litestar')}, piccolo {version('piccolo')}",
        f"load: {options.connections} keep-alive connections, {options.warmup:g} s warm-up + "
        f"{options.duration:g} s measured per line, client in its own process",
        "ok/s = answers 200 (GET) or 303 (POST) per second;  x hello = ok/s / hello ok/s;",
        "bad = transport errors + answers other than 200 (GET) or 303 (POST), warm-up included;",
        "srv/cli CPU = CPU of the server / load generator process over the measured phase "
        "(100% = one core)",
        "",
        f"{'server':<7} {'request':<32} {'req/s':>9} {'ok/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
        f"{'p99 ms':>9} {'bad':>6} {'x hello':>8} {'srv CPU':>7} {'cli CPU':>7}  statuses",
    ]
    lines.append("-" * len(lines[-1]))
    for row in results.rows:
        result = row.result
        lines.append(
            f"{row.server:<7} {row.name:<32} {row.rps:>9.1f} {row.ok_rps:>9.1f} "
            f"{result['p50_ms']:>8.2f} "
            f"{result['p90_ms']:>8.2f} {result['p99_ms']:>9.2f} {row.bad:>6} "
            f"{_ratio(row.ok_rps, baseline):>8} {row.server_cpu_percent:>6.0f}% "
            f"{result['client_cpu_percent']:>6.0f}%  {_statuses(result)}"
        )
    comparison = []
    for other in ("stock", "stock-I"):
        for label, prefix in (("event page", "GET /events/"), ("registrations", "POST ")):
            kept, stock = results.find("kept", prefix), results.find(other, prefix)
            if kept and stock:
                comparison.append(
                    f"  vs {other:<8} {label:<14} ok/s x{_ratio(kept.ok_rps, stock.ok_rps)} "
                    f"({kept.ok_rps:.1f} vs {stock.ok_rps:.1f}), "
                    f"p99 {kept.result['p99_ms']:.1f} ms vs {stock.result['p99_ms']:.1f} ms, "
                    f"bad answers {kept.bad} vs {stock.bad}"
                )
    if comparison:
        lines += ["", "kept engine vs stock engine (ratio kept/stock of ok/s):", *comparison]
    page, registrations = results.find("kept", "GET /events/"), results.find("kept", "POST ")
    lines += [
        "",
        f"reference: pretix on 2 cores serves about {PRETIX_EVENT_PAGES_PER_S:g} event pages/s "
        f"and {PRETIX_REGISTRATIONS_PER_S:g} registrations/s",
    ]
    if page:
        pages_ratio = _ratio(page.ok_rps, PRETIX_EVENT_PAGES_PER_S)
        line = f"  Treffpunkt (kept engine): event pages x{pages_ratio}"
        if registrations:
            line += f", registrations x{_ratio(registrations.ok_rps, PRETIX_REGISTRATIONS_PER_S)}"
        lines.append(line)
    lines += ["", "database check after the registration runs:"]
    lines += [f"  {check}" for check in results.checks]
    if results.problems:
        lines += ["", "problems:"]
        lines += [f"  {problem}" for problem in results.problems]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per line")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each line")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--postgres", metavar="URL", default=None, help="also measure on this")
    parser.add_argument("--skip-stock", action="store_true", help="leave out the stock engine")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    return parser


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    arguments = build_parser().parse_args(argv)
    options = Options(
        duration=arguments.duration,
        warmup=arguments.warmup,
        connections=arguments.connections,
        postgres=arguments.postgres,
        skip_stock=arguments.skip_stock,
        json_path=arguments.json,
    )
    # SIGTERM unwinds like Ctrl-C, so every server is stopped and the temporary files go.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        results = run(options)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary files removed", file=sys.stderr)
        return 130
    say(report(results, options))
    if options.json_path:
        rows = [
            {"server": r.server, "name": r.name, "server_cpu_percent": r.server_cpu_percent}
            | r.result
            for r in results.rows
        ]
        payload = {"rows": rows, "checks": results.checks, "problems": results.problems}
        options.json_path.write_text(json.dumps(payload, indent=2))
    # The stock engine's errors are a finding, not a failure of the run.
    mismatch = any("MISMATCH" in check for check in results.checks)
    failed = any(row.bad for row in results.rows if not row.server.startswith("stock"))
    refused = any(not problem.startswith("stock") for problem in results.problems)
    return 1 if mismatch or failed or refused else 0


if __name__ == "__main__":
    sys.exit(main())
