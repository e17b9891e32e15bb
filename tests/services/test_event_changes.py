"""Changing an event writes the columns it names, and every one of them."""

from __future__ import annotations

import datetime as dt

from app.db.mapping import event_to_row
from app.db.tables import Event as EventTable
from app.domain.model import EventStatus
from app.services.event_changes import edited_columns
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_an_edit_writes_every_mapped_column_and_keeps_the_status() -> None:
    event = make_event(NOW)
    written = edited_columns(event, EventStatus.CANCELLED, 3, NOW)
    names = {column._meta.name for column in written if not isinstance(column, str)}
    assert len(names) == len(written)
    # A column the mapping adds but the edit forgets would silently never change.
    assert names == set(event_to_row(event)) | {"revision", "updated_at"}
    assert written[EventTable.status] == "cancelled"
    assert (written[EventTable.revision], written[EventTable.updated_at]) == (3, NOW)
    never = {"id", "seats_taken_in_person", "seats_taken_online", "created_at"}
    assert names.isdisjoint(never)
