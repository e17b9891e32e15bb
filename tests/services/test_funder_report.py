"""The funder report's counts, made by the database, equal a recount of the registrations."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from app.domain.errors import NotFound
from app.domain.funder_report import Tally
from app.domain.model import (
    AttendanceMode,
    AttendanceSource,
    Country,
    EventFormat,
    OrganisationType,
    Registration,
    RegistrationStatus,
    Seats,
)
from app.services import attendance, organiser_registrations, registrations
from app.services.funder_report import funder_report
from tests.conftest import registration_request


def _tally(people: list[Registration]) -> Tally:
    return Tally(
        registered=sum(p.status is not RegistrationStatus.CANCELLED for p in people),
        confirmed=sum(p.status is RegistrationStatus.CONFIRMED for p in people),
        attended=sum(
            p.checked_in_at is not None or p.attended_online_at is not None for p in people
        ),
        cancelled=sum(p.status is RegistrationStatus.CANCELLED for p in people),
    )


async def test_counts_equal_a_recount_after_registrations_cancellations_and_check_ins(
    db, event_factory, now
):
    event = await event_factory(
        format=EventFormat.HYBRID,
        in_person_seats=Seats(5, 0),
        online_seats=Seats(None, 0),
        funding_note="Gefördert durch die Staatskanzlei NRW.",
    )
    kinds = [*OrganisationType, None]
    countries = [*Country, None]
    modes = itertools.cycle(AttendanceMode)
    made = []
    # 14 people: every type and country (and "not said"), both modes; in person fills up.
    for number, (kind, country) in enumerate(
        itertools.islice(itertools.product(kinds, countries), 14)
    ):
        request = registration_request(
            f"p{number}@example.org",
            mode=next(modes).value,
            organisation_type=kind.value if kind else "",
            country=country.value if country else "",
        )
        made.append((await registrations.register(db, event.slug, request, now)).registration)
    assert any(r.status is RegistrationStatus.WAITLISTED for r in made)
    for registration in made[::4]:
        await registrations.cancel(db, registration.token, now)
    for registration in made[1::3]:
        await organiser_registrations.set_checked_in(db, event.id, registration.id, True, now)
    # Online participants have no door: some are marked as attended online instead (the ids of
    # in-person and unconfirmed ones among them are passed over).
    online_marked = await attendance.mark_attended_online(
        db, event.id, [r.id for r in made[1::2]], source=AttendanceSource.ZOOM, now=now, actor=None
    )
    assert online_marked > 0

    people = await registrations.list_for_event(event.id)
    report = await funder_report(event.id)

    assert report.total == _tally(people)
    assert report.total.attended > 0
    assert report.by_mode[AttendanceMode.ONLINE].attended >= online_marked
    assert report.total.cancelled > 0
    for mode, tally in report.by_mode.items():
        assert tally == _tally([p for p in people if p.mode is mode])
    for kind, tally in report.by_organisation_type.items():
        assert tally == _tally([p for p in people if p.organisation_type == kind])
    for country, tally in report.by_country.items():
        assert tally == _tally([p for p in people if p.country == country])
    assert set(report.by_organisation_type) == set(kinds)
    assert set(report.by_country) == set(countries)
    assert report.event.funding_note == "Gefördert durch die Staatskanzlei NRW."


async def test_an_event_without_registrations_counts_zero(db, event_factory):
    event = await event_factory()
    report = await funder_report(event.id)
    assert report.total == Tally()
    assert report.by_mode == {AttendanceMode.IN_PERSON: Tally()}


async def test_an_unknown_event_is_not_found(db):
    with pytest.raises(NotFound):
        await funder_report(999_999)


async def test_the_choices_are_stored_and_read_back(db, event_factory, now):
    event = await event_factory()
    request = registration_request("k@example.org", organisation_type="district", country="ua")
    made = (await registrations.register(db, event.slug, request, now)).registration
    assert made.organisation_type is OrganisationType.DISTRICT
    assert made.country is Country.UKRAINE
    [read] = await registrations.list_for_event(event.id)
    assert (read.organisation_type, read.country) == (OrganisationType.DISTRICT, Country.UKRAINE)
    later = now + dt.timedelta(minutes=1)
    other = (
        await registrations.register(db, event.slug, registration_request("n@example.org"), later)
    ).registration
    assert (other.organisation_type, other.country) == (None, None)
