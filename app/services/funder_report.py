"""The funder report of an event, counted by the database.

One aggregate query grouped by mode, organisation type and country, never loading the
registrations: a large event costs one short query. Anonymised registrations are counted too
(their status, mode, type and country stay). What the counts mean: ``app.domain.funder_report``.
"""

from __future__ import annotations

from app.db.tables import Registration as RegistrationTable
from app.domain.funder_report import FunderReport, report_of
from app.domain.model import RegistrationStatus
from app.services.events import get_with_access

_CONFIRMED = RegistrationStatus.CONFIRMED.value
_CANCELLED = RegistrationStatus.CANCELLED.value

# One row per (mode, organisation type, country) present; the sums are the four counts.
_QUERY = f"""
SELECT mode, organisation_type, country,
       SUM(CASE WHEN status <> '{_CANCELLED}' THEN 1 ELSE 0 END) AS registered,
       SUM(CASE WHEN status = '{_CONFIRMED}' THEN 1 ELSE 0 END) AS confirmed,
       SUM(CASE WHEN checked_in_at IS NOT NULL OR attended_online_at IS NOT NULL THEN 1 ELSE 0 END)
           AS attended,
       SUM(CASE WHEN status = '{_CANCELLED}' THEN 1 ELSE 0 END) AS cancelled
FROM "registration"
WHERE event = {{}}
GROUP BY mode, organisation_type, country
"""  # noqa: S608 - the only values put in are the module's own status codes


async def funder_report(event_id: int) -> FunderReport:
    """The funder's counts of ``event_id``; raises ``NotFound`` for an unknown event."""
    event = await get_with_access(event_id)
    rows = await RegistrationTable.raw(_QUERY, event_id)
    return report_of(event, rows)
