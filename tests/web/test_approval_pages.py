"""Approval in the organisers' list (one and a selection) and on the personal page (issue 18)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from app.db.tables import AuditEntry, Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.model import Seats
from app.services import approvals, registrations
from tests.conftest import registration_request
from tests.web.conftest import cookie_token
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used
from tests.web.test_roles import _team
from tests.web.test_roles import sign_in as sign_in_as


@pytest.fixture
async def asking(db, event_factory, now):
    """An event with one seat that asks for approval without holding seats, and no waiting
    list: Anna and Borys have asked."""
    event = await event_factory(
        slug="werkstatt",
        title="Werkstatt",
        in_person_seats=Seats(1, 0),
        approval_required=True,
        approval_holds_seat=False,
        waitlist_enabled=False,
    )
    made = {}
    for key in ("anna", "borys"):
        form = registration_request(f"{key}@example.org", first_name=key.title())
        made[key] = (await registrations.register(db, event.slug, form, now)).registration
    return event, made


def _list(event) -> str:
    return f"/organiser/events/{event.id}/registrations"


async def _status(registration_id: int) -> str:
    row = await RegistrationTable.select(RegistrationTable.status).where(
        RegistrationTable.id == registration_id
    )
    return str(row[0]["status"])


async def test_the_list_offers_approve_and_decline_and_each_does_its_part(
    client,
    organiser,  # noqa: F811
    asking,
):
    event, made = asking
    await sign_in(client)
    listing = (await client.get(_list(event))).text
    assert f'action="{_list(event)}/{made["anna"].id}/approve"' in listing
    assert f'action="{_list(event)}/{made["borys"].id}/decline"' in listing
    assert "wartet auf Freigabe" in listing
    token = {"_csrf_token": cookie_token(client)}

    approved = await client.post(
        f"{_list(event)}/{made['anna'].id}/approve", data=token, follow_redirects=False
    )
    assert approved.status_code == 303
    assert dict(parse_qsl(urlsplit(approved.headers["location"]).query)) == {"notice": "approved"}
    assert await _status(made["anna"].id) == "confirmed"
    # The only seat is taken and there is no waiting list: refused, clearly, and nothing changes.
    refused = await client.post(
        f"{_list(event)}/{made['borys'].id}/approve", data=token, follow_redirects=False
    )
    assert "notice=approval-full" in refused.headers["location"]
    page = (await client.get(refused.headers["location"])).text
    assert "kein Platz frei und es gibt keine Warteliste" in page
    assert await _status(made["borys"].id) == "requested"

    declined = await client.post(
        f"{_list(event)}/{made['borys'].id}/decline", data=token, follow_redirects=False
    )
    assert "notice=declined" in declined.headers["location"]
    assert await _status(made["borys"].id) == "declined"
    kinds = {
        (row["kind"], row["registration"])
        for row in await Outbox.select(Outbox.kind, Outbox.registration)
    }
    assert ("approved", made["anna"].id) in kinds
    assert ("declined", made["borys"].id) in kinds
    actions = {
        (row["action"], row["subject"])
        for row in await AuditEntry.select(AuditEntry.action, AuditEntry.subject)
    }
    assert ("registration_approved", made["anna"].id) in actions
    assert ("registration_declined", made["borys"].id) in actions


async def test_a_selection_is_approved_after_its_confirmation_page(
    client,
    organiser,  # noqa: F811
    asking,
):
    event, made = asking
    await sign_in(client)
    ids = [made["anna"].id, made["borys"].id]
    page = await client.get(
        f"{_list(event)}/bulk", params=[("action", "approve"), *(("r", str(i)) for i in ids)]
    )
    assert page.status_code == 200
    assert "Diese 2 Anmeldungen werden angenommen" in page.text
    assert await _status(made["anna"].id) == "requested"  # the confirmation changes nothing

    answer = await client.post(
        f"{_list(event)}/bulk",
        data={
            "action": "approve",
            "ids": ",".join(map(str, ids)),
            "confirmed": ",".join(map(str, ids)),
            "back": "",
            "_csrf_token": cookie_token(client),
        },
        follow_redirects=False,
    )

    assert answer.status_code == 303
    query = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert query == {"notice": "bulk-approved", "count": "2", "refused": "1"}
    listing = (await client.get(answer.headers["location"])).text
    assert "1 Anmeldung wurde angenommen" in listing
    assert "1 Anmeldung wurde nicht angenommen" in listing
    assert [await _status(i) for i in ids] == ["confirmed", "requested"]


async def test_door_staff_may_not_approve_or_decline(client, db, event_factory, now):
    _, event = await _team(db, event_factory, now, approval_required=True)
    form = registration_request("anna@example.org")
    pending = (await registrations.register(db, event.slug, form, now)).registration
    await sign_in_as(client, "door-assigned")
    for action in ("approve", "decline"):
        response = await client.post(
            f"{_list(event)}/{pending.id}/{action}",
            data={"_csrf_token": cookie_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 403, action
    assert await _status(pending.id) == "awaiting"


async def test_the_personal_page_shows_awaiting_then_declined(client, db, event_factory, now):
    event = await event_factory(approval_required=True)
    form = registration_request("anna@example.org")
    pending = (await registrations.register(db, event.slug, form, now)).registration

    page = (await client.get(f"/r/{pending.token}")).text
    assert 'id="approval"' in page
    assert "wartet auf Freigabe" in page
    assert f'action="/r/{pending.token}/cancel"' in page or "Anmeldung stornieren" in page

    await approvals.decline(db, event.id, pending.id, now)
    page = (await client.get(f"/r/{pending.token}")).text
    assert 'id="declined"' in page
    assert "nicht angenommen" in page
    assert "Anmeldung stornieren" not in page
