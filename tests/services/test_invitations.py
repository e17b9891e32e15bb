"""Importing invitees: all rows or none, in one transaction, in batches; addresses invited
before are errors of their rows; sending once per invitee with a hashed link secret;
invitation-only events accept only invited addresses, through the registration service.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets

import pytest

from app.db.database import Database
from app.db.tables import AuditEntry, Outbox
from app.db.tables import Invitation as InvitationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput, NotFound
from app.domain.invitations import (
    ALREADY_INVITED,
    DUPLICATE,
    EMPTY_FILE,
    FORMULA,
    NOT_UTF8,
    TOO_LARGE,
    Invitee,
    RowError,
    read_invitees,
)
from app.domain.model import EventStatus, Language, RegistrationStatus
from app.services import invitations, registrations
from tests.conftest import registration_request

ORGANISER = Actor(id=7, name="Team")
HEADER = "Name;E-Mail;Organisation;Sprache\r\n"
LIMIT = 1_000_000


def csv_file(text: str, *, bom: bool = True) -> io.BytesIO:
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


async def import_text(db: Database, event_id: int, text: str, now, **options):
    return await invitations.import_invitees(
        db, event_id, csv_file(text), now, max_bytes=LIMIT, **options
    )


async def invited() -> list[str]:
    rows = await InvitationTable.select(InvitationTable.email_normalised).order_by(
        InvitationTable.id
    )
    return [row["email_normalised"] for row in rows]


async def test_a_file_with_any_error_stores_nothing(db: Database, event_factory, now) -> None:
    event = await event_factory()
    # 600 right rows first: a whole batch is written before the wrong rows are read.
    good = "".join(f"P {n};p{n}@example.org;;de\r\n" for n in range(600))
    text = HEADER + good + "Ben;=cmd|' /C calc'!A0;;de\r\nAnna;P1@example.org;;en\r\n"
    report = await import_text(db, event.id, text, now, actor=ORGANISER)
    assert not report.imported
    assert report.added == 0
    assert report.errors == (
        RowError(602, "email", FORMULA),
        RowError(603, "email", DUPLICATE, first_line=3),
    )
    assert await invited() == []
    assert await AuditEntry.count() == 0


async def test_a_right_file_is_stored_whole_and_a_second_may_not_repeat_it(
    db: Database, event_factory, now
) -> None:
    event = await event_factory()
    first = HEADER + "Anna Alpha;anna@example.org;Stadt;de\r\nBen Beta;ben@example.org;;uk\r\n"
    report = await import_text(db, event.id, first, now, actor=ORGANISER)
    assert (report.imported, report.added) == (True, 2)
    second = "name,email\nAnna,ANNA@example.org \nCleo,cleo@example.org\n"
    report = await import_text(db, event.id, second, now, actor=ORGANISER)
    assert report.errors == (RowError(2, "email", ALREADY_INVITED),)
    assert await invited() == ["anna@example.org", "ben@example.org"]
    (anna,) = await InvitationTable.select().where(InvitationTable.email == "anna@example.org")
    assert (anna["first_name"], anna["last_name"], anna["organisation"]) == (
        "Anna",
        "Alpha",
        "Stadt",
    )
    assert anna["created_at"] == now
    assert anna["sent_at"] is None
    (entry,) = await AuditEntry.select()
    assert entry["action"] == AuditAction.INVITEES_IMPORTED.value
    assert (entry["event"], entry["detail"]) == (event.id, "2")


async def test_files_that_cannot_be_read_are_refused_whole(
    db: Database, event_factory, now
) -> None:
    event = await event_factory()
    latin = io.BytesIO((HEADER + "Jürgen;j@example.org;;de\r\n").encode("cp1252"))
    report = await invitations.import_invitees(db, event.id, latin, now, max_bytes=LIMIT)
    assert report.file_error == NOT_UTF8
    assert (await import_text(db, event.id, "", now)).file_error == EMPTY_FILE
    assert (await import_text(db, event.id, HEADER, now)).file_error == EMPTY_FILE
    big = csv_file(HEADER + "Anna;anna@example.org;;de\r\n")
    report = await invitations.import_invitees(db, event.id, big, now, max_bytes=20)
    assert report.file_error == TOO_LARGE
    assert await invited() == []
    with pytest.raises(NotFound):
        await import_text(db, 999_999, HEADER + "A;a@example.org;;de\r\n", now)


async def test_ten_thousand_rows_are_imported_and_one_bad_last_row_stores_none(
    db: Database, event_factory, now
) -> None:
    """The suite's size; 100,000 rows are timed in tests/bench/test_invitation_import.py."""
    event = await event_factory()
    body = io.BytesIO()
    body.write(b"\xef\xbb\xbf" + HEADER.encode())
    for number in range(10_000):
        body.write(f"Person {number};p{number}@example.org;Gemeinde {number % 97};de\r\n".encode())
    other = await event_factory(slug="andere")
    report = await invitations.import_invitees(db, event.id, body, now, max_bytes=LIMIT)
    assert (report.imported, report.rows, report.added) == (True, 10_000, 10_000)
    assert await InvitationTable.count() == 10_000
    body.seek(0, io.SEEK_END)
    body.write(b"Last;not an address;;de\r\n")
    report = await invitations.import_invitees(db, other.id, body, now, max_bytes=LIMIT)
    assert report.errors == (RowError(10_002, "email", "invalid_email"),)
    assert await InvitationTable.count().where(InvitationTable.event == other.id) == 0


async def test_invitation_only_accepts_invited_addresses_only(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(invitation_only=True)
    await import_text(db, event.id, HEADER + "Anna;Anna@Example.org;;de\r\n", now)
    with pytest.raises(InvalidInput) as refused:
        await registrations.register(db, event.slug, registration_request("eve@example.org"), now)
    assert refused.value.errors == {"email": "not_invited"}
    # A wrong address is told as wrong, not as uninvited.
    with pytest.raises(InvalidInput) as refused:
        await registrations.register(db, event.slug, registration_request("no address"), now)
    assert refused.value.errors == {"email": "invalid_email"}
    # Trimmed and case-insensitive.
    anna = await registrations.register(
        db, event.slug, registration_request("  anna@example.ORG "), now
    )
    assert anna.registration.status is RegistrationStatus.CONFIRMED
    # Invited to one event is not invited to another invitation-only one.
    other = await event_factory(slug="andere", invitation_only=True)
    with pytest.raises(InvalidInput):
        await registrations.register(db, other.slug, registration_request("anna@example.org"), now)
    # An event open to all takes anyone; organisers add whoever they want.
    open_event = await event_factory(slug="offen")
    assert (
        await registrations.register(db, open_event.slug, registration_request("e@x.org"), now)
    ).created
    added = await registrations.register_by_organiser(
        db, event.id, registration_request("guest@example.org"), now
    )
    assert added.created


async def test_sending_enqueues_one_invitation_each_once_with_a_hashed_secret(
    db: Database, event_factory, now
) -> None:
    event = await event_factory()
    text = HEADER + "".join(f"P {n};p{n}@example.org;Org;uk\r\n" for n in range(1_200))
    await import_text(db, event.id, text, now)
    assert await invitations.send_invitations(db, event.id, now, actor=ORGANISER) == 1_200
    assert await invitations.send_invitations(db, event.id, now) == 0
    mails = await Outbox.select().where(Outbox.kind == "invitation").order_by(Outbox.id)
    assert len(mails) == 1_200
    assert (await invitations.summary(event.id)).sent == 1_200
    first = mails[0]
    payload = first["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert (first["recipient"], first["language"], payload["name"]) == (
        "p0@example.org",
        "uk",
        "P 0",
    )
    token = payload["invitation"]
    (row,) = await InvitationTable.select().where(InvitationTable.email == "p0@example.org")
    # Only the hash is stored, and the link finds its invitee by it.
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(row, default=str)
    assert row["sent_at"] == now
    view = await invitations.invitation_view(token)
    assert (view.first_name, view.last_name, view.email) == ("P", "0", "p0@example.org")
    assert (view.organisation, view.language, view.event.id) == ("Org", Language.UK, event.id)
    (entry,) = await AuditEntry.select().where(
        AuditEntry.action == AuditAction.INVITATIONS_SENT.value
    )
    assert entry["detail"] == "1200"


async def test_forged_and_altered_links_are_not_found(db: Database, event_factory, now) -> None:
    event = await event_factory()
    await import_text(db, event.id, HEADER + "Anna;anna@example.org;;de\r\n", now)
    await invitations.send_invitations(db, event.id, now)
    (mail,) = await Outbox.select()
    payload = mail["payload"]
    token = (json.loads(payload) if isinstance(payload, str) else payload)["invitation"]
    middle = len(token) // 2
    # A whole character in the middle changed (the last one's low bits may decode alike).
    altered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    for forged in (altered, secrets.token_urlsafe(32), "", "x" * 300, "../" + token):
        with pytest.raises(NotFound):
            await invitations.invitation_view(forged)
    assert (await invitations.invitation_view(token)).email == "anna@example.org"


async def test_nothing_is_sent_for_an_unpublished_event(db: Database, event_factory, now) -> None:
    event = await event_factory(status=EventStatus.DRAFT)
    await import_text(db, event.id, HEADER + "Anna;anna@example.org;;de\r\n", now)
    assert await invitations.send_invitations(db, event.id, now) == 0
    assert await Outbox.count() == 0
    assert await invitations.unsent_count(event.id) == 1


async def test_the_list_pages_and_tells_who_registered(db: Database, event_factory, now) -> None:
    event = await event_factory()
    text = HEADER + "".join(f"P {n};p{n}@example.org;;de\r\n" for n in range(60))
    await import_text(db, event.id, text, now)
    await registrations.register(db, event.slug, registration_request("P3@example.org"), now)
    summary = await invitations.summary(event.id)
    assert (summary.invited, summary.sent, summary.registered) == (60, 0, 1)
    first = await invitations.invitee_page(event.id, 1, summary.invited)
    assert (first.page, first.pages, len(first.lines)) == (1, 2, invitations.PAGE_SIZE)
    assert [line.registration_status for line in first.lines[:5]] == [
        "",
        "",
        "",
        "confirmed",
        "",
    ]
    assert first.lines[0].imported_at == now
    last = await invitations.invitee_page(event.id, 9, summary.invited)
    assert (last.page, [line.email for line in last.lines][-1]) == (2, "p59@example.org")


async def test_invitees_are_deleted_with_the_retention_period(
    db: Database, event_factory, now
) -> None:
    import datetime as dt

    from app.services import retention

    past = await event_factory(
        slug="vorbei",
        starts_at=now - dt.timedelta(days=100),
        ends_at=now - dt.timedelta(days=100) + dt.timedelta(hours=2),
    )
    upcoming = await event_factory()
    for event in (past, upcoming):
        await import_text(db, event.id, HEADER + "Anna;anna@example.org;;de\r\n", now)
    await retention.anonymise_expired(db, now, dt.timedelta(days=90))
    left = await InvitationTable.select(InvitationTable.event)
    assert [row["event"] for row in left] == [upcoming.id]


def test_a_quoted_cell_may_hold_a_line_break_and_a_line_separator_ends_no_row() -> None:
    text = 'Name;E-Mail;Organisation\r\nAnna\u2028Alpha;anna@example.org;"Stadt\r\nRathaus"\r\n'
    (anna,) = list(read_invitees(invitations._lines(io.BytesIO(text.encode()))))
    assert isinstance(anna, Invitee)
    assert (anna.first_name, anna.last_name) == ("Anna", "Alpha")
    assert (anna.email, anna.organisation) == ("anna@example.org", "Stadt Rathaus")
