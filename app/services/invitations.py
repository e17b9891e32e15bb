"""Invitations: import an event's invitees from CSV, send their personal invitations, tell
whether an address may register for an invitation-only event, and list the invitees.

An import is one transaction: the file is read once, one row at a time; rows are checked and,
while no row was wrong, written in batches of :data:`BATCH_SIZE` (``app.db.bulk``: one
executemany, or COPY on PostgreSQL). The first wrong row stops the writing (the rest is still
checked, so every error is reported) and the transaction is rolled back: a file is stored whole
or not at all. 100,000 rows take seconds and hold one row, one batch and 16 bytes per address
(the duplicate check) in memory.

The invitation link's secret is made when the invitation is enqueued; the table keeps its
SHA-256 only (as for API tokens), the secret travels in the mail's payload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from typing import IO, Any

from app.db import bulk, outbox
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Invitation as InvitationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput, NotFound
from app.domain.invitations import (
    EMPTY_FILE,
    NOT_UTF8,
    TOO_LARGE,
    FileError,
    Invitee,
    RowError,
    email_digest,
    read_invitees,
)
from app.domain.mail import MailKind
from app.domain.model import Event, EventStatus, Language, RegistrationRequest
from app.domain.outbox import NewMail
from app.domain.validation import (
    NOT_INVITED,
    is_token_shaped,
    normalise_email,
    validate_registration,
)
from app.services import audit
from app.services.events import get_with_access

#: Rows written per INSERT, and invitations enqueued per batch.
BATCH_SIZE = 2_000
#: Row errors reported in full; beyond these only their number.
SHOWN_ERRORS = 100
#: Invitees per page of the organisers' list.
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: the rows it stored, or why it stored none."""

    #: Rows in the file that named an invitee.
    rows: int = 0
    #: Stored (0 when anything was wrong).
    added: int = 0
    #: The first :data:`SHOWN_ERRORS` errors, in file order.
    errors: tuple[RowError, ...] = ()
    error_count: int = 0
    #: Why the file as a whole could not be read (``no_email_column``, ``not_utf8`` …).
    file_error: str = ""

    @property
    def imported(self) -> bool:
        """Whether the rows were stored (no error anywhere)."""
        return not self.file_error and not self.error_count


class _Refused(Exception):
    """Leaves the import's transaction, rolling it back, with the report to give."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.file_error or str(report.error_count))
        self.report = report


@dataclass(frozen=True, slots=True)
class InvitationSummary:
    """An event's invitations in numbers."""

    invited: int
    sent: int
    registered: int


@dataclass(frozen=True, slots=True)
class InviteeLine:
    """One invitee as the organisers' list shows them."""

    id: int
    first_name: str
    last_name: str
    email: str
    organisation: str
    language: str
    imported_at: dt.datetime
    sent_at: dt.datetime | None
    #: The status of their registration (``confirmed`` …); empty: not registered.
    registration_status: str


@dataclass(frozen=True, slots=True)
class InviteePage:
    lines: tuple[InviteeLine, ...]
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What an invitation link pre-fills, and the event it is for."""

    event: Event
    first_name: str
    last_name: str
    email: str
    organisation: str
    language: Language


def token_hash(token: str) -> str:
    """What the table keeps of an invitation link's secret (256 random bits: SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _lines(stream: IO[bytes]) -> Generator[str]:
    """The file's lines, decoded as UTF-8 (with or without a byte order mark), one at a time.

    ``newline=""`` as the csv module wants: lines end only at CR, LF or CR LF, kept as they are,
    so a quoted cell may hold a line break (and U+2028 in a name ends no row).
    """
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        # Not ``yield from``: closing this generator would close the wrapper, and the file.
        for line in text:  # noqa: UP028
            yield line
    except UnicodeDecodeError as error:
        raise FileError(NOT_UTF8) from error
    finally:
        # The caller owns the file: the wrapper must not close it.
        text.detach()


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


async def import_invitees(
    db: Database,
    event_id: int,
    stream: IO[bytes],
    now: dt.datetime,
    *,
    max_bytes: int,
    actor: Actor | None = None,
) -> ImportReport:
    """Store every invitee of the CSV file ``stream``, or none if any row is wrong.

    Raises :class:`NotFound` for an unknown event.
    """
    await get_with_access(event_id)
    if _size(stream) > max_bytes:
        return ImportReport(file_error=TOO_LARGE)
    try:
        async with db.transaction():
            # Two imports at once: the second waits, then sees the first one's addresses.
            await db.lock_event(event_id)
            report = await _import(db, event_id, stream, now)
            await audit.record(
                db,
                actor,
                AuditAction.INVITEES_IMPORTED,
                now=now,
                event_id=event_id,
                detail=str(report.added),
            )
    except _Refused as refused:
        return refused.report
    return report


async def _import(db: Database, event_id: int, stream: IO[bytes], now: dt.datetime) -> ImportReport:
    """The import's work inside its transaction; raises :class:`_Refused` to roll it back."""
    known = await InvitationTable.select(InvitationTable.email_normalised).where(
        InvitationTable.event == event_id
    )
    invited = {email_digest(row["email_normalised"]) for row in known}
    rows = added = error_count = 0
    errors: list[RowError] = []
    batch: list[Invitee] = []
    lines = _lines(stream)
    try:
        for row in read_invitees(lines, invited):
            rows += 1
            if isinstance(row, list):
                error_count += len(row)
                errors.extend(row[: max(0, SHOWN_ERRORS - len(errors))])
            elif not error_count:
                batch.append(row)
                if len(batch) == BATCH_SIZE:
                    added += await _store(db, event_id, batch, now)
                    batch = []
    except FileError as error:
        raise _Refused(ImportReport(rows=rows, file_error=error.code)) from error
    finally:
        # A file refused early leaves its reader open: closed now, while the file still is.
        lines.close()
    if error_count:
        raise _Refused(ImportReport(rows=rows, errors=tuple(errors), error_count=error_count))
    if not rows:
        raise _Refused(ImportReport(file_error=EMPTY_FILE))
    if batch:
        added += await _store(db, event_id, batch, now)
    return ImportReport(rows=rows, added=added)


#: The columns an imported invitee fills, in the order of :func:`_store`'s values.
_COLUMNS = (
    "event",
    "first_name",
    "last_name",
    "email",
    "email_normalised",
    "organisation",
    "language",
    "created_at",
)


async def _store(db: Database, event_id: int, batch: list[Invitee], now: dt.datetime) -> int:
    """Insert ``batch`` in one round trip (the driver's executemany); returns how many rows."""
    rows = [
        (
            event_id,
            invitee.first_name,
            invitee.last_name,
            invitee.email,
            invitee.email_key,
            invitee.organisation,
            invitee.language.value,
            now,
        )
        for invitee in batch
    ]
    await bulk.insert_many(db.engine, "invitation", _COLUMNS, rows)
    return len(batch)


_SUMMARY = """
SELECT COUNT(*) AS invited,
       COUNT(i.sent_at) AS sent,
       COUNT(r.id) AS registered
FROM "invitation" i
LEFT JOIN "registration" r
  ON r.event = i.event AND r.email_normalised = i.email_normalised AND r.status <> 'cancelled'
WHERE i.event = {}
"""

_PAGE = """
SELECT i.id, i.first_name, i.last_name, i.email, i.organisation, i.language, i.created_at,
       i.sent_at, r.status AS registration_status
FROM "invitation" i
LEFT JOIN "registration" r ON r.event = i.event AND r.email_normalised = i.email_normalised
WHERE i.event = {}
ORDER BY i.id
LIMIT {} OFFSET {}
"""


async def summary(event_id: int) -> InvitationSummary:
    """How many are invited, how many were sent their invitation, how many registered."""
    (row,) = await InvitationTable.raw(_SUMMARY, event_id)
    return InvitationSummary(
        invited=int(row["invited"]), sent=int(row["sent"]), registered=int(row["registered"])
    )


async def invitee_page(event_id: int, page: int, total: int) -> InviteePage:
    """Page ``page`` (from 1) of the event's ``total`` invitees, in import order."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = await InvitationTable.raw(_PAGE, event_id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    lines = tuple(
        InviteeLine(
            id=row["id"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            organisation=row["organisation"],
            language=row["language"],
            imported_at=row["created_at"],
            sent_at=row["sent_at"],
            registration_status=row["registration_status"] or "",
        )
        for row in rows
    )
    return InviteePage(lines=lines, page=page, pages=pages)


async def unsent_count(event_id: int) -> int:
    """How many invitees have not been sent their invitation yet."""
    count = await InvitationTable.count().where(
        InvitationTable.event == event_id, InvitationTable.sent_at.is_null()
    )
    return int(count)


async def send_invitations(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> int:
    """Enqueue one personal invitation to every invitee not yet sent one; returns how many.

    One transaction: the invitations and their marks commit together, so sending again (a
    double click, a second organiser) sends nobody twice. Only for a published event (the
    outbox would hold back an invitation to any other): else nothing is sent or marked.
    """
    event = await get_with_access(event_id)
    if event.status is not EventStatus.PUBLISHED:
        return 0
    sent = 0
    async with db.transaction():
        await db.lock_event(event_id)
        while True:
            rows: list[dict[str, Any]] = await (
                InvitationTable.select(
                    InvitationTable.id,
                    InvitationTable.first_name,
                    InvitationTable.last_name,
                    InvitationTable.email,
                    InvitationTable.language,
                )
                .where(InvitationTable.event == event_id, InvitationTable.sent_at.is_null())
                .order_by(InvitationTable.id)
                .limit(BATCH_SIZE)
            )
            if not rows:
                break
            tokens = {row["id"]: secrets.token_urlsafe(32) for row in rows}
            mails = [
                NewMail(
                    kind=MailKind.INVITATION,
                    event_id=event_id,
                    registration_id=None,
                    recipient=row["email"],
                    language=Language(row["language"]),
                    send_after=now,
                    payload={
                        "name": f"{row['first_name']} {row['last_name']}".strip(),
                        "invitation": tokens[row["id"]],
                    },
                )
                for row in rows
            ]
            await outbox.enqueue_many(db, mails, now)
            marks = [(token_hash(token), now, key) for key, token in tokens.items()]
            await bulk.update_many(db.engine, "invitation", ("token_hash", "sent_at"), "id", marks)
            sent += len(rows)
        await audit.record(
            db, actor, AuditAction.INVITATIONS_SENT, now=now, event_id=event_id, detail=str(sent)
        )
    return sent


async def invitation_view(token: str) -> InvitationView:
    """The invitation behind a link, with its event (published or cancelled): :class:`NotFound`
    for any other token, a draft, or an event that is not invitation's."""
    if not is_token_shaped(token):
        raise NotFound("invitation")
    # A lookup by the hash: the hash of a guess tells nothing about any stored secret.
    row: dict[str, Any] | None = (
        await InvitationTable.select()
        .where(InvitationTable.token_hash == token_hash(token))
        .first()
    )
    if row is None:
        raise NotFound("invitation")
    event = await get_with_access(row["event"])
    if event.status is EventStatus.DRAFT:
        raise NotFound("invitation")
    return InvitationView(
        event=event,
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        organisation=row["organisation"],
        language=Language(row["language"]),
    )


async def is_invited(event_id: int, email: str) -> bool:
    """Whether ``email`` (trimmed, case-folded) is among the event's invitees."""
    invited = await InvitationTable.exists().where(
        InvitationTable.event == event_id,
        InvitationTable.email_normalised == normalise_email(email),
    )
    return bool(invited)


async def require_invited(event: Event, request: RegistrationRequest) -> None:
    """The gate of invitation-only events: raises :class:`InvalidInput` at the email field for
    an address not invited. Checked once the form is otherwise right, so a mistyped address
    is told as mistyped; events open to all pass at once."""
    if not event.invitation_only:
        return
    registrant = validate_registration(event, request)
    if not await is_invited(event.id, registrant.email):
        raise InvalidInput({"email": NOT_INVITED})


async def set_invitation_only(
    db: Database, event_id: int, value: bool, now: dt.datetime, *, actor: Actor | None = None
) -> Event:
    """Make the event invitation-only or open to all; returns it. Nobody is mailed (the time
    and place did not change, so the revision stays)."""
    async with db.transaction():
        await get_with_access(event_id)
        await EventTable.update(
            {EventTable.invitation_only: value, EventTable.updated_at: now}
        ).where(EventTable.id == event_id)
        await audit.record(
            db,
            actor,
            AuditAction.EVENT_EDITED,
            now=now,
            event_id=event_id,
            detail=f"invitation_only={'on' if value else 'off'}",
        )
    return await get_with_access(event_id)


async def delete_expired(db: Database, now: dt.datetime, retention: dt.timedelta) -> int:
    """Delete the invitees of events that ended more than ``retention`` ago; returns how many
    events had any (run with the anonymisation of their registrations)."""
    ended = await EventTable.select(EventTable.id).where(EventTable.ends_at < now - retention)
    event_ids = [row["id"] for row in ended]
    if not event_ids:
        return 0
    async with db.transaction():
        held = (
            await InvitationTable.select(InvitationTable.event)
            .distinct()
            .where(InvitationTable.event.is_in(event_ids))
        )
        await InvitationTable.delete().where(InvitationTable.event.is_in(event_ids))
    return len(held)
