"""The app runs on the clock it is given: nothing in ``app/`` reads the wall clock.

Main once turned red by itself: tests built events from a fixed 'now' while the web layer read
the machine's clock, so when the real date passed those events, the tests failed. These tests
move the injected clock across a deadline and an event's end, and scan ``app/`` for any other
way to read the time.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from litestar.testing import AsyncTestClient

import app
from app.domain.model import Seats
from tests.clock import ManualClock
from tests.conftest import registration_form
from tests.web.conftest import submit

CLOSED = "Die Anmeldefrist ist abgelaufen."

#: Calls that read the wall clock, by the name called and what it is called on: the
#: ``datetime`` and ``date`` classes (``dt.datetime.now()``, ``date.today()``) and the ``time``
#: module (``time.time()``; ``dt.time(10, 0)`` is a time of day and stays allowed).
_WALL_CLOCK_CALLS = {
    "now": {"datetime", "date"},
    "utcnow": {"datetime"},
    "today": {"datetime", "date"},
    "time": {"time"},
    "time_ns": {"time"},
    "localtime": {"time"},
    "gmtime": {"time"},
}
#: The one module allowed to read it.
_CLOCK_MODULE = Path(app.__file__).parent / "clock.py"


def _wall_clock_reads(path: Path) -> list[str]:
    """``file:line`` of every call in ``path`` that reads the wall clock."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            name, owner = function.attr, ast.unparse(function.value).split(".")[-1]
        elif isinstance(function, ast.Name):  # ``from datetime import datetime`` aside, a bare
            name, owner = function.id, "time"  # ``time()`` can only be ``from time import time``
        else:
            continue
        if owner in _WALL_CLOCK_CALLS.get(name, set()):
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    package = Path(app.__file__).parent
    sources = [
        path
        for path in package.rglob("*.py")
        if path != _CLOCK_MODULE and "piccolo_migrations" not in path.parts
    ]
    assert len(sources) > 50
    assert [read for path in sources for read in _wall_clock_reads(path)] == []


def test_the_scan_finds_a_wall_clock_read(tmp_path: Path) -> None:
    # The scan above must be able to fail.
    module = tmp_path / "reads.py"
    module.write_text(
        "import datetime as dt\nimport time\n"
        "a = dt.datetime.now(dt.UTC)\nb = dt.date.today()\nc = time.time()\n"
        "d = dt.datetime(2026, 1, 1).time()\ne = dt.time(10, 0)\n",
        encoding="utf-8",
    )
    assert len(_wall_clock_reads(module)) == 3


async def test_the_deadline_passes_when_the_apps_clock_moves(
    client: AsyncTestClient,
    event_factory,
    clock: ManualClock,
) -> None:
    deadline = clock() + dt.timedelta(hours=1)
    event = await event_factory(slug="frist", registration_closes_at=deadline)
    assert CLOSED not in (await client.get(f"/events/{event.slug}")).text
    assert (await submit(client, event.slug, registration_form("a@example.org"))).status_code == 303

    clock.advance(hours=2)
    assert CLOSED in (await client.get(f"/events/{event.slug}")).text
    refused = await submit(client, event.slug, registration_form("b@example.org"))
    assert refused.status_code != 303
    assert CLOSED in refused.text


async def test_an_event_is_past_on_the_apps_clock_not_the_machines(
    client: AsyncTestClient,
    event_factory,
    clock: ManualClock,
) -> None:
    # Long before the machine's date, and over by the app's clock only once the clock moves.
    clock.now = dt.datetime(2001, 5, 1, 8, 0, tzinfo=dt.UTC)
    await event_factory(
        slug="damals",
        starts_at=clock() + dt.timedelta(days=1),
        ends_at=clock() + dt.timedelta(days=1, hours=2),
        registration_closes_at=None,
        in_person_seats=Seats(5, 0),
    )
    listed = (await client.get("/")).text
    assert "/events/damals" in listed
    assert "/events/damals" not in (await client.get("/past")).text

    clock.advance(days=2)
    assert "/events/damals" in (await client.get("/past")).text
