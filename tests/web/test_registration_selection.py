"""The organisers' list: answer columns, and bulk actions on a selection with confirmation.

Each bulk action goes through a confirmation page (GET, changes nothing) and a POST with CSRF
that does exactly what single actions do, recorded in the audit log; a forged, garbled or stale
selection changes nothing.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from app.db.tables import AuditEntry, Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.model import AttendanceMode, Question, QuestionKind, Seats
from app.services import registrations
from tests.conftest import registration_request
from tests.web.conftest import cookie_token
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NASTY = '<script>alert("x")</script>'
QUESTIONS = (
    Question(key="diet", label="Ernährung <i>bitte</i>", kind=QuestionKind.TEXT),
    Question(
        key="lunch",
        label="Mittagessen",
        kind=QuestionKind.CHOICE,
        options=("vegetarisch", "mit Fleisch"),
    ),
    Question(key="bus", label="Bus", kind=QuestionKind.YES_NO),
)


@pytest.fixture
async def crowd(db, event_factory, now):
    """An event with two seats and questions: Anna and Borys confirmed, Clara and Dmytro
    waiting, Eva cancelled; another event with one registration."""
    event = await event_factory(
        slug="forum", title="Forum", in_person_seats=Seats(2, 0), questions=QUESTIONS
    )
    made = {}
    for key, first, answers in [
        ("anna", "Anna", {"diet": NASTY, "lunch": "vegetarisch", "bus": "yes"}),
        ("borys", "Борис", {"diet": "keine", "lunch": "mit Fleisch", "bus": "no"}),
        ("clara", "Clara", {}),
        ("dmytro", "Dmytro", {}),
        ("eva", "Eva", {}),
    ]:
        request = registration_request(f"{key}@example.org", first_name=first, answers=answers)
        made[key] = (await registrations.register(db, "forum", request, now)).registration
    await registrations.cancel(db, made["eva"].token, now)
    other = await event_factory(slug="andere", title="Andere")
    made["stranger"] = (
        await registrations.register(db, "andere", registration_request("x@example.org"), now)
    ).registration
    return event, other, made


async def _rows():
    return await RegistrationTable.select().order_by(RegistrationTable.id)


async def _outbox():
    return await Outbox.select(Outbox.kind, Outbox.registration).order_by(Outbox.id)


def _list(event) -> str:
    return f"/organiser/events/{event.id}/registrations"


def _bulk(event) -> str:
    return f"{_list(event)}/bulk"


def _part(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text`` (across lines); fails if it is not there."""
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(1)


def _hidden(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
    }


async def test_answers_are_columns_escaped_and_translated(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    page = await client.get(_list(event))
    assert page.status_code == 200
    text = page.text
    assert NASTY not in text
    assert "Ernährung &lt;i&gt;bitte&lt;/i&gt;" in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
    for key in ("diet", "lunch", "bus"):
        assert f'data-question="{key}"' in text
    row = _part(rf'<tr id="r-{made["anna"].id}">(.*?)</tr>', text)
    assert "<td>vegetarisch</td>" in row
    assert "<td>Ja</td>" in row
    # In English the yes/no answer is English too.
    english = await client.get(_list(event), headers={"Accept-Language": "en"})
    assert english.status_code == 200


async def test_columns_are_chosen_and_kept_in_the_page_links(client, organiser, crowd):  # noqa: F811
    event, _, _ = crowd
    await sign_in(client)
    page = await client.get(_list(event), params=[("columns", "1"), ("cols", "lunch")])
    assert 'data-question="lunch"' in page.text
    assert 'data-question="diet"' not in page.text
    assert NASTY not in page.text
    assert re.search(r'name="cols" value="lunch" checked', page.text)
    assert not re.search(r'name="cols" value="diet" checked', page.text)
    # The selection's way back to the list keeps the choice.
    back = dict(parse_qsl(_hidden(page.text)["back"]))
    assert back == {"columns": "1", "cols": "lunch", "page": "1"}
    # None chosen: no answer columns; unknown keys are ignored.
    none = await client.get(_list(event), params=[("columns", "1"), ("cols", "<x>")])
    assert "data-question=" not in none.text
    assert "&lt;x&gt;" not in none.text


async def test_the_list_is_in_its_own_scrollable_region(client, organiser, crowd):  # noqa: F811
    event, _, _ = crowd
    await sign_in(client)
    page = await client.get(_list(event))
    assert '<div class="reg-table" role="region" aria-labelledby="list-caption" tabindex="0">' in (
        page.text
    )
    assert '<caption id="list-caption">' in page.text
    # Status counts in the filter, from the grouped counts.
    assert ">bestätigt (2)</option>" in page.text
    assert ">Warteliste (2)</option>" in page.text


async def test_check_in_and_online_attendance_are_shown(client, organiser, crowd, now, db):  # noqa: F811
    event, _, made = crowd
    await RegistrationTable.update(
        {RegistrationTable.checked_in_at: now, RegistrationTable.mode: AttendanceMode.ONLINE.value}
    ).where(RegistrationTable.id == made["anna"].id)
    await RegistrationTable.update({RegistrationTable.attended_online_at: now}).where(
        RegistrationTable.id == made["borys"].id
    )
    await sign_in(client)
    page = await client.get(_list(event))
    anna = _part(rf'<tr id="r-{made["anna"].id}">(.*?)</tr>', page.text)
    borys = _part(rf'<tr id="r-{made["borys"].id}">(.*?)</tr>', page.text)
    assert (
        f'<time datetime="{now.isoformat()}">Freitag, 20. November 2026, 10:00 Uhr</time>' in anna
    )
    assert "online teilgenommen: <time" in borys


async def test_confirmation_lists_who_is_affected_and_changes_nothing(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    before = await _rows()
    ids = [made[k].id for k in ("anna", "clara", "eva")]
    page = await client.get(
        _bulk(event), params=[("action", "cancel"), *(("r", str(i)) for i in ids)]
    )
    assert page.status_code == 200
    affected = _part(r'<ul id="affected"[^>]*>(.*?)</ul>', page.text)
    unaffected = _part(r'<ul id="unaffected"[^>]*>(.*?)</ul>', page.text)
    assert "Anna" in affected
    assert "Clara" in affected
    assert "Eva" not in affected
    assert "Eva" in unaffected
    fields = _hidden(page.text)
    assert fields["ids"] == ",".join(map(str, ids))
    assert fields["confirmed"] == f"{made['anna'].id},{made['clara'].id}"
    assert "2 Anmeldungen stornieren" in page.text
    assert 'name="_csrf_token"' in page.text
    assert await _rows() == before

    check_in = await client.get(
        _bulk(event), params=[("action", "check_in"), *(("r", str(i)) for i in ids)]
    )
    assert check_in.status_code == 200
    assert _hidden(check_in.text)["confirmed"] == str(made["anna"].id)
    assert "1 Person einlassen" in check_in.text


async def test_all_on_the_page_without_javascript(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    listing = await client.get(_list(event))
    page_ids = _hidden(listing.text)["page_ids"]
    assert page_ids.split(",") == [
        str(made[k].id) for k in ("anna", "borys", "clara", "dmytro", "eva")
    ]
    page = await client.get(
        _bulk(event), params={"action": "check_in", "all": "page", "page_ids": page_ids}
    )
    assert _hidden(page.text)["ids"] == page_ids
    assert _hidden(page.text)["confirmed"] == f"{made['anna'].id},{made['borys'].id}"


async def _confirm(client, event, action, ids):
    page = await client.get(
        _bulk(event), params=[("action", action), *(("r", str(i)) for i in ids)]
    )
    assert page.status_code == 200, page.text[:300]
    return {**_hidden(page.text), "_csrf_token": cookie_token(client)}


async def test_bulk_cancel_has_the_effects_of_single_cancellations(client, organiser, crowd, now):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    anna, borys, clara, dmytro = (made[k] for k in ("anna", "borys", "clara", "dmytro"))
    mails_before = len(await _outbox())
    form = await _confirm(client, event, "cancel", [anna.id, borys.id, made["eva"].id])
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == _list(event)
    query = dict(parse_qsl(location.query))
    assert query == {"notice": "bulk-cancelled", "count": "2", "promoted": "2"}
    rows = {row["id"]: row for row in await _rows()}
    assert rows[anna.id]["status"] == rows[borys.id]["status"] == "cancelled"
    # The freed seats went to the waiting list, first come first served.
    assert rows[clara.id]["status"] == rows[dmytro.id]["status"] == "confirmed"
    # The invite CANCEL outranks the invite they had.
    assert rows[anna.id]["invite_sequence"] == anna.invite_sequence + 1
    # Scheduled mails (the reminder) come with a confirmed seat, as they do for one cancellation.
    new_mails = [
        (m["kind"], m["registration"])
        for m in (await _outbox())[mails_before:]
        if m["kind"] not in {"reminder", "access"}
    ]
    assert sorted(new_mails) == sorted(
        [
            ("cancelled", anna.id),
            ("cancelled", borys.id),
            ("promotion", clara.id),
            ("promotion", dmytro.id),
        ]
    )
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.subject).where(
        AuditEntry.event == event.id
    )
    cancelled = sorted(e["subject"] for e in entries if e["action"] == "registration_cancelled")
    assert cancelled == [anna.id, borys.id]
    listing = await client.get(answer.headers["location"])
    assert "2 Anmeldungen wurden storniert" in listing.text
    assert "2 Personen sind von der Warteliste nachgerückt." in listing.text


async def test_bulk_cancel_of_a_seat_and_the_waiting_list_moves_nobody_of_the_selection_up(
    client,
    organiser,  # noqa: F811
    crowd,
    now,
):
    """Anna's seat and Clara (first in line) at once: Clara is cancelled, never moved up first;
    the seat goes to Dmytro, the next in line, and only he is told."""
    event, _, made = crowd
    await sign_in(client)
    anna, clara, dmytro = (made[k] for k in ("anna", "clara", "dmytro"))
    mails_before = len(await _outbox())
    form = await _confirm(client, event, "cancel", [anna.id, clara.id])
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    assert answer.status_code == 303
    query = dict(parse_qsl(urlsplit(answer.headers["location"]).query))
    assert query == {"notice": "bulk-cancelled", "count": "2", "promoted": "1"}
    rows = {row["id"]: row for row in await _rows()}
    assert rows[anna.id]["status"] == rows[clara.id]["status"] == "cancelled"
    assert rows[dmytro.id]["status"] == "confirmed"
    new_mails = [
        (m["kind"], m["registration"])
        for m in (await _outbox())[mails_before:]
        if m["kind"] in {"promotion", "confirmation"}
    ]
    assert new_mails == [("promotion", dmytro.id)]


async def test_bulk_check_in(client, organiser, crowd, now):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    ids = [made[k].id for k in ("anna", "borys", "clara")]
    form = await _confirm(client, event, "check_in", ids)
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert "notice=bulk-checked-in" in answer.headers["location"]
    rows = {row["id"]: row for row in await _rows()}
    assert rows[made["anna"].id]["checked_in_at"] == now
    assert rows[made["borys"].id]["checked_in_at"] == now
    assert rows[made["clara"].id]["checked_in_at"] is None  # waiting: not let in
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.subject).where(
        AuditEntry.action == "checked_in"
    )
    assert sorted(e["subject"] for e in entries) == sorted(ids[:2])
    listing = await client.get(answer.headers["location"])
    assert "2 Personen wurden eingelassen." in listing.text


async def test_a_stale_selection_changes_nothing(client, organiser, crowd, now, db):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    form = await _confirm(client, event, "check_in", [made["anna"].id, made["borys"].id])
    # Meanwhile at the door: Anna is let in on another device.
    await RegistrationTable.update({RegistrationTable.checked_in_at: now}).where(
        RegistrationTable.id == made["anna"].id
    )
    before = await _rows()
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    assert answer.status_code == 409
    assert 'id="changed"' in answer.text
    assert _hidden(answer.text)["confirmed"] == str(made["borys"].id)
    assert await _rows() == before


@pytest.mark.parametrize(
    "change",
    [
        {"ids": "OTHER"},  # a registration of another event
        {"ids": "ANNA,OTHER"},
        {"ids": "999999"},  # no such registration
        {"ids": "1;DROP TABLE registration"},
        {"ids": ""},
        {"ids": ",".join(str(n) for n in range(1, 502))},  # too many
        {"ids": "99999999999999999999"},
        {"action": "delete"},
        {"confirmed": "x"},
    ],
)
async def test_forged_selections_are_refused(client, organiser, crowd, change):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    form = await _confirm(client, event, "cancel", [made["anna"].id])
    for name, value in change.items():
        form[name] = value.replace("OTHER", str(made["stranger"].id)).replace(
            "ANNA", str(made["anna"].id)
        )
    if "ids" in change and "OTHER" in change["ids"]:
        form["confirmed"] = form["ids"]
    rows, mails, audit = await _rows(), await _outbox(), await AuditEntry.count()
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    assert answer.status_code in (400, 404), answer.status_code
    assert await _rows() == rows
    assert await _outbox() == mails
    assert await AuditEntry.count() == audit


async def test_the_confirmation_refuses_another_events_registrations(client, organiser, crowd):  # noqa: F811
    event, other, made = crowd
    await sign_in(client)
    for ids in ([made["stranger"].id], [made["anna"].id, made["stranger"].id]):
        page = await client.get(
            _bulk(event), params=[("action", "cancel"), *(("r", str(i)) for i in ids)]
        )
        assert page.status_code == 404
    # The other event's own list takes it.
    page = await client.get(
        _bulk(other), params={"action": "cancel", "r": str(made["stranger"].id)}
    )
    assert page.status_code == 200
    nothing = await client.get(_bulk(event), params={"action": "cancel"}, follow_redirects=False)
    assert nothing.status_code == 303
    assert "notice=nothing-selected" in nothing.headers["location"]


async def test_the_way_back_keeps_only_the_lists_parameters(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    form = await _confirm(client, event, "check_in", [made["anna"].id])
    form["back"] = "status=confirmed&next=https://evil.example&page=1"
    answer = await client.post(_bulk(event), data=form, follow_redirects=False)
    location = answer.headers["location"]
    assert location.startswith(_list(event) + "?")
    assert "evil" not in location
    assert dict(parse_qsl(urlsplit(location).query))["status"] == "confirmed"


async def test_message_to_a_selection(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    chosen = [made[k].id for k in ("anna", "clara", "eva")]
    page = await client.get(
        f"/organiser/events/{event.id}/message",
        params=[("action", "message"), *(("r", str(i)) for i in chosen)],
    )
    assert page.status_code == 200
    receiving = _part(r'<ul id="receiving">(.*?)</ul>', page.text)
    assert "Anna" in receiving
    assert "Clara" in receiving
    assert "Eva" not in receiving
    assert "Eva" in _part(r'<ul id="left-out">(.*?)</ul>', page.text)
    assert 'name="audience" type="radio"' not in page.text
    fields = _hidden(page.text)
    assert fields["audience"] == "selection"
    form = {
        **fields,
        "subject": "Treffpunkt",
        "text": "Bis morgen",
        "_csrf_token": cookie_token(client),
    }
    preview = await client.post(f"/organiser/events/{event.id}/message/preview", data=form)
    assert preview.status_code == 200
    assert "<strong>2</strong> Empfänger" in preview.text
    mails = len(await _outbox())
    sent = await client.post(
        f"/organiser/events/{event.id}/message", data=form, follow_redirects=False
    )
    assert sent.status_code == 303
    new = [(m["kind"], m["registration"]) for m in (await _outbox())[mails:]]
    assert sorted(new) == [("message", made["anna"].id), ("message", made["clara"].id)]
    [entry] = await AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == "message_sent")
    assert entry["detail"] == "audience=selection,recipients=2"


async def test_a_message_to_a_forged_selection_sends_nothing(client, organiser, crowd):  # noqa: F811
    event, _, made = crowd
    await sign_in(client)
    page = await client.get(
        f"/organiser/events/{event.id}/message", params={"r": str(made["stranger"].id)}
    )
    assert page.status_code == 404
    await client.get(f"/organiser/events/{event.id}/message")
    form = {
        "ids": f"{made['anna'].id},{made['stranger'].id}",
        "audience": "selection",
        "subject": "Gekapert",
        "text": "Bitte klicken",
        "_csrf_token": cookie_token(client),
    }
    mails = await _outbox()
    for path in ("message", "message/preview"):
        answer = await client.post(
            f"/organiser/events/{event.id}/{path}", data=form, follow_redirects=False
        )
        assert answer.status_code == 404
    assert await _outbox() == mails
    # "selection" without a selection is no audience.
    del form["ids"]
    answer = await client.post(f"/organiser/events/{event.id}/message", data=form)
    assert answer.status_code == 400
    assert await _outbox() == mails
