"""The Zoom reconciler: makes Zoom hold what Treffpunkt says, never inside a registration.

Registrations, cancellations and event changes commit without a thought for Zoom. Each pass
here compares what should be — a meeting for every online or hybrid event whose organisers
asked for one, at the event's current revision; a registrant for every confirmed online seat;
none for the cancelled; after the event, the participants report read once — with what
``zoom_meeting`` and ``zoom_registrant`` record, and makes the calls that close the gap.

A call is made only after claiming its row: ``attempts`` is raised conditionally on the value
read and ``next_attempt_at`` pushed past the call's lease, so two workers never make the same
call at once. A success resets the row; a temporary failure (connection, timeout, 5xx, 429 with
its ``Retry-After``) waits a growing delay; a permanent one (400, an answer that is no JSON) or
the last attempt stops the row as ``failed`` with its reason for organisers, until they press
"try again". Nothing here logs a secret: errors carry status and Zoom's message, never tokens,
join URLs or addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from app.clock import Clock
from app.db.database import Database
from app.db.mapping import event_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.db.tables import ZoomMeeting, ZoomRegistrant
from app.domain.audit import ZOOM_REPORT, Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.model import (
    AttendanceMode,
    AttendanceSource,
    Event,
    EventStatus,
    RegistrationStatus,
)
from app.domain.validation import normalise_email
from app.domain.zoom import (
    SyncState,
    meeting_payload,
    offers_online,
    report_due,
    retry_delay,
)
from app.services import attendance, audit
from app.settings import Settings
from app.zoom.client import ZoomClient, ZoomError

logger = logging.getLogger("treffpunkt.zoom")

#: The two tables of rows synchronised with Zoom; they share the sync columns.
SyncTable = type[ZoomMeeting] | type[ZoomRegistrant]


@dataclass(slots=True)
class ZoomPass:
    """What one pass did."""

    created: int = 0
    updated: int = 0
    added: int = 0
    removed: int = 0
    deleted: int = 0
    reports: int = 0
    attended: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class RegistrantProblem:
    """A registrant Zoom has not (yet) taken as it should, for the organisers' page."""

    registration_id: int
    name: str
    state: SyncState
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class ZoomStatus:
    """How an event stands with Zoom, for organisers (no join URLs, no tokens)."""

    event_id: int
    state: SyncState
    has_meeting: bool
    meeting_id: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    report_fetched_at: dt.datetime | None
    registrants: dict[SyncState, int] = field(default_factory=dict)
    problems: list[RegistrantProblem] = field(default_factory=list)


# --- the organisers' side ---------------------------------------------------------------


async def request_meeting(
    db: Database, event_id: int, *, now: dt.datetime, actor: Actor | None
) -> bool:
    """Ask for a Zoom meeting for the event (online or hybrid); ``False`` if one was asked."""
    async with db.transaction():
        row = (
            await EventTable.select(EventTable.id, EventTable.format)
            .where(EventTable.id == event_id)
            .first()
        )
        if row is None:
            raise NotFound(str(event_id))
        if row["format"] not in ("online", "hybrid"):
            return False
        inserted = await (
            ZoomMeeting.insert(ZoomMeeting(event=event_id, state=SyncState.PENDING.value))
            .on_conflict(action="DO NOTHING")
            .returning(ZoomMeeting.id)
        )
        if not inserted:
            return False
        await audit.record(
            db, actor, AuditAction.ZOOM_MEETING_REQUESTED, now=now, event_id=event_id
        )
    return True


async def retry(db: Database, event_id: int, *, now: dt.datetime, actor: Actor | None) -> int:
    """Set the event's stopped meeting and registrants going again; how many rows."""
    async with db.transaction():
        reset = {"attempts": 0, "next_attempt_at": None, "updated_at": now}
        meetings = await (
            ZoomMeeting.update({**_columns(ZoomMeeting, reset), ZoomMeeting.state: "pending"})
            .where(ZoomMeeting.event == event_id, ZoomMeeting.state == SyncState.FAILED.value)
            .returning(ZoomMeeting.id)
        )
        registrants = await (
            ZoomRegistrant.update(
                {**_columns(ZoomRegistrant, reset), ZoomRegistrant.state: "pending"}
            )
            .where(
                ZoomRegistrant.event == event_id,
                ZoomRegistrant.state == SyncState.FAILED.value,
            )
            .returning(ZoomRegistrant.id)
        )
        count = len(meetings) + len(registrants)
        await audit.record(
            db, actor, AuditAction.ZOOM_RETRIED, now=now, event_id=event_id, detail=f"rows={count}"
        )
    return count


async def status(event_id: int) -> ZoomStatus | None:
    """How the event stands with Zoom; ``None`` when nobody asked for a meeting."""
    row = await ZoomMeeting.select().where(ZoomMeeting.event == event_id).first()
    if row is None:
        return None
    event_row = (
        await EventTable.select(EventTable.revision).where(EventTable.id == event_id).first()
    )
    state = SyncState(row["state"])
    if state is SyncState.SYNCED and event_row and event_row["revision"] != row["synced_revision"]:
        state = SyncState.PENDING
    counts: dict[SyncState, int] = {}
    problems: list[RegistrantProblem] = []
    registrants = (
        await ZoomRegistrant.select(
            ZoomRegistrant.registration,
            ZoomRegistrant.state,
            ZoomRegistrant.attempts,
            ZoomRegistrant.next_attempt_at,
            ZoomRegistrant.last_error,
            ZoomRegistrant.registration.first_name,
            ZoomRegistrant.registration.last_name,
        )
        .where(ZoomRegistrant.event == event_id)
        .order_by(ZoomRegistrant.id)
    )
    for item in registrants:
        item_state = SyncState(item["state"])
        counts[item_state] = counts.get(item_state, 0) + 1
        if item["last_error"] or item_state is SyncState.FAILED:
            problems.append(
                RegistrantProblem(
                    registration_id=item["registration"],
                    name=f"{item['registration.first_name']} {item['registration.last_name']}",
                    state=item_state,
                    attempts=item["attempts"],
                    next_attempt_at=item["next_attempt_at"],
                    last_error=item["last_error"],
                )
            )
    return ZoomStatus(
        event_id=event_id,
        state=state,
        has_meeting=bool(row["meeting_id"]),
        meeting_id=row["meeting_id"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        report_fetched_at=row["report_fetched_at"],
        registrants=counts,
        problems=problems,
    )


async def personal_join_url(registration_id: int) -> str | None:
    """The registrant's own Zoom join URL, once Zoom gave one (and still holds them)."""
    row = (
        await ZoomRegistrant.select(ZoomRegistrant.join_url)
        .where(
            ZoomRegistrant.registration == registration_id,
            ZoomRegistrant.state == SyncState.ADDED.value,
        )
        .first()
    )
    if row is None or not row["join_url"]:
        return None
    return str(row["join_url"])


# --- the reconciler ---------------------------------------------------------------------


class ZoomReconciler:
    """Brings Zoom in line with the database, pass after pass."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock,
        client: ZoomClient | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.client = client or ZoomClient(settings, clock=clock)
        #: A claimed row is this worker's for this long: a call, its token, a report's pages.
        self.lease = dt.timedelta(seconds=max(60.0, settings.zoom_timeout * 6))

    async def run(self, stop: asyncio.Event) -> None:
        """Reconcile every ``ZOOM_POLL_SECONDS`` until ``stop`` is set; survives any failure."""
        try:
            while not stop.is_set():
                try:
                    await self.sync()
                except Exception:
                    logger.exception("zoom: pass failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.zoom_poll_seconds)
        finally:
            await self.client.close()

    async def sync(self) -> ZoomPass:
        """One pass over every event with a Zoom meeting asked for."""
        result = ZoomPass()
        rows = await ZoomMeeting.select().order_by(ZoomMeeting.id)
        if not rows:
            return result
        events = {
            row["id"]: event_from_row(row)
            for row in await EventTable.select().where(
                EventTable.id.is_in([row["event"] for row in rows])
            )
        }
        for row in rows:
            event = events.get(row["event"])
            if event is None or not offers_online(event):
                continue
            if event.status is EventStatus.CANCELLED:
                # Called off: the meeting goes, and with it every personal join URL.
                await self._delete_meeting(row, event, result)
                continue
            if row["report_fetched_at"] is not None:
                # Over, its report read: nothing more to tell Zoom.
                continue
            meeting_id = await self._sync_meeting(row, event, result)
            if not meeting_id:
                continue
            await self._sync_registrants(event, meeting_id, result)
            if report_due(event, self.clock()):
                await self._read_report(event, meeting_id, result)
        return result

    async def _sync_meeting(self, row: dict[str, Any], event: Event, result: ZoomPass) -> str:
        """Create or update the meeting when needed; its id once Zoom has it."""
        meeting_id = str(row["meeting_id"])
        if row["state"] == SyncState.FAILED.value:
            return meeting_id
        if meeting_id and row["synced_revision"] == event.revision:
            return meeting_id
        attempts = await self._claim(ZoomMeeting, row)
        if attempts is None:
            return meeting_id
        payload = meeting_payload(event)
        try:
            if meeting_id:
                await self.client.update_meeting(meeting_id, payload)
                result.updated += 1
            else:
                created = await self.client.create_meeting(payload)
                meeting_id = created.meeting_id
                result.created += 1
        except ZoomError as error:
            await self._failed(ZoomMeeting, row["id"], attempts, error, result, keep=None)
            return str(row["meeting_id"])
        await self._succeeded(
            ZoomMeeting,
            row["id"],
            {
                ZoomMeeting.meeting_id: meeting_id,
                ZoomMeeting.synced_revision: event.revision,
                ZoomMeeting.state: SyncState.SYNCED.value,
            },
            claimed=attempts,
        )
        logger.info("zoom: meeting of event %d at revision %d", event.id, event.revision)
        return meeting_id

    async def _delete_meeting(self, row: dict[str, Any], event: Event, result: ZoomPass) -> None:
        """Delete a cancelled event's meeting at Zoom once; its registrants' links go with it."""
        if row["state"] in (SyncState.REMOVED.value, SyncState.FAILED.value):
            return
        meeting_id = str(row["meeting_id"])
        attempts: int | None = None
        if meeting_id:
            attempts = await self._claim(ZoomMeeting, row)
            if attempts is None:
                return
            try:
                await self.client.delete_meeting(meeting_id)
            except ZoomError as error:
                await self._failed(ZoomMeeting, row["id"], attempts, error, result, keep=None)
                return
            result.deleted += 1
        now = self.clock()
        async with self.db.transaction():
            await self._succeeded(
                ZoomMeeting,
                row["id"],
                {ZoomMeeting.state: SyncState.REMOVED.value},
                claimed=attempts,
            )
            await ZoomRegistrant.update(
                {
                    ZoomRegistrant.join_url: "",
                    ZoomRegistrant.state: SyncState.REMOVED.value,
                    ZoomRegistrant.attempts: 0,
                    ZoomRegistrant.next_attempt_at: None,
                    ZoomRegistrant.updated_at: now,
                }
            ).where(ZoomRegistrant.event == event.id)
        logger.info("zoom: meeting of cancelled event %d deleted", event.id)

    async def _sync_registrants(self, event: Event, meeting_id: str, result: ZoomPass) -> None:
        wanted = {
            row["id"]: row
            for row in await RegistrationTable.select(
                RegistrationTable.id,
                RegistrationTable.email,
                RegistrationTable.first_name,
                RegistrationTable.last_name,
            ).where(
                RegistrationTable.event == event.id,
                RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
                RegistrationTable.mode == AttendanceMode.ONLINE.value,
                RegistrationTable.anonymised_at.is_null(),
            )
        }
        known = {
            row["registration"]: row
            for row in await ZoomRegistrant.select().where(ZoomRegistrant.event == event.id)
        }
        now = self.clock()
        for registration_id in wanted.keys() - known.keys():
            await ZoomRegistrant.insert(
                ZoomRegistrant(
                    registration=registration_id,
                    event=event.id,
                    state=SyncState.PENDING.value,
                    updated_at=now,
                )
            ).on_conflict(action="DO NOTHING")
        for registration_id, row in known.items():
            target = _registrant_target(row, registration_id in wanted)
            if target is not None:
                await ZoomRegistrant.update(
                    {
                        ZoomRegistrant.state: target.value,
                        ZoomRegistrant.attempts: 0,
                        ZoomRegistrant.next_attempt_at: None,
                        ZoomRegistrant.last_error: "",
                        ZoomRegistrant.updated_at: now,
                    }
                ).where(ZoomRegistrant.id == row["id"], ZoomRegistrant.state == row["state"])
        due = (
            await ZoomRegistrant.select()
            .where(
                ZoomRegistrant.event == event.id,
                ZoomRegistrant.state.is_in([SyncState.PENDING.value, SyncState.REMOVING.value]),
            )
            .order_by(ZoomRegistrant.id)
        )
        for row in due:
            person = wanted.get(row["registration"])
            if row["state"] == SyncState.PENDING.value and person is not None:
                await self._add(row, person, meeting_id, result)
            elif row["state"] == SyncState.REMOVING.value:
                await self._remove(row, meeting_id, result)

    async def _add(
        self, row: dict[str, Any], person: dict[str, Any], meeting_id: str, result: ZoomPass
    ) -> None:
        attempts = await self._claim(ZoomRegistrant, row)
        if attempts is None:
            return
        try:
            added = await self.client.add_registrant(
                meeting_id,
                email=person["email"],
                first_name=person["first_name"],
                last_name=person["last_name"] or "-",
            )
        except ZoomError as error:
            await self._failed(ZoomRegistrant, row["id"], attempts, error, result, keep=None)
            return
        await self._succeeded(
            ZoomRegistrant,
            row["id"],
            {
                ZoomRegistrant.registrant_id: added.registrant_id,
                ZoomRegistrant.join_url: added.join_url,
                ZoomRegistrant.state: SyncState.ADDED.value,
            },
            claimed=attempts,
        )
        result.added += 1

    async def _remove(self, row: dict[str, Any], meeting_id: str, result: ZoomPass) -> None:
        attempts = await self._claim(ZoomRegistrant, row)
        if attempts is None:
            return
        person = (
            await RegistrationTable.select(RegistrationTable.email)
            .where(RegistrationTable.id == row["registration"])
            .first()
        )
        try:
            await self.client.cancel_registrant(
                meeting_id,
                registrant_id=row["registrant_id"],
                email=person["email"] if person else "",
            )
        except ZoomError as error:
            await self._failed(ZoomRegistrant, row["id"], attempts, error, result, keep=None)
            return
        await self._succeeded(
            ZoomRegistrant,
            row["id"],
            {ZoomRegistrant.join_url: "", ZoomRegistrant.state: SyncState.REMOVED.value},
            claimed=attempts,
        )
        result.removed += 1

    async def _read_report(self, event: Event, meeting_id: str, result: ZoomPass) -> None:
        row = await ZoomMeeting.select().where(ZoomMeeting.event == event.id).first()
        if row is None or row["report_fetched_at"] is not None:
            return
        if row["state"] == SyncState.FAILED.value:
            return
        attempts = await self._claim(ZoomMeeting, row)
        if attempts is None:
            return
        try:
            participants = await self.client.participants(meeting_id)
        except ZoomError as error:
            if error.status == 404:
                # No report yet (the meeting ended late, or has not been held): ask again later.
                error.temporary = True
            await self._failed(ZoomMeeting, row["id"], attempts, error, result, keep="synced")
            return
        registrant_ids = {item.registrant_id for item in participants if item.registrant_id}
        emails = {normalise_email(item.user_email) for item in participants if item.user_email}
        ids: set[int] = set()
        if registrant_ids:
            ids |= {
                item["registration"]
                for item in await ZoomRegistrant.select(ZoomRegistrant.registration).where(
                    ZoomRegistrant.event == event.id,
                    ZoomRegistrant.registrant_id.is_in(sorted(registrant_ids)),
                )
            }
        if emails:
            ids |= {
                item["id"]
                for item in await RegistrationTable.select(RegistrationTable.id).where(
                    RegistrationTable.event == event.id,
                    RegistrationTable.mode == AttendanceMode.ONLINE.value,
                    RegistrationTable.email_normalised.is_in(sorted(emails)),
                )
            }
        now = self.clock()
        marked = await attendance.mark_attended_online(
            self.db, event.id, sorted(ids), source=AttendanceSource.ZOOM, now=now, actor=ZOOM_REPORT
        )
        await self._succeeded(
            ZoomMeeting,
            row["id"],
            {ZoomMeeting.report_fetched_at: now, ZoomMeeting.state: SyncState.SYNCED.value},
            claimed=attempts,
        )
        result.reports += 1
        result.attended += marked
        logger.info("zoom: report of event %d: %d marked as attended", event.id, marked)

    async def _claim(self, table: SyncTable, row: dict[str, Any]) -> int | None:
        """Take the row for one call; its attempt number, or ``None`` when not due or not ours."""
        now = self.clock()
        due = row["next_attempt_at"]
        if due is not None and due > now:
            return None
        attempts = int(row["attempts"]) + 1
        claimed = await (
            table.update(
                {
                    table.attempts: attempts,
                    table.next_attempt_at: now + self.lease,
                    table.updated_at: now,
                }
            )
            .where(
                table.id == row["id"],
                table.attempts == row["attempts"],
                table.state == row["state"],
                table.next_attempt_at.is_null() | (table.next_attempt_at <= now),
            )
            .returning(table.id)
        )
        return attempts if claimed else None

    async def _succeeded(
        self,
        table: SyncTable,
        row_id: int,
        values: dict[Any, Any],
        *,
        claimed: int | None,
    ) -> None:
        """Record a call's success; ``claimed``: the attempt :meth:`_claim` gave (None: no call
        was made), so a worker whose lease ran out and was taken over writes nothing."""
        await table.update(
            {
                **values,
                table.attempts: 0,
                table.next_attempt_at: None,
                table.last_error: "",
                table.updated_at: self.clock(),
            }
        ).where(table.id == row_id, *_still_ours(table, claimed))

    async def _failed(
        self,
        table: SyncTable,
        row_id: int,
        attempts: int,
        error: ZoomError,
        result: ZoomPass,
        *,
        keep: str | None,
    ) -> None:
        now = self.clock()
        name = table._meta.tablename
        if error.temporary and attempts < self.settings.zoom_max_attempts:
            wait = retry_delay(attempts, self.settings.zoom_retry_seconds)
            if error.retry_after is not None:
                wait = dt.timedelta(seconds=error.retry_after)
            values: dict[Any, Any] = {
                table.next_attempt_at: now + wait,
                table.last_error: error.reason,
                table.updated_at: now,
            }
            if keep is not None:
                values[table.state] = keep
            await table.update(values).where(table.id == row_id, *_still_ours(table, attempts))
            logger.warning(
                "zoom: %s %d: attempt %d failed, next in %d s: %s",
                name,
                row_id,
                attempts,
                int(wait.total_seconds()),
                error.reason,
            )
            result.retried += 1
            return
        final = error.reason
        if error.temporary:
            final = f"gave up after {attempts} attempts: {error.reason}"
        await table.update(
            {
                table.state: SyncState.FAILED.value,
                table.next_attempt_at: None,
                table.last_error: final,
                table.updated_at: now,
            }
        ).where(table.id == row_id, *_still_ours(table, attempts))
        logger.error("zoom: %s %d failed: %s", name, row_id, final)
        result.failed += 1


def _still_ours(table: SyncTable, claimed: int | None) -> list[Any]:
    """The condition that the row is still at the attempt this worker claimed (none: no claim)."""
    return [] if claimed is None else [table.attempts == claimed]


def _registrant_target(row: dict[str, Any], wanted: bool) -> SyncState | None:
    """The state a registrant's row moves to now that the registration is (not) ``wanted``."""
    state = SyncState(row["state"])
    if wanted:
        if state in (SyncState.REMOVING, SyncState.REMOVED):
            return SyncState.PENDING
        return None
    if state in (SyncState.REMOVED, SyncState.REMOVING):
        return None
    if not row["registrant_id"]:
        return SyncState.REMOVED
    if state is SyncState.FAILED:
        # Stopped stays stopped until an organiser's "try again" (then it is removed).
        return None
    return SyncState.REMOVING


def _columns(table: SyncTable, values: dict[str, Any]) -> dict[Any, Any]:
    return {getattr(table, name): value for name, value in values.items()}
