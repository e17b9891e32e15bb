"""The organisers' approvals page: the pending list, deciding one or many, CSRF, escaping, and
the event form's approval settings; the public form tells a registrant their registration waits.
"""

from __future__ import annotations

import pytest

from app.db.tables import AuditEntry
from app.db.tables import Registration as RegistrationTable
from app.domain.model import EventFormat, RegistrationStatus, Seats
from app.services import registrations
from tests.conftest import registration_form, registration_request
from tests.web.conftest import cookie_token, submit, token_from, upcoming
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NASTY = "<script>alert(1)</script>"


@pytest.fixture
async def waiting(db, event_factory, now):
    """An event that requires approval, with one seat held for the first of three people."""
    event = await event_factory(
        slug="werkstatt",
        title="Werkstatt",
        in_person_seats=Seats(1, 0),
        requires_approval=True,
        approval_holds_seat=True,
        **upcoming(),
    )
    made = []
    for email, last in [
        ("anna@example.org", "Alpha"),
        ("ben@example.org", NASTY),
        ("cleo@example.org", "Cerny"),
    ]:
        form = registration_request(email, first_name="P", last_name=last)
        made.append((await registrations.register(db, "werkstatt", form, now)).registration)
    return event, made


async def status(registration_id: int) -> RegistrationStatus:
    row = (
        await RegistrationTable.select(RegistrationTable.status)
        .where(RegistrationTable.id == registration_id)
        .first()
    )
    assert row is not None
    return RegistrationStatus(row["status"])


async def test_the_list_shows_who_waits_escaped(client, organiser, waiting):  # noqa: F811
    event, made = waiting
    await sign_in(client)
    page = await client.get(f"/organiser/events/{event.id}/registrations/approvals")
    assert page.status_code == 200
    assert "3 Anmeldungen warten auf Freigabe" in page.text
    assert NASTY not in page.text
    assert "&lt;script&gt;" in page.text
    for registration in made:
        assert f'name="r_{registration.id}"' in page.text
    listing = await client.get(f"/organiser/events/{event.id}/registrations")
    assert "Freigabe ausstehend" in listing.text
    assert f"/organiser/events/{event.id}/registrations/approvals" in listing.text


async def test_one_is_approved_and_one_declined_with_csrf(client, organiser, waiting):  # noqa: F811
    event, (anna, ben, _cleo) = waiting
    await sign_in(client)
    base = f"/organiser/events/{event.id}/registrations"
    await client.get(f"{base}/approvals")
    refused = await client.post(f"{base}/{anna.id}/approve", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert await status(anna.id) is RegistrationStatus.PENDING_APPROVAL

    token = {"_csrf_token": cookie_token(client)}
    done = await client.post(f"{base}/{anna.id}/approve", data=token, follow_redirects=True)
    assert "Die Anmeldung ist freigegeben" in done.text
    assert await status(anna.id) is RegistrationStatus.CONFIRMED
    done = await client.post(f"{base}/{ben.id}/decline", data=token, follow_redirects=True)
    assert "Die Anmeldung ist abgelehnt" in done.text
    assert await status(ben.id) is RegistrationStatus.DECLINED
    again = await client.post(f"{base}/{ben.id}/decline", data=token, follow_redirects=True)
    assert "schon entschieden" in again.text
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.organiser_name)
    assert {(e["action"], e["organiser_name"]) for e in entries} == {
        ("registration_approved", "Olena Koval"),
        ("registration_declined", "Olena Koval"),
    }


async def test_ticked_ones_are_decided_together(client, organiser, waiting):  # noqa: F811
    event, (anna, ben, cleo) = waiting
    await sign_in(client)
    base = f"/organiser/events/{event.id}/registrations/approvals"
    await client.get(base)
    form = {
        "_csrf_token": cookie_token(client),
        "decision": "approve",
        f"r_{anna.id}": "on",
        f"r_{ben.id}": "on",
        "r_x": "on",
    }
    page = await client.post(base, data=form, follow_redirects=True)
    assert page.status_code == 200
    # anna had the seat; ben goes onto the waiting list.
    assert "2 Anmeldungen freigegeben" in page.text
    assert await status(anna.id) is RegistrationStatus.CONFIRMED
    assert await status(ben.id) is RegistrationStatus.WAITLISTED
    assert await status(cleo.id) is RegistrationStatus.PENDING_APPROVAL
    assert "1 Anmeldung wartet auf Freigabe" in page.text

    nothing = await client.post(
        base, data={"_csrf_token": cookie_token(client), "decision": "decline"}
    )
    assert "mindestens eine Anmeldung" in nothing.text
    await client.post(
        base,
        data={"_csrf_token": cookie_token(client), "decision": "decline", f"r_{cleo.id}": "on"},
    )
    assert await status(cleo.id) is RegistrationStatus.DECLINED


async def test_the_public_form_says_the_registration_waits(client, event_factory):
    await event_factory(slug="werkstatt", requires_approval=True, **upcoming())
    response = await submit(client, "werkstatt", registration_form("anna@example.org"))
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Ihre Anmeldung ist eingegangen" in page.text
    assert "Freigabe durch das Organisationsteam ausstehend" in page.text
    row = (
        await RegistrationTable.select(RegistrationTable.status)
        .where(RegistrationTable.token == token_from(response.headers["location"]))
        .first()
    )
    assert row == {"status": "pending_approval"}


async def test_the_event_form_keeps_the_approval_settings(client, organiser, event_factory):  # noqa: F811
    event = await event_factory(
        slug="werkstatt",
        format=EventFormat.IN_PERSON,
        requires_approval=True,
        approval_holds_seat=False,
        **upcoming(),
    )
    await sign_in(client)
    page = await client.get(f"/organiser/events/{event.id}/edit")
    assert 'name="requires_approval"' in page.text
    assert 'name="approval_holds_seat"' in page.text
    checked = page.text.split('name="requires_approval"')[1].split(">")[0]
    assert "checked" in checked
    unchecked = page.text.split('name="approval_holds_seat"')[1].split(">")[0]
    assert "checked" not in unchecked
