"""The organisers' event dashboard and their actions: cancel, promote, add someone by hand."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import RegistrationClosed
from app.domain.model import EventFormat, RegistrationStatus, Seats
from app.services import organiser_dashboard, organiser_registrations, registrations
from tests.conftest import registration_form, registration_request
from tests.mail.conftest import outbox_rows
from tests.web.conftest import cookie_token
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used


def _base(event) -> str:
    return f"/organiser/events/{event.id}"


async def _status(registration_id: int) -> RegistrationStatus:
    row = await (
        RegistrationTable.select(RegistrationTable.status)
        .where(RegistrationTable.id == registration_id)
        .first()
    )
    assert row is not None
    return RegistrationStatus(row["status"])


async def _post(client, path: str, **data: str):
    return await client.post(
        path, data={**data, "_csrf_token": cookie_token(client)}, follow_redirects=False
    )


async def test_dashboard_counts_free_seats_and_check_ins(client, organiser, db, event_factory, now):  # noqa: F811
    event = await event_factory(
        slug="forum",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(3, 0),
        online_seats=Seats(None, 0),
    )
    made = {}
    for name, mode in [
        ("anna", "in_person"),
        ("borys", "in_person"),
        ("carl", "in_person"),
        ("dora", "in_person"),
        ("emil", "online"),
    ]:
        form = registration_request(f"{name}@example.org", mode=mode)
        made[name] = (await registrations.register(db, "forum", form, now)).registration
    await registrations.cancel(db, made["borys"].token, now)  # dora moves up
    await registrations.register(
        db, "forum", registration_request("fritz@example.org", mode="in_person"), now
    )  # waits
    await organiser_registrations.set_checked_in(db, event.id, made["anna"].id, True, now)

    await sign_in(client)
    page = await client.get(_base(event))
    assert page.status_code == 200
    assert 'data-count="confirmed">4<' in page.text
    assert 'data-count="waitlisted">1<' in page.text
    assert 'data-count="pending">0<' in page.text
    assert 'data-count="cancelled">1<' in page.text
    assert 'data-count="checked-in">1<' in page.text
    assert 'data-free="in_person">0<' in page.text
    assert 'data-free="online">unbegrenzt<' in page.text
    home = await client.get("/organiser/")
    assert f'href="{_base(event)}"' in home.text


async def test_chart_spans_the_window_with_empty_days_and_the_check_in_rate(
    client,
    organiser,  # noqa: F811
    db,
    event_factory,
    now,
):
    event = await event_factory(
        slug="forum",
        registration_opens_at=now - dt.timedelta(days=1),
        registration_closes_at=now + dt.timedelta(days=4),
        starts_at=now + dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5, hours=2),
    )
    days = [now, now + dt.timedelta(days=2), now + dt.timedelta(days=2, hours=1)]
    made = []
    for index, when in enumerate(days):
        form = registration_request(f"p{index}@example.org")
        made.append((await registrations.register(db, "forum", form, when)).registration)
    await organiser_registrations.set_checked_in(db, event.id, made[0].id, True, now)

    await sign_in(client)
    page = await client.get(_base(event))
    assert page.status_code == 200
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "style=" not in svg
    titles = re.findall(r"<rect [^>]*><title>([^<]+)</title></rect>", svg)
    assert titles == ["20.11.2026: 1 Anmeldung", "22.11.2026: 2 Anmeldungen"]
    assert 'class="chart-total"' in svg
    assert 'class="chart-marker chart-marker-deadline"' in svg
    assert 'class="chart-marker chart-marker-start"' in svg
    table = page.text.split('id="per-day"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', table)
    assert rows == [
        ("19.11.2026", "0", "0"),
        ("20.11.2026", "1", "1"),
        ("21.11.2026", "0", "1"),
        ("22.11.2026", "2", "3"),
        ("23.11.2026", "0", "3"),
        ("24.11.2026", "0", "3"),
        ("25.11.2026", "0", "3"),
    ]
    assert "Einlass am Veranstaltungstag: 1 von 3 bestätigten Anmeldungen (33" in page.text

    # Someone let in and cancelled afterwards counts on neither side: never over 100 %.
    await organiser_registrations.set_checked_in(db, event.id, made[1].id, True, now)
    await registrations.cancel_by_organiser(db, event.id, made[1].id, now)
    page = await client.get(_base(event))
    assert "Einlass am Veranstaltungstag: 1 von 2 bestätigten Anmeldungen (50" in page.text


async def test_per_day_counts_equal_a_recount_of_the_registrations(db, event_factory, now):
    """The grouped query, on either database, counts what counting each registration counts."""
    event = await event_factory(
        slug="forum",
        starts_at=now + dt.timedelta(days=9),
        ends_at=now + dt.timedelta(days=9, hours=2),
    )
    zone = ZoneInfo(event.timezone)
    # Around local midnight (23:00 UTC is midnight in Berlin in winter), and across days.
    offsets = [-61, -1, 0, 1, 14, 15, 59, 60, 61, 60 * 24 + 7, 60 * 24 * 3 - 1, 60 * 24 * 3 + 1]
    midnight = now.replace(hour=23, minute=0, second=0, microsecond=0)
    for index, minutes in enumerate(offsets):
        when = midnight + dt.timedelta(minutes=minutes, seconds=index)
        await registrations.register(
            db, "forum", registration_request(f"p{index}@example.org"), when
        )
    overview = await organiser_dashboard.dashboard(event.id)
    rows = await RegistrationTable.select(RegistrationTable.created_at).where(
        RegistrationTable.event == event.id
    )
    recount: dict[dt.date, int] = {}
    for row in rows:
        day = row["created_at"].astimezone(zone).date()
        recount[day] = recount.get(day, 0) + 1
    assert {d.day: d.count for d in overview.per_day if d.count} == recount
    assert overview.per_day[-1].day == event.starts_at.astimezone(zone).date()
    assert all(
        (b.day - a.day).days == 1
        for a, b in zip(overview.per_day, overview.per_day[1:], strict=False)
    )


async def test_chart_is_absent_without_registrations(client, organiser, event_factory):  # noqa: F811
    event = await event_factory(slug="forum")
    await sign_in(client)
    page = await client.get(_base(event))
    assert "<rect" not in page.text
    assert "Noch keine Anmeldungen." in page.text


async def test_organiser_cancel_promotes_the_next_and_enqueues_the_mail(
    client,
    organiser,  # noqa: F811
    db,
    event_factory,
    now,
):
    event = await event_factory(slug="forum", in_person_seats=Seats(1, 0))
    anna = (
        await registrations.register(db, "forum", registration_request("anna@example.org"), now)
    ).registration
    borys = (
        await registrations.register(db, "forum", registration_request("borys@example.org"), now)
    ).registration
    assert await _status(borys.id) is RegistrationStatus.WAITLISTED

    await sign_in(client)
    await client.get(f"{_base(event)}/registrations")
    response = await _post(client, f"{_base(event)}/registrations/{anna.id}/cancel")
    assert response.status_code == 303
    location = response.headers["location"]
    assert "notice=cancelled" in location
    assert "promoted=1" in location

    assert await _status(anna.id) is RegistrationStatus.CANCELLED
    assert await _status(borys.id) is RegistrationStatus.CONFIRMED
    assert [row["kind"] for row in await outbox_rows(registration=anna.id)][-1] == "cancelled"
    assert "promotion" in [row["kind"] for row in await outbox_rows(registration=borys.id)]

    page = await client.get(location)
    assert "Die Anmeldung wurde storniert" in page.text
    assert "1 Person ist von der Warteliste nachgerückt." in page.text

    again = await _post(client, f"{_base(event)}/registrations/{anna.id}/cancel")
    assert "notice=already-cancelled" in again.headers["location"]


async def test_organiser_cancel_refuses_a_registration_of_another_event(
    client,
    organiser,  # noqa: F811
    db,
    event_factory,
    now,
):
    event = await event_factory(slug="forum")
    other = await event_factory(slug="andere")
    anna = (
        await registrations.register(db, "andere", registration_request("anna@example.org"), now)
    ).registration
    await sign_in(client)
    await client.get(f"{_base(event)}/registrations")
    response = await _post(client, f"{_base(event)}/registrations/{anna.id}/cancel")
    assert response.status_code == 404
    assert await _status(anna.id) is RegistrationStatus.CONFIRMED
    assert other.id != event.id


async def test_promote_fills_seats_after_capacity_was_raised(
    client,
    organiser,  # noqa: F811
    db,
    event_factory,
    now,
):
    event = await event_factory(slug="forum", in_person_seats=Seats(1, 0))
    for name in ("anna", "borys", "carl"):
        await registrations.register(db, "forum", registration_request(f"{name}@example.org"), now)
    await EventTable.update({EventTable.capacity_in_person: 2}).where(EventTable.id == event.id)

    await sign_in(client)
    page = await client.get(f"{_base(event)}/registrations")
    assert "Von der Warteliste nachrücken" in page.text
    response = await _post(client, f"{_base(event)}/registrations/promote")
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "1 Person ist von der Warteliste nachgerückt." in page.text
    assert 'data-count="confirmed-in_person">2<' in page.text
    assert 'data-count="waitlisted-in_person">1<' in page.text

    response = await _post(client, f"{_base(event)}/registrations/promote")
    page = await client.get(response.headers["location"])
    assert "niemand" in page.text


async def test_manual_add_after_the_deadline_respects_capacity(
    client,
    organiser,  # noqa: F811
    db,
    event_factory,
    now,
):
    starts = now + dt.timedelta(days=7)
    event = await event_factory(
        slug="forum",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        registration_closes_at=now - dt.timedelta(hours=1),
        in_person_seats=Seats(1, 0),
    )
    with pytest.raises(RegistrationClosed):
        await registrations.register(db, "forum", registration_request("late@example.org"), now)

    await sign_in(client)
    form_page = await client.get(f"{_base(event)}/registrations/new")
    assert form_page.status_code == 200
    assert 'name="email"' in form_page.text

    first = await _post(
        client, f"{_base(event)}/registrations/new", **registration_form("anna@example.org")
    )
    assert first.status_code == 303
    assert "added_as=confirmed" in first.headers["location"]
    second = await _post(
        client, f"{_base(event)}/registrations/new", **registration_form("borys@example.org")
    )
    assert "added_as=waitlisted" in second.headers["location"]
    page = await client.get(second.headers["location"])
    assert "Die Anmeldung wurde hinzugefügt, Status: Warteliste." in page.text
    assert 'data-count="confirmed-in_person">1<' in page.text
    assert 'data-count="waitlisted-in_person">1<' in page.text

    twice = await _post(
        client, f"{_base(event)}/registrations/new", **registration_form("anna@example.org")
    )
    assert twice.status_code == 409
    assert "schon angemeldet" in twice.text


async def test_manual_add_with_an_invalid_email_keeps_the_input(client, organiser, event_factory):  # noqa: F811
    event = await event_factory(slug="forum")
    await sign_in(client)
    await client.get(f"{_base(event)}/registrations/new")
    form = registration_form("kein-at-zeichen", first_name="Mykola", organisation="Rada")
    response = await _post(client, f"{_base(event)}/registrations/new", **form)
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'value="kein-at-zeichen"' in response.text
    assert 'value="Mykola"' in response.text
    assert 'value="Rada"' in response.text
    assert await RegistrationTable.count() == 0


async def test_anonymous_visitors_are_refused(client, db, event_factory, now):
    event = await event_factory(slug="forum")
    anna = (
        await registrations.register(db, "forum", registration_request("anna@example.org"), now)
    ).registration
    page = await client.get(_base(event), follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/organiser/sign-in")
    response = await client.post(
        f"{_base(event)}/registrations/{anna.id}/cancel", follow_redirects=False
    )
    assert response.status_code in (303, 401, 403)
    assert await _status(anna.id) is RegistrationStatus.CONFIRMED
