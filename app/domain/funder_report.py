"""A funder's counts of one event: registered, confirmed, attended (and cancelled).

- *registered*: registrations not cancelled (confirmed, waiting for the address, on the
  waiting list);
- *confirmed*: confirmed registrations;
- *attended*: registrations checked in at the door, or marked as attended online (by an
  organiser, an imported list or Zoom: ``app.domain.attendance.attended``), in each mode;
- *cancelled*: cancelled registrations, shown beside the others.

The database counts (``app.services.funder_report``); this module only sums its groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from app.domain.model import AttendanceMode, Country, Event, OrganisationType

_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class Tally:
    """The counts of one group of registrations."""

    registered: int = 0
    confirmed: int = 0
    attended: int = 0
    cancelled: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            registered=self.registered + other.registered,
            confirmed=self.confirmed + other.confirmed,
            attended=self.attended + other.attended,
            cancelled=self.cancelled + other.cancelled,
        )


@dataclass(frozen=True, slots=True)
class FunderReport:
    """One event's counts, in total and per mode, organisation type and country.

    The groups are listed in a fixed order, every one of them (zero counts too); ``None`` is
    "not said" (registrations from before the question, or a person who did not know).
    """

    event: Event
    total: Tally
    by_mode: dict[AttendanceMode, Tally] = field(default_factory=dict)
    by_organisation_type: dict[OrganisationType | None, Tally] = field(default_factory=dict)
    by_country: dict[Country | None, Tally] = field(default_factory=dict)


def _add(groups: dict[_K, Tally], key: _K, tally: Tally) -> None:
    groups[key] = groups.get(key, Tally()) + tally


def report_of(event: Event, rows: Iterable[Mapping[str, object]]) -> FunderReport:
    """The report from the aggregate rows (mode, organisation_type, country and the counts)."""
    total = Tally()
    by_mode: dict[AttendanceMode, Tally] = {mode: Tally() for mode in event.modes}
    by_type: dict[OrganisationType | None, Tally] = {kind: Tally() for kind in OrganisationType}
    by_type[None] = Tally()
    by_country: dict[Country | None, Tally] = {country: Tally() for country in Country}
    by_country[None] = Tally()
    for row in rows:
        tally = Tally(
            registered=int(str(row["registered"])),
            confirmed=int(str(row["confirmed"])),
            attended=int(str(row["attended"])),
            cancelled=int(str(row["cancelled"])),
        )
        total += tally
        _add(by_mode, AttendanceMode(str(row["mode"])), tally)
        kind = row["organisation_type"]
        _add(by_type, OrganisationType(str(kind)) if kind else None, tally)
        country = row["country"]
        _add(by_country, Country(str(country)) if country else None, tally)
    return FunderReport(
        event=event,
        total=total,
        by_mode=by_mode,
        by_organisation_type=by_type,
        by_country=by_country,
    )
