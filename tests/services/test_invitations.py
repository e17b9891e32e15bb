"""Importing invitees: all rows or none, in one transaction, 100,000 rows in bounded batches;
addresses invited before are kept; invitation-only events accept only the invited.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import io

import pytest

from app.db.database import Database
from app.db.tables import AuditEntry, Outbox
from app.db.tables import Invitation as InvitationTable
from app.domain.audit import Actor
from app.domain.errors import InvalidInput
from app.domain.invitations import DUPLICATE, FORMULA, NOT_UTF8, RowError
from app.domain.model import RegistrationStatus
from app.services import invitations, registrations
from tests.conftest import registration_request

ORGANISER = Actor(id=None, name="Team")
HEADER = "Name;E-Mail;Organisation;Sprache\r\n"


def csv_file(text: str, *, bom: bool = True) -> io.BytesIO:
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


async def invited() -> list[str]:
    rows = await InvitationTable.select(InvitationTable.email_normalised).order_by(
        InvitationTable.id
    )
    return [row["email_normalised"] for row in rows]


async def test_a_file_with_any_error_stores_nothing(db: Database, event_factory, now) -> None:
    event = await event_factory()
    text = (
        HEADER
        + "Anna;anna@example.org;;de\r\nBen;=cmd|' /C calc'!A0;;de\r\nAnna;ANNA@example.org;;en\r\n"
    )
    report = await invitations.import_invitees(db, event.id, csv_file(text), now, actor=ORGANISER)
    assert not report.imported
    assert report.errors == (RowError(3, "email", FORMULA), RowError(4, "email", DUPLICATE))
    assert await invited() == []
    assert await AuditEntry.count() == 0


async def test_a_right_file_is_stored_whole_and_again_keeps_what_was_there(
    db: Database, event_factory, now
) -> None:
    event = await event_factory()
    first = HEADER + "Anna Alpha;anna@example.org;Stadt;de\r\nBen Beta;ben@example.org;;uk\r\n"
    report = await invitations.import_invitees(db, event.id, csv_file(first), now, actor=ORGANISER)
    assert (report.imported, report.added, report.already_invited) == (True, 2, 0)
    tokens = {row["email"]: row["token"] for row in await InvitationTable.select()}
    second = "name,email\nAnna,anna@example.org\nCleo,cleo@example.org\n"
    report = await invitations.import_invitees(
        db, event.id, csv_file(second, bom=False), now, actor=ORGANISER
    )
    assert (report.added, report.already_invited) == (1, 1)
    assert await invited() == ["anna@example.org", "ben@example.org", "cleo@example.org"]
    # Anna's link still works: her row was kept as it was.
    kept = await InvitationTable.select().where(InvitationTable.email == "anna@example.org")
    assert kept[0]["token"] == tokens["anna@example.org"]
    assert kept[0]["name"] == "Anna Alpha"
    assert await AuditEntry.count() == 2


async def test_a_file_that_is_not_utf8_is_refused(db: Database, event_factory, now) -> None:
    event = await event_factory()
    latin = io.BytesIO((HEADER + "Jürgen;j@example.org;;de\r\n").encode("cp1252"))
    report = await invitations.import_invitees(db, event.id, latin, now)
    assert report.file_error == NOT_UTF8
    assert await invited() == []


async def test_a_hundred_thousand_rows_are_imported(db: Database, event_factory, now) -> None:
    event = await event_factory()
    body = io.BytesIO()
    body.write(b"\xef\xbb\xbf" + HEADER.encode())
    for number in range(100_000):
        body.write(f"Person {number};p{number}@example.org;Gemeinde {number % 97};de\r\n".encode())
    report = await invitations.import_invitees(db, event.id, body, now, actor=ORGANISER)
    assert (report.imported, report.rows, report.added) == (True, 100_000, 100_000)
    assert await InvitationTable.count() == 100_000
    # One bad row at the very end of such a file leaves nothing behind either.
    other = await event_factory(slug="andere")
    body.seek(0, io.SEEK_END)
    body.write(b"Last;not an address;;de\r\n")
    report = await invitations.import_invitees(db, other.id, body, now)
    assert report.errors == (RowError(100_002, "email", "invalid_email"),)
    assert await InvitationTable.count().where(InvitationTable.event == other.id) == 0


async def test_invitation_only_accepts_invited_addresses_and_invitation_links(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(invitation_only=True)
    text = HEADER + "Anna;Anna@Example.org;;de\r\nBen;ben@example.org;;de\r\n"
    await invitations.import_invitees(db, event.id, csv_file(text), now)
    with pytest.raises(InvalidInput) as refused:
        await registrations.register(db, event.slug, registration_request("eve@example.org"), now)
    assert refused.value.errors == {"email": "not_invited"}
    # The normalised address matches.
    anna = await registrations.register(
        db, event.slug, registration_request("anna@example.ORG"), now
    )
    assert anna.registration.status is RegistrationStatus.CONFIRMED
    # Ben's link lets him register with another address; another event's link does not.
    found = (
        await InvitationTable.select(InvitationTable.token)
        .where(InvitationTable.email == "ben@example.org")
        .first()
    )
    assert found is not None
    ben_token = found["token"]
    ben = registration_request("ben.private@example.org", invitation=ben_token)
    assert (await registrations.register(db, event.slug, ben, now)).created
    other = await event_factory(slug="andere", invitation_only=True)
    with pytest.raises(InvalidInput):
        await registrations.register(db, other.slug, ben, now)
    forged = registration_request("eve@example.org", invitation=ben_token[:-1] + "A")
    with pytest.raises(InvalidInput):
        await registrations.register(db, event.slug, forged, now)
    # Organisers add whoever they want.
    added = await registrations.register_by_organiser(
        db, event.id, registration_request("guest@example.org"), now
    )
    assert added.created


async def test_sending_enqueues_one_invitation_each_once(db: Database, event_factory, now) -> None:
    event = await event_factory()
    text = HEADER + "".join(f"P {n};p{n}@example.org;;uk\r\n" for n in range(1_200))
    await invitations.import_invitees(db, event.id, csv_file(text), now)
    assert await invitations.send_invitations(db, event.id, now, actor=ORGANISER) == 1_200
    assert await invitations.send_invitations(db, event.id, now) == 0
    assert await Outbox.count().where(Outbox.kind == "invitation") == 1_200
    assert (await invitations.summary(event.id)).sent == 1_200
