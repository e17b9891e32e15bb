"""The audit trail: each organiser action writes exactly one entry, in the change's transaction.

Entries name the acting organiser (copied name), the event and a registration's or token's id,
never a registrant's personal data; they go with the retention period like registrations' data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from app.db.tables import AuditEntry as AuditTable
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import COMMAND_LINE, SYSTEM, Actor, AuditAction
from app.domain.errors import InvalidInput
from app.domain.materials import MaterialsDraft
from app.domain.model import RegistrationStatus, Seats
from app.services import (
    api_tokens,
    audit,
    event_admin,
    event_changes,
    materials,
    organiser_mail,
    organiser_registrations,
    organisers,
    registrations,
    retention,
)
from app.services.events import get_with_access
from app.services.organiser_mail import Audience, Message
from tests.conftest import registration_request

ACTOR = Actor(id=7, name="Olena Koval")
RETENTION = dt.timedelta(days=90)
#: The registrants' data no entry may hold.
PERSONAL = ("Dmytro", "Shevchenko", "dmytro@example.org", "Громада Житомир", "Referent")


async def _entries() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await AuditTable.select().order_by(AuditTable.id)
    return rows


def _no_personal_data(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        text = " ".join(str(value) for value in row.values()).casefold()
        for value in PERSONAL:
            assert value.casefold() not in text, (value, row)


def _person(email: str = "dmytro@example.org"):
    return registration_request(
        email,
        first_name="Dmytro",
        last_name="Shevchenko",
        organisation="Громада Житомир",
        job_title="Referent",
    )


async def _only(action: AuditAction, **expected: object) -> dict[str, Any]:
    rows = await _entries()
    assert [row["action"] for row in rows] == [action.value], rows
    row = rows[0]
    assert row["organiser"] == ACTOR.id
    assert row["organiser_name"] == ACTOR.name
    for key, value in expected.items():
        assert row[key] == value, (key, row)
    _no_personal_data(rows)
    await AuditTable.delete(force=True)
    return row


async def test_each_event_action_writes_one_entry(db, event_factory, now):
    event = await event_factory(slug="werkstatt")

    copy = await event_admin.duplicate(db, event.id, now, actor=ACTOR)
    await _only(AuditAction.EVENT_DUPLICATED, event=copy.id, detail=f"from={event.id}")

    await event_admin.publish(db, copy.id, now, actor=ACTOR)
    await _only(AuditAction.EVENT_PUBLISHED, event=copy.id, subject=None)
    await event_admin.unpublish(db, copy.id, now, actor=ACTOR)
    await _only(AuditAction.EVENT_UNPUBLISHED, event=copy.id)

    current = await get_with_access(event.id)
    edited = dataclasses.replace(current, title="Werkstatt 2", venue_name="Rathaus")
    await event_changes.change_event(
        db, event.id, edited, notify=False, message="", now=now, actor=ACTOR
    )
    row = await _only(AuditAction.EVENT_EDITED, event=event.id)
    assert set(row["detail"].split(",")) == {"title", "venue_name"}

    await materials.save(db, event.id, MaterialsDraft(report="Gut war’s."), now, actor=ACTOR)
    await _only(AuditAction.MATERIALS_SAVED, event=event.id)

    await event_changes.cancel_event(db, event.id, message="", now=now, actor=ACTOR)
    await _only(AuditAction.EVENT_CANCELLED, event=event.id)


async def test_each_registration_action_writes_one_entry_with_the_id_only(db, event_factory, now):
    event = await event_factory(slug="tagung", in_person_seats=Seats(1, 0))
    first = await registrations.register_by_organiser(db, event.id, _person(), now, actor=ACTOR)
    reg_id = first.registration.id
    await _only(AuditAction.REGISTRATION_ADDED, event=event.id, subject=reg_id)

    await organiser_registrations.set_checked_in(db, event.id, reg_id, True, now, actor=ACTOR)
    await _only(AuditAction.CHECKED_IN, event=event.id, subject=reg_id)
    # Done already: nothing changes, nothing is recorded.
    await organiser_registrations.set_checked_in(db, event.id, reg_id, True, now, actor=ACTOR)
    assert await _entries() == []
    await organiser_registrations.set_checked_in(db, event.id, reg_id, False, now, actor=ACTOR)
    await _only(AuditAction.CHECK_IN_UNDONE, event=event.id, subject=reg_id)

    message = Message("Hinweis", "Bitte pünktlich.", Audience.ALL)
    await organiser_mail.send(db, event.id, message, now, actor=ACTOR)
    row = await _only(AuditAction.MESSAGE_SENT, event=event.id)
    assert "recipients=1" in row["detail"]

    waiting = await registrations.register_by_organiser(
        db, event.id, _person("zweite@example.org"), now, actor=None
    )
    assert waiting.registration.status is RegistrationStatus.WAITLISTED
    await EventTable.update({EventTable.capacity_in_person: 2}).where(EventTable.id == event.id)
    await registrations.promote_waiting(db, event.id, now, actor=ACTOR)
    await _only(AuditAction.REGISTRATION_PROMOTED, subject=waiting.registration.id)

    await registrations.cancel_by_organiser(db, event.id, reg_id, now, actor=ACTOR)
    await _only(AuditAction.REGISTRATION_CANCELLED, event=event.id, subject=reg_id)

    await audit.export_started(db, ACTOR, event.id, "xlsx", now)
    await _only(AuditAction.EXPORT_DOWNLOADED, event=event.id, detail="format=xlsx")

    await retention.delete_registration_data(db, event.id, reg_id, now, actor=ACTOR)
    await _only(AuditAction.PERSONAL_DATA_DELETED, event=event.id, subject=reg_id)


async def test_tokens_and_accounts(db, now):
    account = await organisers.create_organiser(
        db, "neu@example.org", "ein-langes-passwort-42", "Neu", actor=COMMAND_LINE, now=now
    )
    rows = await _entries()
    assert [(r["action"], r["organiser"], r["subject"]) for r in rows] == [
        (AuditAction.ORGANISER_CREATED.value, None, account.id)
    ]
    assert rows[0]["organiser_name"] == COMMAND_LINE.name
    await AuditTable.delete(force=True)
    await organisers.set_password(
        db, "neu@example.org", "noch-ein-langes-passwort", actor=COMMAND_LINE, now=now
    )
    assert [r["action"] for r in await _entries()] == [AuditAction.ORGANISER_CHANGED.value]
    await AuditTable.delete(force=True)

    created = await api_tokens.create(db, account.id, "Excel", now, actor=ACTOR)
    row = await _only(AuditAction.API_TOKEN_CREATED, subject=created.info.id, event=None)
    assert created.secret not in str(row)
    await api_tokens.revoke(db, account.id, created.info.id, now, actor=ACTOR)
    await _only(AuditAction.API_TOKEN_REVOKED, subject=created.info.id)


async def test_a_failed_change_writes_no_entry(db, event_factory, now):
    event = await event_factory(slug="voll", in_person_seats=Seats(5, 0))
    await registrations.register(db, "voll", _person(), now)
    # Unpublishing with people registered is refused inside the transaction.
    with pytest.raises(InvalidInput):
        await event_admin.unpublish(db, event.id, now, actor=ACTOR)
    # A capacity below the seats taken is refused after the lock, inside the transaction.
    current = await get_with_access(event.id)
    shrunk = dataclasses.replace(current, in_person_seats=Seats(0, 0))
    with pytest.raises(InvalidInput):
        await event_changes.change_event(
            db, event.id, shrunk, notify=False, message="", now=now, actor=ACTOR
        )
    # Publishing what is already published changes nothing.
    await event_admin.publish(db, event.id, now, actor=ACTOR)
    assert await _entries() == []


async def test_the_entry_rolls_back_with_its_change(db, event_factory, now, monkeypatch):
    """The entry and the change commit together: a failure after the entry undoes both."""
    event = await event_factory(slug="zurueck")
    from app.services import changes

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mail queue broke")

    monkeypatch.setattr(changes, "stop_event_mail", broken)
    with pytest.raises(RuntimeError):
        await event_changes.cancel_event(db, event.id, message="", now=now, actor=ACTOR)
    assert (await get_with_access(event.id)).status is event.status
    assert await _entries() == []


async def test_pages_are_newest_first_and_filtered(db, event_factory, now):
    event = await event_factory(slug="viele")
    for minute in range(55):
        await audit.record(
            db,
            ACTOR,
            AuditAction.EXPORT_DOWNLOADED,
            now=now + dt.timedelta(minutes=minute),
            event_id=event.id,
        )
    await audit.record(db, ACTOR, AuditAction.API_TOKEN_CREATED, now=now, subject_id=1)
    first = await audit.entries(event_id=event.id)
    assert (first.total, first.pages, len(first.entries)) == (55, 2, 50)
    assert first.entries[0].at == now + dt.timedelta(minutes=54)
    second = await audit.entries(event_id=event.id, page=2)
    assert len(second.entries) == 5
    tokens = await audit.entries(action=AuditAction.API_TOKEN_CREATED)
    assert [entry.subject_id for entry in tokens.entries] == [1]
    assert (await audit.entries()).total == 56


async def test_retention_deletes_old_entries_with_the_same_job(db, event_factory, now):
    event = await event_factory(slug="alt")
    reg = await registrations.register(db, "alt", _person(), now - dt.timedelta(days=120))
    await audit.record(
        db, ACTOR, AuditAction.CHECKED_IN, now=now - dt.timedelta(days=91), event_id=event.id
    )
    await audit.record(
        db, ACTOR, AuditAction.CHECKED_IN, now=now - dt.timedelta(days=89), event_id=event.id
    )
    await EventTable.update(
        {
            EventTable.starts_at: now - dt.timedelta(days=100, hours=2),
            EventTable.ends_at: now - dt.timedelta(days=100),
        }
    ).where(EventTable.id == event.id)
    assert await retention.anonymise_expired(db, now, RETENTION) == 1
    rows = await _entries()
    assert [(r["action"], r["at"] > now - RETENTION) for r in rows] == [
        (AuditAction.CHECKED_IN.value, True),
        (AuditAction.PERSONAL_DATA_ANONYMISED.value, True),
    ]
    assert rows[1]["organiser_name"] == SYSTEM.name
    assert rows[1]["subject"] == reg.registration.id
    _no_personal_data(rows)
    anonymised = await RegistrationTable.select(RegistrationTable.anonymised_at).first()
    assert anonymised is not None
    assert anonymised["anonymised_at"] is not None
