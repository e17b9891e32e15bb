"""Marking online attendance: by hand, from an uploaded list, for Zoom (both databases)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.db.database import Database
from app.db.tables import AuditEntry
from app.domain.attendance import RowProblem
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.funder_report import Tally
from app.domain.model import (
    AttendanceMode,
    AttendanceSource,
    EventFormat,
    Registration,
    RegistrationStatus,
    Seats,
)
from app.services import attendance, organiser_registrations, registrations
from app.services.funder_report import funder_report
from tests.conftest import registration_request

ACTOR = Actor(id=None, name="Olena Koval")


async def _register(db: Database, slug: str, email: str, now: dt.datetime, **fields: Any):
    request = registration_request(email, **fields)
    return (await registrations.register(db, slug, request, now)).registration


@pytest.fixture
async def hybrid(db: Database, event_factory, now: dt.datetime):
    """A hybrid event: three confirmed online, one confirmed in person, one online waiting,
    one online cancelled; and an online event of its own with one confirmed participant."""
    event = await event_factory(
        slug="runde",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(5, 0),
        online_seats=Seats(4, 0),
    )
    people = {}
    for name in ("on1", "on2", "on3", "gone"):
        people[name] = await _register(db, "runde", f"{name}@stadt.example", now, mode="online")
    people["room"] = await _register(db, "runde", "room@stadt.example", now, mode="in_person")
    people["wait"] = await _register(
        db, "runde", "wait@stadt.example", now + dt.timedelta(minutes=1), mode="online"
    )
    await registrations.cancel(db, people["gone"].token, now)
    other = await event_factory(slug="andere", format=EventFormat.ONLINE)
    people["other"] = await _register(db, "andere", "other@stadt.example", now, mode="online")
    assert people["wait"].status is RegistrationStatus.WAITLISTED
    # The cancelled seat moved on to the waiting one.
    assert (await _by_email(event.id))["wait@stadt.example"].status is RegistrationStatus.CONFIRMED
    return event, other, people


async def _by_email(event_id: int) -> dict[str, Registration]:
    return {r.email: r for r in await registrations.list_for_event(event_id)}


async def _audit() -> list[dict]:
    return await AuditEntry.select().order_by(AuditEntry.id)


async def test_marks_only_confirmed_online_registrations_of_the_event(db, hybrid, now):
    event, other, people = hybrid
    ids = [r.id for r in people.values()]

    changed = await attendance.mark_attended_online(
        db, event.id, ids, source=AttendanceSource.ZOOM, now=now, actor=ACTOR
    )

    after = await _by_email(event.id)
    marked = {email for email, r in after.items() if r.attended_online_at is not None}
    assert marked == {f"{name}@stadt.example" for name in ("on1", "on2", "on3", "wait")}
    assert changed == 4
    assert {after[e].attendance_source for e in marked} == {AttendanceSource.ZOOM}
    assert {after[e].attended_online_at for e in marked} == {now}
    # The other event's participant is untouched although their id was given.
    assert (await _by_email(other.id))["other@stadt.example"].attended_online_at is None
    [entry] = await _audit()
    assert entry["action"] == AuditAction.ATTENDED_ONLINE.value
    assert entry["event"] == event.id
    assert entry["detail"] == "count=4 source=zoom"


async def test_marking_again_changes_nothing_and_keeps_the_first_source(db, hybrid, now):
    event, _, people = hybrid
    first = [people["on1"].id]
    assert (
        await attendance.mark_attended_online(
            db, event.id, first, source=AttendanceSource.ORGANISER, now=now, actor=ACTOR
        )
        == 1
    )
    later = now + dt.timedelta(hours=1)
    assert (
        await attendance.mark_attended_online(
            db, event.id, first * 3, source=AttendanceSource.ZOOM, now=later, actor=ACTOR
        )
        == 0
    )
    on1 = (await _by_email(event.id))["on1@stadt.example"]
    assert (on1.attended_online_at, on1.attendance_source) == (now, AttendanceSource.ORGANISER)
    [entry] = await _audit()
    assert entry["subject"] == people["on1"].id
    assert entry["detail"] == "count=1 source=organiser"


async def test_unmarking_takes_back_only_what_was_marked(db, hybrid, now):
    event, _, people = hybrid
    await attendance.mark_attended_online(
        db, event.id, [people["on1"].id], source=AttendanceSource.IMPORT, now=now, actor=None
    )
    ids = [people["on1"].id, people["on2"].id, people["room"].id]
    assert await attendance.unmark_attended_online(db, event.id, ids, now=now, actor=ACTOR) == 1
    assert await attendance.unmark_attended_online(db, event.id, ids, now=now, actor=ACTOR) == 0
    on1 = (await _by_email(event.id))["on1@stadt.example"]
    assert (on1.attended_online_at, on1.attendance_source) == (None, None)
    [entry] = await _audit()  # actor None recorded nothing; the one undo is there
    assert entry["action"] == AuditAction.ATTENDED_ONLINE_UNDONE.value


async def test_no_ids_or_unknown_ids_change_nothing(db, hybrid, now):
    event, _, _ = hybrid
    assert (
        await attendance.mark_attended_online(
            db, event.id, [], source=AttendanceSource.ZOOM, now=now, actor=ACTOR
        )
        == 0
    )
    assert (
        await attendance.mark_attended_online(
            db, event.id, [999_999], source=AttendanceSource.ZOOM, now=now, actor=ACTOR
        )
        == 0
    )
    assert await _audit() == []


async def test_an_imported_list_marks_everyone_on_it(db, hybrid, now):
    event, _, _ = hybrid
    data = (
        "\ufeffName;E-Mail\nEins;ON1@stadt.example\nZwei;on2@stadt.example\n"
        "Eins wieder;on1@stadt.example\n"
    ).encode()

    outcome = await attendance.import_attendance(db, event.id, data, now=now, actor=ACTOR)

    assert outcome.errors == []
    assert (outcome.listed, outcome.marked, outcome.repeated) == (2, 2, [4])
    after = await _by_email(event.id)
    assert after["on1@stadt.example"].attendance_source is AttendanceSource.IMPORT
    assert after["on2@stadt.example"].attended_online_at == now
    assert after["on3@stadt.example"].attended_online_at is None
    [entry] = await _audit()
    assert entry["detail"] == "count=2 source=import"


async def test_a_list_with_any_bad_row_imports_nothing(db, hybrid, now):
    event, _, _ = hybrid
    data = (
        b"E-Mail\n"
        b"on1@stadt.example\n"  # fine
        b"fremd@nirgends.example\n"  # unknown
        b"other@stadt.example\n"  # someone of another event
        b"room@stadt.example\n"  # in person
        b"gone@stadt.example\n"  # cancelled
        b"=cmd|' /C calc'!A0\n"  # a formula
        b"Anna|anna@x.example\n"  # a wrong delimiter: no such address here
    )

    outcome = await attendance.import_attendance(db, event.id, data, now=now, actor=ACTOR)

    assert [(e.row, e.problem) for e in outcome.errors] == [
        (3, RowProblem.UNKNOWN),
        (4, RowProblem.UNKNOWN),
        (5, RowProblem.NOT_ONLINE),
        (6, RowProblem.NOT_CONFIRMED),
        (7, RowProblem.FORMULA),
        (8, RowProblem.UNKNOWN),
    ]
    assert outcome.marked == 0
    assert all(r.attended_online_at is None for r in (await _by_email(event.id)).values())
    assert await _audit() == []


async def test_importing_into_an_unknown_event_is_not_found(db, now):
    with pytest.raises(NotFound):
        await attendance.import_attendance(db, 999_999, b"a@b.example", now=now, actor=None)


async def test_the_funder_report_counts_check_ins_and_online_attendance_per_mode(db, hybrid, now):
    event, _, people = hybrid
    await organiser_registrations.set_checked_in(db, event.id, people["room"].id, True, now)
    await attendance.mark_attended_online(
        db,
        event.id,
        [people["on1"].id, people["on2"].id],
        source=AttendanceSource.ORGANISER,
        now=now,
        actor=None,
    )

    report = await funder_report(event.id)

    assert report.total.attended == 3
    assert report.by_mode[AttendanceMode.ONLINE].attended == 2
    assert report.by_mode[AttendanceMode.IN_PERSON].attended == 1
    everyone = await registrations.list_for_event(event.id)
    for mode, tally in report.by_mode.items():
        people_in_mode = [p for p in everyone if p.mode is mode]
        assert tally == Tally(
            registered=sum(p.status is not RegistrationStatus.CANCELLED for p in people_in_mode),
            confirmed=sum(p.status is RegistrationStatus.CONFIRMED for p in people_in_mode),
            attended=sum(
                p.checked_in_at is not None or p.attended_online_at is not None
                for p in people_in_mode
            ),
            cancelled=sum(p.status is RegistrationStatus.CANCELLED for p in people_in_mode),
        )


async def test_the_participants_page_lists_confirmed_online_people_by_name(db, hybrid, now):
    event, _, _ = hybrid
    overview = await attendance.online_participants(event.id)
    emails = [r.email for r in overview.participants]
    assert sorted(emails) == sorted(
        ["on1@stadt.example", "on2@stadt.example", "on3@stadt.example", "wait@stadt.example"]
    )
    assert overview.attended == 0
