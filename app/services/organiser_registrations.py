"""Organisers and one event's registrations: list, search, export, check in at the door."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from piccolo.query.functions.aggregate import Count
from piccolo.query.methods.select import Select

from app.db.database import Database
from app.db.engine import FOLD_FUNCTION, is_sqlite
from app.db.mapping import registration_from_row
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput, NotFound, RegistrationClosed
from app.domain.model import (
    AWAITING_APPROVAL,
    SEAT_HOLDING,
    AttendanceMode,
    Event,
    Registration,
    RegistrationStatus,
)
from app.services import approvals, audit, registrations
from app.services.changes import ChangeKind
from app.services.events import get_with_access

_E = TypeVar("_E", bound=enum.Enum)
_Q = TypeVar("_Q", bound=Select[Any])

#: Longer search texts are cut: nobody's name is longer, and it bounds the work per request.
MAX_QUERY_LENGTH = 200
#: Registrations per page of the organisers' list.
PAGE_SIZE = 100
#: Row ids are PostgreSQL ``serial`` columns: a larger number names no registration.
_LARGEST_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class RegistrationFilter:
    """The organiser's search: free text plus an optional status and mode (``None``: all)."""

    q: str = ""
    status: RegistrationStatus | None = None
    mode: AttendanceMode | None = None

    @classmethod
    def parse(cls, q: str | None, status: str | None, mode: str | None) -> RegistrationFilter:
        """A filter from query parameters; unknown status or mode values are ignored."""
        return cls(
            q=(q or "").strip()[:MAX_QUERY_LENGTH],
            status=_member(RegistrationStatus, status),
            mode=_member(AttendanceMode, mode),
        )

    def admits_count(self, status: RegistrationStatus, mode: AttendanceMode) -> bool:
        """Whether registrations of ``status`` and ``mode`` pass the status and mode filters."""
        return (self.status is None or status is self.status) and (
            self.mode is None or mode is self.mode
        )

    def query_parameters(self) -> dict[str, str]:
        """The filter as the list's query parameters, the empty ones left out."""
        values = {
            "q": self.q,
            "status": self.status.value if self.status else "",
            "mode": self.mode.value if self.mode else "",
        }
        return {name: value for name, value in values.items() if value}


def _member(kind: type[_E], value: str | None) -> _E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def page_number(value: str | None) -> int:
    """The page asked for in a query parameter; 1 for anything that is no positive number."""
    text = (value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 and int(text) > 0 else 1


Counts = dict[tuple[RegistrationStatus, AttendanceMode], int]


@dataclass(frozen=True, slots=True)
class RegistrationList:
    """One page of one event's registrations as the organiser's list shows them."""

    event: Event
    #: Every registration counted by (status, mode), whatever the filter.
    counts: Counts
    total: int
    #: How many registrations pass the filter, on all pages.
    matching: int
    #: The page shown (from 1) and how many there are (at least 1).
    page: int
    pages: int
    #: The registrations of this page that pass the filter, in the order they came in.
    registrations: list[Registration]


async def registration_counts(event_id: int) -> Counts:
    """The event's registrations counted by status and mode, in one aggregate query."""
    counts: Counts = {(status, mode): 0 for status in RegistrationStatus for mode in AttendanceMode}
    rows = await (
        RegistrationTable.select(RegistrationTable.status, RegistrationTable.mode, Count(alias="n"))
        .where(RegistrationTable.event == event_id)
        .group_by(RegistrationTable.status, RegistrationTable.mode)
    )
    for row in rows:
        counts[(RegistrationStatus(row["status"]), AttendanceMode(row["mode"]))] = int(row["n"])
    return counts


def _filtered(query: _Q, event_id: int, search: RegistrationFilter) -> _Q:
    query = query.where(RegistrationTable.event == event_id)
    if search.status is not None:
        query = query.where(RegistrationTable.status == search.status.value)
    if search.mode is not None:
        query = query.where(RegistrationTable.mode == search.mode.value)
    return query


async def _text_matches(
    event_id: int, search: RegistrationFilter, *, names_only: bool = False
) -> list[int]:
    """The ids of the registrations whose names, address or organisation match ``search.q``.

    One SQL scan of the event's ``search_text``, which the database keeps case-folded (beyond
    ASCII: Cyrillic, umlauts; migration 0014); every word is folded the same way there.
    ``names_only`` leaves the address out (door staff, who must not learn whose address is
    whose): the names and organisation are folded per row instead.
    """
    sqlite = is_sqlite(RegistrationTable._meta.db)
    fold, contains = (FOLD_FUNCTION, "instr") if sqlite else ("lower", "strpos")
    conditions = ['"event" = {}']
    values: list[Any] = [event_id]
    if search.status is not None:
        conditions.append('"status" = {}')
        values.append(search.status.value)
    if search.mode is not None:
        conditions.append('"mode" = {}')
        values.append(search.mode.value)
    if "\x00" in search.q:
        # No stored text holds a NUL (the forms refuse it): nothing matches, and PostgreSQL's
        # text could not even carry it as a parameter.
        return []
    haystack = (
        f"{fold}(first_name || ' ' || last_name || ' ' || organisation)"
        if names_only
        else "search_text"
    )
    for word in search.q.split():
        conditions.append(f"{contains}({haystack}, {fold}({{}})) > 0")
        values.append(word)
    where = " AND ".join(conditions)  # fixed SQL; every value is a parameter
    rows = await RegistrationTable.raw(
        f'SELECT id FROM "registration" WHERE {where} ORDER BY id',  # noqa: S608
        *values,
    )
    return [row["id"] for row in rows]


async def list_registrations(
    event_id: int, search: RegistrationFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> RegistrationList:
    """Page ``page`` of the registrations of ``event_id`` that match ``search``, with the counts
    of all of them; a page past the last shows the last.

    Status and mode are filtered in SQL; without search text the matches are counted from the
    aggregate and the page is read with LIMIT and OFFSET in id order (the index on
    (event, status, id) or (event, id) serves it).
    """
    event = await get_with_access(event_id)
    counts = await registration_counts(event_id)
    matching_ids: list[int] = []
    if search.q:
        matching_ids = await _text_matches(event_id, search)
        matching = len(matching_ids)
    else:
        matching = sum(n for key, n in counts.items() if search.admits_count(*key))
    pages = max(1, -(-matching // page_size))
    page = min(page, pages)
    offset = (page - 1) * page_size
    query = RegistrationTable.select()
    if search.q:
        query = query.where(
            RegistrationTable.id.is_in(matching_ids[offset : offset + page_size] or [0])
        )
    else:
        query = _filtered(query, event_id, search).offset(offset)
    rows = await query.order_by(RegistrationTable.id).limit(page_size)
    return RegistrationList(
        event=event,
        counts=counts,
        total=sum(counts.values()),
        matching=matching,
        page=page,
        pages=pages,
        registrations=[registration_from_row(row) for row in rows],
    )


async def matching_registrations(
    event_id: int, search: RegistrationFilter, *, names_only: bool = False
) -> list[Registration]:
    """Every registration of ``event_id`` that matches ``search``, in the order they came in.

    The text is matched by the same SQL as the paged list (:func:`_text_matches`), so the door
    and the API find exactly whom the list finds; ``names_only`` matches no address.
    """
    query = _filtered(RegistrationTable.select(), event_id, search)
    if search.q:
        matching_ids = await _text_matches(event_id, search, names_only=names_only)
        if not matching_ids:
            return []
        query = query.where(RegistrationTable.id.is_in(matching_ids))
    rows = await query.order_by(RegistrationTable.id)
    return [registration_from_row(row) for row in rows]


#: The most registrations one bulk action takes: a page of the list, with room to spare.
MAX_SELECTION = 500


class BulkAction(enum.StrEnum):
    """What an organiser does to a selection of the list at once (messages go to their page)."""

    CANCEL = "cancel"
    CHECK_IN = "check_in"
    APPROVE = "approve"
    DECLINE = "decline"


class SelectionRefused(InvalidInput):
    """A selection that is empty, too long or not of numbers: nothing is read or changed."""

    def __init__(self, code: str) -> None:
        super().__init__({"selection": code})


def parse_selection(values: Iterable[str]) -> tuple[int, ...]:
    """The registration ids of a selection (``r=`` fields or ``ids`` as ``1,2,3``), in order and
    without repeats; raises :class:`SelectionRefused` for an empty, oversized or garbled one."""
    ids: dict[int, None] = {}
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            if not (text.isdecimal() and len(text) < 10 and 0 < int(text) <= _LARGEST_ID):
                raise SelectionRefused("not_an_id")
            ids[int(text)] = None
    if not ids:
        raise SelectionRefused("empty")
    if len(ids) > MAX_SELECTION:
        raise SelectionRefused("too_many")
    return tuple(ids)


def parse_ids(value: str) -> tuple[int, ...]:
    """Ids written as ``1,2,3`` (empty: none); :class:`SelectionRefused` for anything else."""
    return parse_selection([value]) if value.strip() else ()


def affected_by(action: BulkAction, registration: Registration) -> bool:
    """Whether ``action`` changes ``registration`` (the others are listed, and left alone)."""
    if action is BulkAction.CANCEL:
        return registration.status not in (
            RegistrationStatus.CANCELLED,
            RegistrationStatus.DECLINED,
        )
    if action in (BulkAction.APPROVE, BulkAction.DECLINE):
        return registration.status in AWAITING_APPROVAL
    return (
        registration.status is RegistrationStatus.CONFIRMED and registration.checked_in_at is None
    )


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """A selection and what an action would do to it: the confirmation page's content."""

    event: Event
    action: BulkAction
    #: Every selected registration, in the order they came in.
    selected: list[Registration]
    #: Those the action changes.
    affected: list[Registration]

    @property
    def unaffected(self) -> list[Registration]:
        """Those the action leaves as they are (already cancelled, not confirmed, let in)."""
        changed = {registration.id for registration in self.affected}
        return [r for r in self.selected if r.id not in changed]


async def selected_registrations(event_id: int, ids: Sequence[int]) -> list[Registration]:
    """The registrations ``ids`` of ``event_id``, in id order; :class:`NotFound` unless every
    one of them belongs to the event (a forged or stale selection names another's)."""
    rows = await (
        RegistrationTable.select()
        .where(RegistrationTable.event == event_id, RegistrationTable.id.is_in(list(ids)))
        .order_by(RegistrationTable.id)
    )
    if len(rows) != len(set(ids)):
        raise NotFound(f"registrations of event {event_id}")
    return [registration_from_row(row) for row in rows]


async def bulk_plan(event_id: int, ids: Sequence[int], action: BulkAction) -> BulkPlan:
    """What ``action`` would do to the registrations ``ids`` of ``event_id``; changes nothing.

    Raises :class:`NotFound` for an unknown event or an id that is not one of its registrations.
    """
    event = await get_with_access(event_id)
    selected = await selected_registrations(event_id, ids)
    return BulkPlan(
        event=event,
        action=action,
        selected=selected,
        affected=[r for r in selected if affected_by(action, r)],
    )


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What a confirmed bulk action did."""

    #: ``False``: the selection changed since it was confirmed, and nothing was done.
    done: bool
    #: The plan as it stands now (shown again when ``done`` is ``False``).
    plan: BulkPlan
    #: How many people moved up from the waiting list (cancellations and declines).
    promoted: int = 0
    #: Approvals: how many went to the waiting list, and how many were refused (no seat, no
    #: waiting list; they still await approval).
    waitlisted: int = 0
    refused: int = 0


async def run_bulk_action(
    db: Database,
    event_id: int,
    ids: Sequence[int],
    action: BulkAction,
    confirmed: Sequence[int],
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> BulkOutcome:
    """Apply ``action`` to the registrations ``ids`` in one transaction, all or nothing.

    ``confirmed`` are the ids the organiser was shown as affected: if the action would now
    change others (someone else cancelled or let somebody in meanwhile), nothing is done and
    the fresh plan comes back to be confirmed again. Each registration goes through the same
    service as a single one (:func:`registrations.cancel_by_organiser`: seat to the waiting
    list, mails, invite CANCEL; :func:`set_checked_in`; :func:`approvals.approve` and
    :func:`approvals.decline`), each recorded in the audit log. Approvals go in the order people
    registered; one that finds no seat and no waiting list is left awaiting approval (counted
    as refused) and the others still go ahead. Raises :class:`NotFound` when any id is not a
    registration of the event.
    """
    event = await get_with_access(event_id)
    promoted = waitlisted = refused = 0
    async with db.transaction():
        # The event's lock first: every cancellation and check-in of the selection sees the
        # state the plan was checked against.
        await db.lock_event(event_id)
        selected = await selected_registrations(event_id, ids)
        plan = BulkPlan(
            event=event,
            action=action,
            selected=selected,
            affected=[r for r in selected if affected_by(action, r)],
        )
        if sorted(r.id for r in plan.affected) != sorted(set(confirmed)):
            return BulkOutcome(done=False, plan=plan)
        # Those holding no seat go first: cancelling a seat first would move up someone of
        # the same selection, only to cancel them a moment later (a false "moved up" and its
        # webhook).
        in_order = sorted(plan.affected, key=lambda r: (r.status in SEAT_HOLDING, r.id))
        for registration in in_order:
            if action is BulkAction.CANCEL:
                outcome = await registrations.cancel_by_organiser(
                    db, event_id, registration.id, now, actor=actor
                )
                promoted += sum(1 for c in outcome.changes if c.kind is ChangeKind.PROMOTED)
            elif action is BulkAction.DECLINE:
                declined = await approvals.decline(db, event_id, registration.id, now, actor=actor)
                promoted += sum(1 for c in declined.changes if c.kind is ChangeKind.PROMOTED)
            elif action is BulkAction.APPROVE:
                try:
                    approved = await approvals.approve(
                        db, event_id, registration.id, now, actor=actor
                    )
                except RegistrationClosed:
                    # Refused before anything was written: the rest of the selection goes on.
                    refused += 1
                    continue
                waitlisted += sum(
                    1 for c in approved.changes if c.kind is ChangeKind.APPROVED_WAITLISTED
                )
            else:
                await set_checked_in(db, event_id, registration.id, True, now, actor=actor)
    return BulkOutcome(
        done=True, plan=plan, promoted=promoted, waitlisted=waitlisted, refused=refused
    )


class CheckIn(enum.Enum):
    """What a check-in or its undoing did."""

    DONE = "done"
    #: Already in the asked state (a double tap, or someone else at the door was quicker).
    UNCHANGED = "unchanged"
    #: Only confirmed registrations can be let in.
    NOT_CONFIRMED = "not_confirmed"


async def set_checked_in(
    db: Database,
    event_id: int,
    registration_id: int,
    checked_in: bool,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> CheckIn:
    """Check a confirmed registration in (or undo it) with one conditional UPDATE.

    The condition on the current state makes it idempotent and race-free: of two devices
    tapping at once, one changes the row and the other finds it already done. Raises
    :class:`NotFound` when the registration does not belong to the event.
    """
    change: dict[Any, Any]
    if checked_in:
        change = {RegistrationTable.checked_in_at: now, RegistrationTable.updated_at: now}
        state = RegistrationTable.checked_in_at.is_null()
    else:
        change = {RegistrationTable.checked_in_at: None, RegistrationTable.updated_at: now}
        state = RegistrationTable.checked_in_at.is_not_null()
    async with db.transaction():
        changed = (
            await RegistrationTable.update(change)
            .where(
                RegistrationTable.id == registration_id,
                RegistrationTable.event == event_id,
                RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
                state,
            )
            .returning(RegistrationTable.id)
        )
        if changed:
            await audit.record(
                db,
                actor,
                AuditAction.CHECKED_IN if checked_in else AuditAction.CHECK_IN_UNDONE,
                now=now,
                event_id=event_id,
                subject_id=registration_id,
            )
            return CheckIn.DONE
        row = (
            await RegistrationTable.select(RegistrationTable.status)
            .where(RegistrationTable.id == registration_id, RegistrationTable.event == event_id)
            .first()
        )
    if row is None:
        raise NotFound(f"registration {registration_id}")
    if row["status"] != RegistrationStatus.CONFIRMED.value:
        return CheckIn.NOT_CONFIRMED
    return CheckIn.UNCHANGED
