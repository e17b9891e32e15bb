"""Invitations: import an event's invitees from CSV, send their personal invitations, and tell
whether someone may register for an invitation-only event.

An import reads the file twice, one row at a time: first every row is checked (nothing is
written while any row is wrong), then every row is stored in one transaction, in batches, so a
file of 100,000 rows neither fills the memory nor leaves half a list behind. Addresses invited
before are kept as they were (their link stays valid).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from app.db import outbox
from app.db.database import Database
from app.db.tables import Invitation as InvitationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.invitations import NOT_UTF8, FileError, Invitee, RowError, read_invitees
from app.domain.mail import MailKind
from app.domain.model import Event, Language
from app.domain.outbox import NewMail
from app.domain.validation import is_token_shaped, normalise_email
from app.services import audit
from app.services.events import get_with_access

#: Rows written per statement, and invitations enqueued per batch.
BATCH_SIZE = 500
#: Row errors reported in full; beyond these only their number.
SHOWN_ERRORS = 100


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: stored rows, or why nothing was stored."""

    #: Rows in the file that named an invitee.
    rows: int = 0
    #: Newly invited (0 when anything was wrong).
    added: int = 0
    #: Addresses that were invited already (kept as they were).
    already_invited: int = 0
    #: The first :data:`SHOWN_ERRORS` errors, in file order.
    errors: tuple[RowError, ...] = ()
    error_count: int = 0
    #: Why the file as a whole could not be read (``no_email_column``, ``not_utf8`` …).
    file_error: str = ""

    @property
    def imported(self) -> bool:
        """Whether the rows were stored (no error anywhere)."""
        return not self.file_error and not self.error_count


@dataclass(frozen=True, slots=True)
class InvitationSummary:
    """An event's invitations for the organisers' page."""

    invited: int
    sent: int


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What an invitation link pre-fills, and the event it is for."""

    token: str
    event: Event
    name: str
    email: str
    organisation: str
    language: Language


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines, decoded as UTF-8 (with or without a byte order mark), one at a time."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    try:
        while chunk := stream.read(64 * 1024):
            pending += decoder.decode(chunk)
            *whole, pending = pending.splitlines(keepends=True) or [""]
            yield from whole
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FileError(NOT_UTF8) from error
    if pending:
        yield pending


def check_file(stream: IO[bytes]) -> ImportReport:
    """Read every row of ``stream`` and report what is wrong; nothing is stored."""
    rows = 0
    errors: list[RowError] = []
    count = 0
    try:
        for row in read_invitees(_lines(stream)):
            rows += 1
            if isinstance(row, list):
                count += len(row)
                errors.extend(row[: max(0, SHOWN_ERRORS - len(errors))])
    except FileError as error:
        return ImportReport(rows=rows, file_error=error.code)
    return ImportReport(rows=rows, errors=tuple(errors), error_count=count)


async def import_invitees(
    db: Database,
    event_id: int,
    stream: IO[bytes],
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> ImportReport:
    """Check the CSV file ``stream`` and, only if every row is right, store all its invitees.

    Raises :class:`NotFound` for an unknown event.
    """
    await get_with_access(event_id)
    checked = check_file(stream)
    if not checked.imported:
        return checked
    added = 0
    async with db.transaction():
        batch: list[Invitee] = []
        for row in read_invitees(_lines(stream)):
            assert not isinstance(row, list)  # checked above
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                added += await _store(event_id, batch, now)
                batch = []
        if batch:
            added += await _store(event_id, batch, now)
        await audit.record(
            db,
            actor,
            AuditAction.INVITEES_IMPORTED,
            now=now,
            event_id=event_id,
            detail=f"{added} of {checked.rows}",
        )
    return ImportReport(rows=checked.rows, added=added, already_invited=checked.rows - added)


#: The columns an imported invitee fills, in the order of :func:`_store`'s values.
_COLUMNS = (
    "event",
    "name",
    "email",
    "email_normalised",
    "organisation",
    "language",
    "token",
    "created_at",
)


async def _store(event_id: int, batch: list[Invitee], now: dt.datetime) -> int:
    """Insert ``batch`` in one statement; returns how many rows were new.

    Plain parameterised SQL: building a Piccolo object per row cost more than the insert.
    """
    row = "(" + ", ".join("{}" for _ in _COLUMNS) + ")"
    columns = ", ".join(f'"{name}"' for name in _COLUMNS)
    # Invited before: kept as it was, its link still valid (the unique index decides).
    query = (
        f'INSERT INTO "invitation" ({columns}) VALUES {", ".join([row] * len(batch))} '  # noqa: S608
        'ON CONFLICT ("event", "email_normalised") DO NOTHING RETURNING "id"'
    )
    values: list[Any] = []
    for invitee in batch:
        values.extend(
            (
                event_id,
                invitee.name,
                invitee.email,
                invitee.email_key,
                invitee.organisation,
                invitee.language.value,
                secrets.token_urlsafe(32),
                now,
            )
        )
    stored = await InvitationTable.raw(query, *values)
    return len(stored)


async def summary(event_id: int) -> InvitationSummary:
    """How many are invited, and to how many the invitation went out."""
    invited = await InvitationTable.count().where(InvitationTable.event == event_id)
    sent = await InvitationTable.count().where(
        InvitationTable.event == event_id, InvitationTable.sent_at.is_not_null()
    )
    return InvitationSummary(invited=int(invited), sent=int(sent))


async def send_invitations(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> int:
    """Enqueue one personal invitation to every invitee not yet sent one; returns how many.

    In one transaction, batch by batch: the invitations and their marks commit together.
    """
    await get_with_access(event_id)
    sent = 0
    async with db.transaction():
        while True:
            rows: list[dict[str, Any]] = await (
                InvitationTable.select(
                    InvitationTable.id,
                    InvitationTable.name,
                    InvitationTable.email,
                    InvitationTable.language,
                    InvitationTable.token,
                )
                .where(InvitationTable.event == event_id, InvitationTable.sent_at.is_null())
                .order_by(InvitationTable.id)
                .limit(BATCH_SIZE)
            )
            if not rows:
                break
            mails = [
                NewMail(
                    kind=MailKind.INVITATION,
                    event_id=event_id,
                    registration_id=None,
                    recipient=row["email"],
                    language=Language(row["language"]),
                    send_after=now,
                    payload={"name": row["name"], "invitation": row["token"]},
                )
                for row in rows
            ]
            await outbox.enqueue(db, mails, now)
            await InvitationTable.update({InvitationTable.sent_at: now}).where(
                InvitationTable.id.is_in([row["id"] for row in rows])
            )
            sent += len(rows)
        await audit.record(
            db, actor, AuditAction.INVITATIONS_SENT, now=now, event_id=event_id, detail=str(sent)
        )
    return sent


async def _by_token(token: str) -> dict[str, Any] | None:
    if not is_token_shaped(token):
        return None
    row: dict[str, Any] | None = (
        await InvitationTable.select().where(InvitationTable.token == token).first()
    )
    # The lookup is by index; the comparison that decides is constant-time.
    if row is None or not hmac.compare_digest(row["token"].encode(), token.encode()):
        return None
    return row


async def invitation_view(token: str) -> InvitationView:
    """The invitation behind a link, with its published event; :class:`NotFound` otherwise."""
    row = await _by_token(token)
    if row is None:
        raise NotFound("invitation")
    event = await get_with_access(row["event"])
    if event.status.value == "draft":
        raise NotFound("invitation")
    return InvitationView(
        token=row["token"],
        event=event,
        name=row["name"],
        email=row["email"],
        organisation=row["organisation"],
        language=Language(row["language"]),
    )


async def is_invited(event_id: int, email: str, token: str) -> bool:
    """Whether ``email`` (normalised) was invited to the event, or ``token`` is its invitation."""
    if token:
        row = await _by_token(token)
        if row is not None and row["event"] == event_id:
            return True
    invited = await InvitationTable.exists().where(
        InvitationTable.event == event_id,
        InvitationTable.email_normalised == normalise_email(email),
    )
    return bool(invited)
