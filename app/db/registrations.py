"""A new registration as one short transaction, in plain parameterised SQL.

One locked read gives the event row (of an event the caller has read already only what may
have changed meanwhile, see :data:`~app.db.mapping.VOLATILE_EVENT_COLUMNS`), the address's
existing registration and, for the mode asked for, the waiting count (the event's counter, see
migration 0013) and how many waiting people stand *behind* the newcomer's place in the queue (an
index range, normally empty). The caller's ``decide`` applies the rules to that and says what to
write; then at most three statements: the seat counter's conditional UPDATE (backed by the
CHECK constraints or triggers), the registration's ``INSERT … RETURNING`` (or ``UPDATE …
RETURNING`` for an address that cancelled earlier and comes back), and one multi-row INSERT of
its mails into the outbox.

SQLite runs all of it, BEGIN IMMEDIATE to COMMIT, in one call on the writer's thread
(:meth:`KeptSQLiteEngine.run_in_writer`). PostgreSQL needs two round trips inside the
transaction: the locked read (``SELECT … FOR UPDATE``, which also reserves the new row's id) and
one statement with the writes as a CTE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine

from app.db.database import Database
from app.db.engine import KeptSQLiteEngine
from app.db.mapping import (
    VOLATILE_EVENT_COLUMNS,
    event_from_row,
    event_with_volatile,
    registration_from_row,
)
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import CapacityConflict, NotFound
from app.domain.model import (
    AttendanceMode,
    Event,
    Registration,
    RegistrationStatus,
)
from app.domain.outbox import NewMail, OutboxStatus
from app.domain.rules import changes_public_view

#: Every column of ``registration``, in table order: what a registration read or written returns
#: (``search_text`` is the database's own, kept by triggers, and not a column of the table class).
REGISTRATION_COLUMNS = tuple(
    column._meta.db_column_name for column in RegistrationTable._meta.columns
)

#: What a registration that starts over keeps from before (and a new one starts with): the
#: invites' sequence, the door's and the online attendance record, an anonymisation.
KEPT_COLUMNS: dict[str, Any] = {
    "invite_sequence": 0,
    "checked_in_at": None,
    "anonymised_at": None,
    "attended_online_at": None,
    "attendance_source": None,
}
#: The columns a new registration (or one that starts over) is given; ``id``, ``event`` and
#: ``created_at`` are set for new rows only, the rest keep their defaults or old values.
WRITTEN_COLUMNS = tuple(
    column
    for column in REGISTRATION_COLUMNS
    if column not in {"id", "event", "created_at", *KEPT_COLUMNS}
)

#: The outbox columns a new mail fills.
OUTBOX_COLUMNS = (
    "kind",
    "event",
    "registration",
    "recipient",
    "language",
    "payload",
    "status",
    "send_after",
    "created_at",
    "updated_at",
)

#: Each mode's seat counter and capacity column.
SEAT_COLUMNS: dict[AttendanceMode, tuple[str, str]] = {
    AttendanceMode.IN_PERSON: ("seats_taken_in_person", "capacity_in_person"),
    AttendanceMode.ONLINE: ("seats_taken_online", "capacity_online"),
}

_EVENT_COLUMNS = tuple(
    column._meta.db_column_name for column in EventTable._meta.columns if not column._meta.secret
)
#: What the locked read selects of an event the caller has read already: what may have changed
#: meanwhile without its revision, and the waiting counters. Parsing the whole row (texts,
#: programme, people as JSON) took a good part of the time the lock is held.
_KNOWN_EVENT_COLUMNS = ("id", *VOLATILE_EVENT_COLUMNS, "waiting_in_person", "waiting_online")

_WAITLISTED = RegistrationStatus.WAITLISTED.value
#: Above every id: "behind" a new registration means waiting since a later moment.
_NO_ID = 2**62


@dataclass(frozen=True, slots=True)
class Locked:
    """What the locked read found, for the rules to decide on."""

    event: Event
    #: The address's registration on this event, whatever its status.
    existing: Registration | None
    #: How many wait in the mode asked for.
    waiting: int
    #: How many of those wait behind a newcomer joining the queue now.
    behind: int


@dataclass(frozen=True, slots=True)
class Write:
    """What ``decide`` wants written: the registration's values, the seat, the mails."""

    values: Mapping[str, Any]
    #: The mode whose seat is taken, or ``None`` (waiting list).
    seat: AttendanceMode | None
    #: The mails the new registration causes (given it as stored).
    mails: Callable[[Registration], Sequence[NewMail]]


def _select_locked(dialect: str, columns: Sequence[str]) -> str:
    mark = _marks(dialect)
    event_columns = ", ".join(f'e."{name}"' for name in columns)
    registration_columns = ", ".join(f'r."{name}" AS "r_{name}"' for name in REGISTRATION_COLUMNS)
    mode, now = mark(3), mark(4)
    behind = (
        "(SELECT COUNT(*) FROM registration w WHERE w.event = e.id "  # noqa: S608
        f"AND w.mode = {mode} AND w.status = '{_WAITLISTED}' AND (w.waitlisted_at > {now} "
        f"OR (w.waitlisted_at = {now} AND w.id > COALESCE(r.id, {_NO_ID}))))"
    )
    query = (
        f"SELECT {event_columns}, {registration_columns}, {behind} AS behind"  # noqa: S608
        " FROM event e LEFT JOIN registration r"
        f" ON r.event = e.id AND r.email_normalised = {mark(2)} WHERE e.id = {mark(1)}"
    )
    if dialect == "postgres":
        # The id a new row will get, reserved under the lock so the mails can name it.
        query = query.replace(
            " AS behind",
            " AS behind, nextval(pg_get_serial_sequence('registration', 'id')) AS new_id",
        )
    return query


def _select_event(dialect: str) -> str:
    columns = ", ".join(f'"{name}"' for name in _EVENT_COLUMNS)
    return f"SELECT {columns} FROM event WHERE id = {_marks(dialect)(1)}"  # noqa: S608


def _marks(dialect: str) -> Callable[[int], str]:
    if dialect == "postgres":
        return lambda number: f"${number}"
    return lambda number: f"?{number}"


def _take_seat(dialect: str, mode: AttendanceMode) -> str:
    taken, capacity = SEAT_COLUMNS[mode]
    mark = _marks(dialect)
    return (
        f'UPDATE event SET "{taken}" = "{taken}" + 1 WHERE id = {mark(1)} '  # noqa: S608
        f'AND ("{capacity}" IS NULL OR "{taken}" < "{capacity}") RETURNING id'
    )


_RETURNING = ", ".join(f'"{name}"' for name in REGISTRATION_COLUMNS)


def _insert(dialect: str) -> str:
    names = ("id", "event", "created_at", *WRITTEN_COLUMNS)
    mark = _marks(dialect)
    columns = ", ".join(f'"{name}"' for name in names)
    values = ", ".join(mark(number) for number in range(1, len(names) + 1))
    return f"INSERT INTO registration ({columns}) VALUES ({values}) RETURNING {_RETURNING}"  # noqa: S608


def _update(dialect: str) -> str:
    mark = _marks(dialect)
    sets = ", ".join(
        f'"{name}" = {mark(number)}' for number, name in enumerate(WRITTEN_COLUMNS, start=2)
    )
    return f"UPDATE registration SET {sets} WHERE id = {mark(1)} RETURNING {_RETURNING}"  # noqa: S608


def _outbox_insert_sqlite(count: int) -> str:
    row = "(" + ", ".join("?" for _ in OUTBOX_COLUMNS) + ")"
    columns = ", ".join(f'"{name}"' for name in OUTBOX_COLUMNS)
    return f"INSERT INTO outbox ({columns}) VALUES {', '.join([row] * count)}"  # noqa: S608


def _outbox_values(mail: NewMail, registration_id: int, now: dt.datetime) -> tuple[Any, ...]:
    return (
        mail.kind.value,
        mail.event_id,
        registration_id,
        mail.recipient,
        mail.language.value,
        json.dumps(dict(mail.payload), ensure_ascii=False),
        OutboxStatus.QUEUED.value,
        mail.send_after,
        now,
        now,
    )


def _existing(row: Mapping[str, Any]) -> Registration | None:
    if row["r_id"] is None:
        return None
    return registration_from_row({name: row[f"r_{name}"] for name in REGISTRATION_COLUMNS})


def _locked(row: Mapping[str, Any], mode: AttendanceMode, known: Event | None) -> Locked:
    """The locked read's findings; ``known`` is the caller's event at the row's revision, whose
    volatile columns the row refreshes (else the row carries every event column)."""
    return Locked(
        event=(
            event_from_row({name: row[name] for name in _EVENT_COLUMNS})
            if known is None
            else event_with_volatile(known, row)
        ),
        existing=_existing(row),
        waiting=int(row[f"waiting_{mode.value}"]),
        behind=int(row["behind"]),
    )


def _known(event: Event | None, event_id: int) -> Event | None:
    """``event`` if the locked read may refresh it rather than read the event whole: the same
    event, read without its access data as the locked read is (so that both give the same)."""
    if (
        event is None
        or event.id != event_id
        or event.online_access is not None
        or event.access_notes
        or any(text.access_notes for text in event.translations.values())
    ):
        return None
    return event


def _edited_meanwhile(row: Mapping[str, Any], known: Event | None) -> bool:
    # A new revision may bring a new time, place or format, which the locked read left out.
    return known is not None and row["revision"] != known.revision


def _written(values: Mapping[str, Any]) -> list[Any]:
    return [
        json.dumps(values[name], ensure_ascii=False) if name == "answers" else values[name]
        for name in WRITTEN_COLUMNS
    ]


# --- SQLite: the whole transaction in one call on the writer's thread --------------------------

#: The locked read by whether the caller knows the event (then only its volatile columns).
_SQLITE_LOCKED = {
    False: _select_locked("sqlite", _EVENT_COLUMNS),
    True: _select_locked("sqlite", _KNOWN_EVENT_COLUMNS),
}
_SQLITE_EVENT = _select_event("sqlite")
_SQLITE_INSERT = _insert("sqlite")
_SQLITE_UPDATE = _update("sqlite")
_SQLITE_SEAT = {mode: _take_seat("sqlite", mode) for mode in AttendanceMode}


def _sqlite_register(
    connection: sqlite3.Connection,
    event_id: int,
    email_key: str,
    mode: AttendanceMode,
    now: dt.datetime,
    decide: Callable[[Locked], Write | None],
    known: Event | None,
) -> tuple[Locked, Registration | None, int]:
    """Runs on the writer's thread, inside the caller's BEGIN IMMEDIATE … COMMIT."""
    row = connection.execute(
        _SQLITE_LOCKED[known is not None], (event_id, email_key, mode.value, now)
    ).fetchone()
    if row is None:
        raise NotFound(str(event_id))
    if _edited_meanwhile(row, known):
        row = {**row, **connection.execute(_SQLITE_EVENT, (event_id,)).fetchone()}
        known = None
    locked = _locked(row, mode, known)
    write = decide(locked)
    if write is None:
        return locked, None, 0
    seat = write.seat
    if seat is not None and connection.execute(_SQLITE_SEAT[seat], (event_id,)).fetchone() is None:
        raise CapacityConflict(f"event {event_id}: no {seat.value} seat left")
    if locked.existing is None:
        # SQLite gives the id itself: NULL is "the next one".
        args = [None, event_id, now, *_written(write.values)]
        stored = connection.execute(_SQLITE_INSERT, args).fetchone()
    else:
        stored = connection.execute(
            _SQLITE_UPDATE, [locked.existing.id, *_written(write.values)]
        ).fetchone()
    registration = registration_from_row(stored)
    mails = write.mails(registration)
    if mails:
        connection.execute(
            _outbox_insert_sqlite(len(mails)),
            [value for mail in mails for value in _outbox_values(mail, registration.id, now)],
        )
    return locked, registration, len(mails)


# --- PostgreSQL: a locked read, then one statement with every write -----------------------------

_PG_LOCKED = {
    False: _select_locked("postgres", _EVENT_COLUMNS),
    True: _select_locked("postgres", _KNOWN_EVENT_COLUMNS),
}
_PG_EVENT = _select_event("postgres")
_PG_LOCK = 'SELECT id FROM "event" WHERE id = {} FOR UPDATE'

_OUTBOX_TYPES = (
    "text[]",
    "int[]",
    "int[]",
    "text[]",
    "text[]",
    "json[]",
    "text[]",
    "timestamptz[]",
    "timestamptz[]",
    "timestamptz[]",
)


def _pg_writes(seat: AttendanceMode | None, *, new: bool) -> str:
    """One statement: seat, registration and mails; ``seated`` says whether the seat was there.

    Without the seat the caller raises and the transaction rolls back, writes and all.
    """
    write = _insert("postgres") if new else _update("postgres")
    first = (3 if new else 1) + len(WRITTEN_COLUMNS) + 1
    parts = []
    seated = "1"
    if seat is not None:
        taken, capacity = SEAT_COLUMNS[seat]
        parts.append(
            f'seat AS (UPDATE event SET "{taken}" = "{taken}" + 1 WHERE id = ${first} '  # noqa: S608
            f'AND ("{capacity}" IS NULL OR "{taken}" < "{capacity}") RETURNING id)'
        )
        seated = "(SELECT COUNT(*) FROM seat)"
        first += 1
    parts.append(f"stored AS ({write})")
    unnest = ", ".join(f"${first + index}::{kind}" for index, kind in enumerate(_OUTBOX_TYPES))
    columns = ", ".join(f'"{name}"' for name in OUTBOX_COLUMNS)
    parts.append(
        f"mail AS (INSERT INTO outbox ({columns}) SELECT * FROM unnest({unnest}))"  # noqa: S608
    )
    return f"WITH {', '.join(parts)} SELECT stored.*, {seated} AS seated FROM stored"  # noqa: S608


_PG_WRITES = {
    (seat, new): _pg_writes(seat, new=new)
    for seat in (None, *AttendanceMode)
    for new in (True, False)
}


@contextlib.asynccontextmanager
async def _pg_connection(engine: PostgresEngine) -> AsyncIterator[asyncpg.Connection]:
    if engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
        return
    # No pool (short-lived command-line use): a connection of its own, as Piccolo does.
    connection = await engine.get_new_connection()
    try:
        yield connection
    finally:
        await connection.close()


async def _pg_register(
    engine: PostgresEngine,
    event_id: int,
    email_key: str,
    mode: AttendanceMode,
    now: dt.datetime,
    decide: Callable[[Locked], Write | None],
    known: Event | None,
) -> tuple[Locked, Mapping[str, Any] | None, int]:
    async with _pg_connection(engine) as connection:
        # BEGIN and the row lock in one round trip (simple protocol; the id is an int). The
        # read is a statement of its own so that its snapshot, taken once the lock is held,
        # sees what the previous holder committed (a FOR UPDATE read sees only the locked row
        # anew, not the registrations joined to it).
        await connection.execute(f"BEGIN; {_PG_LOCK.format(int(event_id))}")
        try:
            locked, stored, mails = await _pg_transaction(
                connection, event_id, email_key, mode, now, decide, known
            )
        except BaseException:
            # A broken connection is terminated by the pool, which rolls back anyway.
            with contextlib.suppress(Exception):
                await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")
        # Parsed by the caller once the lock is given back (and the commit is counted):
        # nothing under the lock needs the stored registration.
        return locked, stored, mails


async def _pg_transaction(
    connection: asyncpg.Connection,
    event_id: int,
    email_key: str,
    mode: AttendanceMode,
    now: dt.datetime,
    decide: Callable[[Locked], Write | None],
    known: Event | None,
) -> tuple[Locked, asyncpg.Record | None, int]:
    """Lock held: the locked read, ``decide``, the writes; the stored row comes back raw."""
    row = await connection.fetchrow(
        _PG_LOCKED[known is not None], event_id, email_key, mode.value, now
    )
    if row is None:
        raise NotFound(str(event_id))
    if _edited_meanwhile(row, known):
        event_row = await connection.fetchrow(_PG_EVENT, event_id)
        assert event_row is not None  # locked, so still there
        row = {**row, **event_row}
        known = None
    locked = _locked(row, mode, known)
    write = decide(locked)
    if write is None:
        return locked, None, 0
    existing = locked.existing
    registration_id = int(row["new_id"]) if existing is None else existing.id
    # The mails are built from the registration as it will be stored; the row the
    # statement returns is the one the caller gets.
    planned = registration_from_row(
        {
            **_kept(existing),
            **write.values,
            "id": registration_id,
            "event": event_id,
            "created_at": now if existing is None else existing.created_at,
        }
    )
    mails = write.mails(planned)
    rows = [_outbox_values(mail, registration_id, now) for mail in mails]
    outbox = [[row[index] for row in rows] for index in range(len(OUTBOX_COLUMNS))]
    values = _written(write.values)
    args: list[Any] = (
        [registration_id, event_id, now, *values]
        if existing is None
        else [registration_id, *values]
    )
    if write.seat is not None:
        args.append(event_id)
    statement = _PG_WRITES[write.seat, existing is None]
    stored = await connection.fetchrow(statement, *args, *outbox)
    if stored is None or not stored["seated"]:
        raise CapacityConflict(f"event {event_id}: no {mode.value} seat left")
    return locked, stored, len(mails)


def _kept(existing: Registration | None) -> dict[str, Any]:
    if existing is None:
        return dict(KEPT_COLUMNS)
    return {name: getattr(existing, name) for name in KEPT_COLUMNS}


async def register(
    db: Database,
    event_id: int,
    email_key: str,
    mode: AttendanceMode,
    now: dt.datetime,
    decide: Callable[[Locked], Write | None],
    *,
    event: Event | None = None,
) -> tuple[Locked, Registration | None]:
    """Lock the event, let ``decide`` rule, write what it says; all in one transaction.

    ``event`` is the event as the caller read it (without access data), if it did: the locked
    read then only reads anew what may have changed without the revision, and the whole event
    only if its revision moved meanwhile. ``Locked.event`` is the event as stored either way.

    ``decide`` runs under the lock (on SQLite on the writer's thread: it must not await or
    block). It returns ``None`` to write nothing, or raises to roll back; its exception is
    raised here. Returns what the locked read found and the stored registration (``None`` if
    nothing was written). Raises :class:`NotFound` for an unknown event and
    :class:`CapacityConflict` if the database refused a seat the rules gave.
    """
    engine = db.engine
    known = _known(event, event_id)
    if isinstance(engine, KeptSQLiteEngine):
        locked, registration, mails = await engine.run_in_writer(
            lambda connection: _sqlite_register(
                connection, event_id, email_key, mode, now, decide, known
            )
        )
        _committed(db, locked, None if registration is None else registration.status, mails)
    elif isinstance(engine, PostgresEngine):
        locked, stored, mails = await _pg_register(
            engine, event_id, email_key, mode, now, decide, known
        )
        # Counted before the stored row is parsed: it is committed whatever parsing does.
        _committed(
            db, locked, None if stored is None else RegistrationStatus(stored["status"]), mails
        )
        registration = None if stored is None else registration_from_row(stored)
    else:  # pragma: no cover - only the two engines above serve the app
        raise TypeError(f"unsupported engine: {type(engine).__name__}")
    return locked, registration


def _committed(db: Database, locked: Locked, status: RegistrationStatus | None, mails: int) -> None:
    """Tell this process what a committed registration (of ``status``, if any) changed."""
    if status is not None and changes_public_view(status, locked.waiting):
        db.writes_committed += 1
    if mails:
        db.mail_waiting.set()
