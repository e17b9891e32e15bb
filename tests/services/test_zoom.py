"""The Zoom reconciler against the Zoom stand-in: meetings, registrants, the report, failures.

Every test runs a real HTTP server (``tests/zoom_standin.py``) on 127.0.0.1 and the real client;
the clock is the test's, so retries and the report's moment need no sleeping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from app.db.database import Database
from app.db.tables import AuditEntry, ZoomMeeting, ZoomRegistrant
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.model import AttendanceMode, Event, EventFormat, Registration, Seats
from app.domain.zoom import SyncState
from app.logs import uvicorn_log_config
from app.services import event_changes, registrations, retention, zoom
from app.services.zoom import ZoomReconciler
from app.settings import Settings
from app.zoom.client import ZoomClient
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.zoom_standin import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, ZoomStandIn, running_standin

ORGANISER = Actor(id=1, name="Orga")


@pytest.fixture
def standin() -> Iterator[ZoomStandIn]:
    with running_standin() as server:
        yield server


def zoom_settings(standin: ZoomStandIn, **overrides: object) -> Settings:
    fields: dict[str, object] = {
        "secret_key": "x" * 32,
        "zoom_account_id": ACCOUNT_ID,
        "zoom_client_id": CLIENT_ID,
        "zoom_client_secret": CLIENT_SECRET,
        "zoom_api_url": standin.api_url,
        "zoom_oauth_url": standin.oauth_url,
        "zoom_timeout": 5.0,
        "zoom_retry_seconds": 60.0,
        "zoom_max_attempts": 4,
    }
    fields.update(overrides)
    return Settings(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def reconciler(
    db: Database, standin: ZoomStandIn, clock: ManualClock
) -> AsyncIterator[ZoomReconciler]:
    worker = ZoomReconciler(db, zoom_settings(standin), clock=clock)
    yield worker
    await worker.client.close()


async def online_event(event_factory, **overrides: object) -> Event:
    event: Event = await event_factory(
        format=EventFormat.ONLINE,
        in_person_seats=Seats(None, 0),
        online_seats=Seats(50, 0),
        **overrides,
    )
    return event


async def register(
    db: Database, event: Event, email: str, now: dt.datetime, first_name: str = "Olena"
) -> Registration:
    request = registration_request(email, mode="online", first_name=first_name)
    outcome = await registrations.register(db, event.slug, request, now)
    return outcome.registration


async def meeting_of(standin: ZoomStandIn, event_id: int):
    row = await ZoomMeeting.select().where(ZoomMeeting.event == event_id).first()
    assert row is not None
    assert row["meeting_id"], row
    return standin.meetings[row["meeting_id"]]


async def test_an_asked_for_meeting_is_created_with_topic_start_duration_and_zone(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory, title="Online-Runde Energie")
    assert await zoom.request_meeting(db, event.id, now=now, actor=ORGANISER)
    assert not await zoom.request_meeting(db, event.id, now=now, actor=ORGANISER)

    report = await reconciler.sync()

    assert report.created == 1
    meeting = await meeting_of(standin, event.id)
    # make_event: a week after 2026-11-20 09:00 UTC, four hours; 10:00 in Berlin (CET).
    assert meeting.payload == {
        "topic": "Online-Runde Energie",
        "type": 2,
        "start_time": "2026-11-27T10:00:00",
        "duration": 240,
        "timezone": "Europe/Berlin",
        "settings": {"approval_type": 0, "registration_type": 1},
    }
    state = await zoom.status(event.id)
    assert state is not None
    assert (state.state, state.has_meeting, state.last_error) == (SyncState.SYNCED, True, "")
    # Nothing changed: the next pass makes no call at all.
    before = len(standin.requests)
    assert await reconciler.sync() == type(report)()
    assert len(standin.requests) == before
    # One token for all of it, asked for with the account's credentials.
    assert standin.tokens_issued == 1
    entries = await AuditEntry.select().where(AuditEntry.event == event.id)
    assert [entry["action"] for entry in entries] == [AuditAction.ZOOM_MEETING_REQUESTED.value]


async def test_in_person_events_get_no_meeting(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await event_factory()
    assert not await zoom.request_meeting(db, event.id, now=now, actor=ORGANISER)
    await reconciler.sync()
    assert standin.meetings == {}


async def test_registrants_get_their_own_join_urls_and_a_cancellation_removes_one(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    first = await register(db, event, "olena@example.org", now, first_name="Olena")
    second = await register(db, event, "jonas@example.org", now, first_name="Jonas")

    report = await reconciler.sync()

    assert (report.created, report.added) == (1, 2)
    meeting = await meeting_of(standin, event.id)
    by_email = {r.email: r for r in meeting.registrants.values()}
    assert set(by_email) == {"olena@example.org", "jonas@example.org"}
    assert by_email["olena@example.org"].first_name == "Olena"
    first_url = await zoom.personal_join_url(first.id)
    second_url = await zoom.personal_join_url(second.id)
    assert first_url == by_email["olena@example.org"].join_url
    assert second_url == by_email["jonas@example.org"].join_url
    assert first_url != second_url

    await registrations.cancel(db, first.token, now)
    report = await reconciler.sync()

    assert report.removed == 1
    assert by_email["olena@example.org"].status == "cancelled"
    assert by_email["jonas@example.org"].status == "approved"
    cancel = standin.calls("PUT", "/registrants/status")[-1]
    assert cancel.body == {
        "action": "cancel",
        "registrants": [
            {"id": by_email["olena@example.org"].registrant_id, "email": "olena@example.org"}
        ],
    }
    assert await zoom.personal_join_url(first.id) is None
    assert await zoom.personal_join_url(second.id) == second_url


async def test_only_confirmed_online_seats_become_registrants(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await event_factory(
        format=EventFormat.HYBRID, in_person_seats=Seats(10, 0), online_seats=Seats(1, 0)
    )
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    online = await register(db, event, "a@example.org", now)
    waiting = await register(db, event, "b@example.org", now)
    in_person = await registrations.register(
        db, event.slug, registration_request("c@example.org", mode="in_person"), now
    )
    assert waiting.status.value == "waitlisted"
    assert in_person.registration.mode is AttendanceMode.IN_PERSON

    await reconciler.sync()

    meeting = await meeting_of(standin, event.id)
    assert [r.email for r in meeting.registrants.values()] == ["a@example.org"]
    # The online seat frees up: the waiting person moves up and becomes a registrant, the
    # cancelled one is removed.
    await registrations.cancel(db, online.token, now)
    await reconciler.sync()
    states = {r.email: r.status for r in meeting.registrants.values()}
    assert states == {"a@example.org": "cancelled", "b@example.org": "approved"}


async def test_moving_the_event_updates_the_meeting(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)

    later = event.starts_at + dt.timedelta(days=1, hours=2)
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    await event_changes.change_event(db, event.id, moved, notify=False, message="", now=now)
    report = await reconciler.sync()

    assert report.updated == 1
    patch = standin.calls("PATCH", f"/meetings/{meeting.meeting_id}")
    assert len(patch) == 1
    assert patch[0].body["start_time"] == "2026-11-28T12:00:00"
    assert patch[0].body["duration"] == 60
    assert meeting.payload["start_time"] == "2026-11-28T12:00:00"
    assert (await reconciler.sync()).updated == 0


async def test_cancelling_the_event_deletes_its_meeting_and_every_join_url(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
) -> None:
    event = await online_event(event_factory)
    other = await online_event(event_factory, title="Andere Online-Runde", slug="andere-runde")
    for each in (event, other):
        await zoom.request_meeting(db, each.id, now=now, actor=None)
    person = await register(db, event, "olena@example.org", now)
    bystander = await register(db, other, "jonas@example.org", now)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)
    kept = await meeting_of(standin, other.id)
    assert await zoom.personal_join_url(person.id)

    await event_changes.cancel_event(db, event.id, message="", now=now)
    # Zoom answers 500 once: the deletion waits and is tried again, not given up.
    standin.fail(500, match=f"/meetings/{meeting.meeting_id}", method="DELETE")
    report = await reconciler.sync()
    assert (report.deleted, report.retried) == (0, 1)
    assert meeting.meeting_id in standin.meetings
    clock.advance(seconds=60)
    report = await reconciler.sync()

    assert report.deleted == 1
    assert meeting.meeting_id not in standin.meetings
    deletion = standin.calls("DELETE", f"/meetings/{meeting.meeting_id}")[-1]
    # Zoom mails nobody: the registrants hear of the cancellation from us, in their language.
    assert deletion.query == {
        "schedule_for_reminder": ["false"],
        "cancel_meeting_reminder": ["false"],
    }
    assert await zoom.personal_join_url(person.id) is None
    row = await ZoomRegistrant.select().where(ZoomRegistrant.registration == person.id).first()
    assert row is not None
    assert (row["join_url"], row["state"]) == ("", SyncState.REMOVED.value)
    state = await zoom.status(event.id)
    assert state is not None
    assert (state.state, state.last_error) == (SyncState.REMOVED, "")
    # Once gone, later passes leave it be; the other event's meeting is untouched.
    before = len(standin.requests)
    assert (await reconciler.sync()).deleted == 0
    assert len(standin.requests) == before
    assert kept.meeting_id in standin.meetings
    assert await zoom.personal_join_url(bystander.id)


async def test_a_meeting_deleted_at_zoom_by_hand_counts_as_deleted(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)
    del standin.meetings[meeting.meeting_id]

    await event_changes.cancel_event(db, event.id, message="", now=now)
    report = await reconciler.sync()

    assert (report.deleted, report.failed) == (1, 0)
    state = await zoom.status(event.id)
    assert state is not None
    assert state.state is SyncState.REMOVED


async def test_deleting_personal_data_forgets_the_zoom_join_url(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    gone = await register(db, event, "olena@example.org", now)
    stays = await register(db, event, "jonas@example.org", now)
    await reconciler.sync()
    assert await zoom.personal_join_url(gone.id)

    await retention.delete_registration_data(db, event.id, gone.id, now)

    assert await zoom.personal_join_url(gone.id) is None
    row = await ZoomRegistrant.select().where(ZoomRegistrant.registration == gone.id).first()
    assert row is not None
    assert row["join_url"] == ""
    assert await zoom.personal_join_url(stays.id)


async def test_a_worker_whose_claim_was_taken_over_writes_nothing(
    db: Database, event_factory, reconciler: ZoomReconciler, clock: ManualClock, now
) -> None:
    """A call that outlasted its lease: another worker claimed the row meanwhile, and the
    first one's late answer must not overwrite what the second records."""
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    row = await ZoomMeeting.select().where(ZoomMeeting.event == event.id).first()
    assert row is not None
    first = await reconciler._claim(ZoomMeeting, row)
    assert first == 1
    clock.advance(seconds=reconciler.lease.total_seconds() + 1)
    row = await ZoomMeeting.select().where(ZoomMeeting.event == event.id).first()
    assert row is not None
    assert await reconciler._claim(ZoomMeeting, row) == 2

    late = {ZoomMeeting.meeting_id: "81000000999", ZoomMeeting.state: SyncState.SYNCED.value}
    await reconciler._succeeded(ZoomMeeting, row["id"], late, claimed=first)

    row = await ZoomMeeting.select().where(ZoomMeeting.event == event.id).first()
    assert row is not None
    assert (row["meeting_id"], row["state"], row["attempts"]) == ("", "pending", 2)


async def test_the_participants_report_marks_online_attendance_once(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    came = await register(db, event, "came@example.org", now)
    joined_as_guest = await register(db, event, "Guest@Example.org", now)
    absent = await register(db, event, "absent@example.org", now)
    cancelled = await register(db, event, "cancelled@example.org", now)
    await reconciler.sync()
    await registrations.cancel(db, cancelled.token, now)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)
    came_id = next(r.registrant_id for r in meeting.registrants.values() if r.email == came.email)
    cancelled_id = next(
        r.registrant_id for r in meeting.registrants.values() if r.email == cancelled.email
    )
    standin.attend(meeting.meeting_id, registrant_id=came_id, duration=3000)
    standin.attend(meeting.meeting_id, registrant_id=came_id, duration=200)  # joined twice
    standin.attend(meeting.meeting_id, email="guest@example.ORG")  # not through the link
    standin.attend(meeting.meeting_id, email="stranger@example.org")
    standin.attend(meeting.meeting_id, registrant_id=cancelled_id)

    # Before the event's end (and the report's delay) nobody asks for it.
    await reconciler.sync()
    assert standin.calls("GET", "/report/") == []

    clock.advance(days=8)
    report = await reconciler.sync()

    assert (report.reports, report.attended) == (1, 2)
    # Five lines at two a page: three pages followed by next_page_token.
    assert len(standin.calls("GET", "/report/")) == 3
    rows = {
        row["id"]: row
        for row in await RegistrationTable.select(
            RegistrationTable.id,
            RegistrationTable.attended_online_at,
            RegistrationTable.attendance_source,
        )
    }
    assert rows[came.id]["attendance_source"] == "zoom"
    assert rows[came.id]["attended_online_at"] == clock.now
    assert rows[joined_as_guest.id]["attendance_source"] == "zoom"
    assert rows[absent.id]["attended_online_at"] is None
    assert rows[cancelled.id]["attended_online_at"] is None
    # Recorded like an organiser's marking, with Zoom's report as the one who did it.
    [entry] = await AuditEntry.select().where(
        AuditEntry.event == event.id, AuditEntry.action == AuditAction.ATTENDED_ONLINE.value
    )
    assert entry["organiser_name"] == "Zoom report"
    assert "zoom" in entry["detail"]
    # Read once; after it the event is over for Zoom: nothing more is called.
    clock.advance(hours=1)
    calls = len(standin.requests)
    await registrations.cancel(db, came.token, clock.now)
    await reconciler.sync()
    assert len(standin.calls("GET", "/report/")) == 3
    assert len(standin.requests) == calls
    state = await zoom.status(event.id)
    assert state is not None
    assert state.report_fetched_at is not None


async def test_a_report_not_ready_is_asked_for_again_later(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    person = await register(db, event, "a@example.org", now)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)
    standin.attend(meeting.meeting_id, email=person.email)
    clock.advance(days=8)
    standin.fail(404, match="/report/")

    report = await reconciler.sync()

    assert (report.reports, report.retried) == (0, 1)
    state = await zoom.status(event.id)
    assert state is not None
    assert "HTTP 404" in state.last_error
    clock.advance(seconds=60)
    assert (await reconciler.sync()).attended == 1


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [(429, 120, 120), (500, None, 60), (503, None, 60), (502, 7, 7)],
)
async def test_temporary_failures_are_retried_after_their_delay(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
    status: int,
    retry_after: int | None,
    wait: int,
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    standin.fail(status, match="/users/me/meetings", retry_after=retry_after)

    report = await reconciler.sync()

    assert (report.created, report.retried, report.failed) == (0, 1, 0)
    state = await zoom.status(event.id)
    assert state is not None
    assert state.state is SyncState.PENDING
    assert f"HTTP {status}" in state.last_error
    assert state.next_attempt_at == now + dt.timedelta(seconds=wait)
    # Not due yet: no call.
    calls = len(standin.calls("POST", "/users/me/meetings"))
    clock.advance(seconds=wait - 1)
    await reconciler.sync()
    assert len(standin.calls("POST", "/users/me/meetings")) == calls
    clock.advance(seconds=1)
    assert (await reconciler.sync()).created == 1
    state = await zoom.status(event.id)
    assert state is not None
    assert (state.state, state.last_error) == (SyncState.SYNCED, "")


async def test_the_delay_grows_and_the_last_attempt_stops_until_an_organiser_retries(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    standin.fail(500, match="/users/me/meetings", times=4)
    waits = []
    for _ in range(3):
        await reconciler.sync()
        state = await zoom.status(event.id)
        assert state is not None
        assert state.next_attempt_at is not None
        waits.append((state.next_attempt_at - clock.now).total_seconds())
        clock.now = state.next_attempt_at
    assert waits == [60, 120, 240]
    report = await reconciler.sync()
    assert report.failed == 1
    state = await zoom.status(event.id)
    assert state is not None
    assert state.state is SyncState.FAILED
    assert state.last_error.startswith("gave up after 4 attempts")
    clock.advance(days=1)
    await reconciler.sync()
    assert len(standin.calls("POST", "/users/me/meetings")) == 4

    assert await zoom.retry(db, event.id, now=clock.now, actor=ORGANISER) == 1
    assert (await reconciler.sync()).created == 1
    actions = [
        row["action"] for row in await AuditEntry.select().where(AuditEntry.event == event.id)
    ]
    assert actions == [AuditAction.ZOOM_RETRIED.value]


@pytest.mark.parametrize("kind", ["garbage", "400"])
async def test_garbage_and_refusals_are_recorded_as_errors(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now, kind: str
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    person = await register(db, event, "a@example.org", now)
    if kind == "garbage":
        standin.garbage(match="/registrants")
    else:
        standin.fail(400, match="/registrants")

    report = await reconciler.sync()

    assert (report.created, report.added, report.failed) == (1, 0, 1)
    state = await zoom.status(event.id)
    assert state is not None
    [problem] = state.problems
    assert problem.registration_id == person.id
    assert problem.state is SyncState.FAILED
    expected = "not JSON" if kind == "garbage" else "HTTP 400: stand-in says 400"
    assert expected in problem.last_error
    assert await zoom.personal_join_url(person.id) is None
    # Stopped: no call until an organiser retries.
    await reconciler.sync()
    assert len(standin.calls("POST", "/registrants")) == 1
    await zoom.retry(db, event.id, now=now, actor=ORGANISER)
    assert (await reconciler.sync()).added == 1
    assert await zoom.personal_join_url(person.id) is not None


async def test_an_expired_token_is_renewed_once_and_the_call_goes_through(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    await reconciler.sync()
    await register(db, event, "a@example.org", now)
    standin.expire_tokens()

    report = await reconciler.sync()

    assert (report.added, report.retried, report.failed) == (1, 0, 0)
    assert standin.tokens_issued == 2


async def test_a_token_refused_twice_is_a_temporary_failure(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    standin.fail(401, match="/users/me/meetings", times=2)

    report = await reconciler.sync()

    assert report.retried == 1
    assert standin.tokens_issued == 2
    state = await zoom.status(event.id)
    assert state is not None
    assert "HTTP 401" in state.last_error


async def test_the_token_is_cached_until_shortly_before_it_expires(
    standin: ZoomStandIn, clock: ManualClock
) -> None:
    client = ZoomClient(zoom_settings(standin), clock=clock)
    try:
        first = await client.create_meeting(
            {
                "topic": "x",
                "type": 2,
                "start_time": "2026-11-27T10:00:00",
                "duration": 60,
                "timezone": "Europe/Berlin",
            }
        )
        await client.update_meeting(first.meeting_id, {"topic": "y"})
        assert standin.tokens_issued == 1
        clock.advance(seconds=3599 - 301)
        await client.update_meeting(first.meeting_id, {"topic": "z"})
        assert standin.tokens_issued == 1
        clock.advance(seconds=2)
        await client.update_meeting(first.meeting_id, {"topic": "w"})
        assert standin.tokens_issued == 2
    finally:
        await client.close()


async def test_a_registrant_already_gone_at_zoom_counts_as_removed(
    db: Database, event_factory, reconciler: ZoomReconciler, standin: ZoomStandIn, now
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    person = await register(db, event, "a@example.org", now)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)
    meeting.registrants.clear()  # deleted at Zoom by hand
    await registrations.cancel(db, person.token, now)

    report = await reconciler.sync()

    assert (report.removed, report.failed) == (1, 0)
    row = await ZoomRegistrant.select().where(ZoomRegistrant.registration == person.id).first()
    assert row is not None
    assert row["state"] == SyncState.REMOVED.value


async def test_registrations_go_on_while_zoom_is_down(
    db: Database,
    event_factory,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
) -> None:
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    # Nothing listens there: every call is a connection error.
    down = zoom_settings(
        standin, zoom_api_url="http://127.0.0.1:9/v2", zoom_oauth_url="http://127.0.0.1:9"
    )
    worker = ZoomReconciler(db, down, clock=clock)
    try:
        report = await worker.sync()
        people = [await register(db, event, f"p{i}@example.org", now) for i in range(3)]
        assert all(person.status.value == "confirmed" for person in people)
        assert report.retried == 1
        state = await zoom.status(event.id)
        assert state is not None
        assert state.state is SyncState.PENDING
        assert "connection failed" in state.last_error
    finally:
        await worker.client.close()
    # Zoom back: everything catches up.
    worker = ZoomReconciler(db, zoom_settings(standin), clock=clock)
    try:
        clock.advance(minutes=1)
        report = await worker.sync()
        assert (report.created, report.added) == (1, 3)
    finally:
        await worker.client.close()


async def test_no_secret_reaches_the_logs(
    db: Database,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    clock: ManualClock,
    now,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As the app's logging configures it: its own loggers at any level, the database driver's
    # DEBUG (every query's parameters) and httpx's INFO (every URL) kept quiet.
    config = uvicorn_log_config()
    assert config["loggers"]["httpx"]["level"] == "WARNING"
    assert config["loggers"]["aiosqlite"]["level"] == "INFO"
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="treffpunkt")
    caplog.set_level(logging.WARNING, logger="httpx")
    event = await online_event(event_factory)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    person = await register(db, event, "secret.person@example.org", now)
    standin.fail(500, match="/users/me/meetings")
    standin.fail(429, match="/registrants", retry_after=1)
    standin.garbage(match="/report/")
    tokens: list[str] = []
    for _ in range(4):
        await reconciler.sync()
        tokens.extend(standin.tokens)
        standin.expire_tokens()
        clock.advance(minutes=5)
    await registrations.cancel(db, person.token, now)
    await reconciler.sync()
    clock.advance(days=8)
    await reconciler.sync()
    meeting = await meeting_of(standin, event.id)

    assert caplog.records, "the reconciler logs what it does"
    text = caplog.text + "".join(str(record.args) for record in caplog.records)
    secrets_ = [CLIENT_SECRET, meeting.meeting_id, person.email, person.token, *tokens]
    secrets_ += [registrant.join_url for registrant in meeting.registrants.values()]
    assert tokens
    assert meeting.registrants
    for secret in secrets_:
        assert secret not in text
    assert CLIENT_SECRET not in repr(reconciler.settings)
