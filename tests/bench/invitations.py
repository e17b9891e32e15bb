"""The invitee import at scale: ``python -m tests.bench.invitations [--rows N] [--postgres URL]``.

Builds a CSV of ``--rows`` invitees (100,000 by default; German Excel's ``;`` with a byte order
mark, varied names, organisations and languages) and imports it into a fresh, migrated database
(SQLite in a temporary folder, and PostgreSQL with ``--postgres``, whose database is emptied
first): the whole file (stored), the same file with one wrong last row (nothing stored, so the
check of every row and the rollback), and then sending every invitation (outbox rows and hashed
link secrets). Prints wall time and the process's peak resident memory; asserts nothing. The
test suite imports 10,000 rows (tests/services/test_invitations.py).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import tempfile
import time

from app.db.database import Database
from app.services import events as event_service
from app.services import invitations
from tests.conftest import FIXED_NOW, make_event, migrated_database, reset_postgres_schema

LANGUAGES = ("de", "en", "uk", "")


def invitee_file(rows: int) -> io.BytesIO:
    body = io.BytesIO()
    body.write("\ufeffVorname;Nachname;E-Mail;Organisation;Sprache\r\n".encode())
    for number in range(rows):
        line = (
            f"Person {number};Nachname-{number % 1_000};p{number}@gemeinde{number % 500}.example;"
            f'"Gemeinde {number % 397}; Abteilung {number % 7}";{LANGUAGES[number % 4]}\r\n'
        )
        body.write(line.encode())
    return body


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(db: Database, rows: int) -> None:
    body = invitee_file(rows)
    size = body.getbuffer().nbytes
    print(f"  file: {rows:,} rows, {size / 1_000_000:.1f} MB; peak RSS before {peak_mb():.0f} MB")
    event = await event_service.create_event(db, make_event(FIXED_NOW))
    other = await event_service.create_event(db, make_event(FIXED_NOW, slug="andere"))
    started = time.perf_counter()
    report = await invitations.import_invitees(db, event.id, body, FIXED_NOW, max_bytes=size)
    took = time.perf_counter() - started
    print(f"  import, stored {report.added:,}: {took:.2f} s; peak RSS {peak_mb():.0f} MB")
    body.seek(0, io.SEEK_END)
    body.write(b"Letzte;Zeile;keine Adresse;;de\r\n")
    started = time.perf_counter()
    report = await invitations.import_invitees(db, other.id, body, FIXED_NOW, max_bytes=size + 99)
    took = time.perf_counter() - started
    print(
        f"  import with a wrong last row, stored {report.added} ({report.error_count} error): "
        f"{took:.2f} s; peak RSS {peak_mb():.0f} MB"
    )
    started = time.perf_counter()
    sent = await invitations.send_invitations(db, event.id, FIXED_NOW)
    took = time.perf_counter() - started
    print(f"  send {sent:,} invitations: {took:.2f} s; peak RSS {peak_mb():.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default="", help="postgres://… of a database to empty")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        async with migrated_database(f"sqlite:///{folder}/bench.sqlite3") as db:
            await measure(db, arguments.rows)
    if arguments.postgres:
        print("PostgreSQL")
        await reset_postgres_schema(arguments.postgres)
        async with migrated_database(arguments.postgres) as db:
            await measure(db, arguments.rows)


if __name__ == "__main__":
    asyncio.run(main())
