"""Organisers manage events: create, edit, preview, publish, duplicate, change, cancel."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from app.domain.mail import MailKind
from app.domain.model import (
    EventFormat,
    EventStatus,
    OnlineAccess,
    PersonRole,
    QuestionKind,
    Seats,
)
from app.services import registrations
from app.services.events import get_with_access
from tests.conftest import FIXED_NOW, registration_request
from tests.mail.conftest import outbox_rows
from tests.web.conftest import SECRETS, cookie_token, upcoming
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NEW = "/organiser/events/new"


def _payload(row) -> dict[str, object]:
    payload = row["payload"]
    return json.loads(payload) if isinstance(payload, str) else payload


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}"


def full_form(**overrides: str) -> dict[str, str]:
    """Every field the form has, filled in."""
    form = {
        "title": "Auftakt Reallabor Kyjiw",
        "slug": "",
        "teaser": "Der Start des Reallabors.",
        "description": "**Wir** beginnen.\n\n- Punkt eins",
        "format": "hybrid",
        "starts_at": "2030-12-04T10:00",
        "ends_at": "2030-12-04T14:30",
        "timezone": "Europe/Berlin",
        "venue_name": "Museum Haus Opherdicke",
        "venue_address": "Dorfstraße 29\n59439 Holzwickede",
        "online_join_url": "https://zoom.example/j/555000111?pwd=SECRETPWD",
        "online_meeting_id": "555 000 111",
        "online_passcode": "987654",
        "capacity_in_person": "40",
        "capacity_online": "",
        "registration_opens_at": "2030-11-01T08:00",
        "registration_closes_at": "2030-12-01T23:59",
        "waitlist_enabled": "on",
        "double_opt_in": "on",
        "opt_in_hold_hours": "12",
        "access_mail_lead_hours": "2,5",
        "access_in_confirmation": "on",
        "reminder_lead_hours": "",
        "notify_organisers": "on",
        "contact_email": "team@example.org",
        "funding_note": "Gefördert von Engagement Global.",
        "series": "Reallabor",
        "tags": "Kyjiw, Auftakt, Kyjiw",
        "question_0_label": "Übernachtung nötig?",
        "question_0_kind": "yes_no",
        "question_0_required": "on",
        "question_1_label": "Essen",
        "question_1_kind": "choice",
        "question_1_options": "vegetarisch\r\nvegan\r\n\r\nalles",
        "question_2_label": "",
        "question_2_kind": "text",
        "programme_0_time": "10:00",
        "programme_0_title": "Begrüßung",
        "programme_0_detail": "Landrat",
        "programme_1_time": "",
        "programme_1_title": "",
        "person_0_name": "Олена Коваль",
        "person_0_affiliation": "Stadt Kyjiw",
        "person_0_role": "speaker",
        "person_1_name": "Jan Schmidt",
        "person_1_affiliation": "",
        "person_1_role": "moderation",
        "person_2_name": "",
        "person_2_role": "speaker",
    }
    form.update(overrides)
    return form


async def _post(client, path: str, data: dict[str, str]):
    return await client.post(
        path, data={**data, "_csrf_token": cookie_token(client)}, follow_redirects=False
    )


async def _create(client, **overrides: str) -> int:
    response = await _post(client, NEW, full_form(**overrides))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    match = re.fullmatch(r"/organiser/events/(\d+)\?notice=created", location)
    assert match, location
    return int(match.group(1))


@pytest.fixture
async def signed_in(client, organiser):  # noqa: F811
    await sign_in(client)
    return client


async def test_new_event_form_has_every_field_with_a_label(signed_in):
    page = (await signed_in.get(NEW)).text
    for name in (
        "title",
        "slug",
        "teaser",
        "description",
        "format",
        "starts_at",
        "ends_at",
        "timezone",
        "venue_name",
        "venue_address",
        "online_join_url",
        "online_meeting_id",
        "online_passcode",
        "capacity_in_person",
        "capacity_online",
        "registration_opens_at",
        "registration_closes_at",
        "waitlist_enabled",
        "double_opt_in",
        "opt_in_hold_hours",
        "access_mail_lead_hours",
        "access_in_confirmation",
        "reminder_lead_hours",
        "notify_organisers",
        "contact_email",
        "funding_note",
        "series",
        "tags",
        "question_0_label",
        "question_0_kind",
        "question_0_options",
        "question_0_required",
        "programme_0_time",
        "programme_0_title",
        "person_0_name",
        "person_0_role",
    ):
        assert f'name="{name}"' in page, name
        assert f'<label for="f-{name}"' in page, name
    assert 'type="datetime-local" name="starts_at"' in page
    # Sensible defaults: a waiting list, reminders a day ahead.
    assert re.search(r'name="waitlist_enabled" value="on" checked', page)
    assert 'name="reminder_lead_hours" value="24"' in page


async def test_create_stores_every_field_as_a_draft(signed_in):
    event_id = await _create(signed_in)
    event = await get_with_access(event_id)
    assert event.status is EventStatus.DRAFT
    assert event.slug == "auftakt-reallabor-kyjiw"
    assert event.title == "Auftakt Reallabor Kyjiw"
    assert event.description == "**Wir** beginnen.\n\n- Punkt eins"
    assert event.format is EventFormat.HYBRID
    # 10:00 in Berlin in December is 09:00 UTC.
    assert event.starts_at == dt.datetime(2030, 12, 4, 9, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2030, 12, 4, 13, 30, tzinfo=dt.UTC)
    assert event.registration_opens_at == dt.datetime(2030, 11, 1, 7, 0, tzinfo=dt.UTC)
    assert event.registration_closes_at == dt.datetime(2030, 12, 1, 22, 59, tzinfo=dt.UTC)
    assert event.venue_address == "Dorfstraße 29\n59439 Holzwickede"
    assert event.online_access == OnlineAccess(
        "https://zoom.example/j/555000111?pwd=SECRETPWD", "555 000 111", "987654"
    )
    assert event.in_person_seats == Seats(40, 0)
    assert event.online_seats == Seats(None, 0)
    assert event.waitlist_enabled
    assert event.double_opt_in
    assert event.opt_in_hold == dt.timedelta(hours=12)
    assert event.access_mail_lead == dt.timedelta(minutes=150)
    assert event.access_in_confirmation
    assert event.reminder_lead is None
    assert event.notify_organisers
    assert event.contact_email == "team@example.org"
    assert event.funding_note == "Gefördert von Engagement Global."
    assert event.series == "Reallabor"
    assert event.tags == ("Kyjiw", "Auftakt")
    assert [(q.label, q.kind, q.required, q.options) for q in event.questions] == [
        ("Übernachtung nötig?", QuestionKind.YES_NO, True, ()),
        ("Essen", QuestionKind.CHOICE, False, ("vegetarisch", "vegan", "alles")),
    ]
    assert len({q.key for q in event.questions}) == 2
    assert [(p.time, p.title, p.detail) for p in event.programme] == [
        ("10:00", "Begrüßung", "Landrat")
    ]
    assert [(p.name, p.affiliation, p.role) for p in event.people] == [
        ("Олена Коваль", "Stadt Kyjiw", PersonRole.SPEAKER),
        ("Jan Schmidt", "", PersonRole.MODERATION),
    ]
    # A draft is not public.
    assert (await signed_in.get(f"/events/{event.slug}")).status_code == 404
    overview = await signed_in.get(f"{_base(event_id)}?notice=angelegt")
    assert "als Entwurf angelegt" in overview.text
    assert 'id="event-status">Entwurf<' in overview.text


async def test_edit_form_shows_the_stored_values_and_saving_it_unchanged_changes_nothing(
    signed_in,
):
    event_id = await _create(signed_in)
    before = await get_with_access(event_id)
    page = (await signed_in.get(f"{_base(event_id)}/edit")).text
    assert 'value="2030-12-04T10:00"' in page
    assert 'value="Олена Коваль"' in page
    assert "vegetarisch\nvegan\nalles</textarea>" in page
    # The organiser sees the access data (never the public).
    assert "SECRETPWD" in page
    values = dict(
        re.findall(
            r'<input id="f-[^"]*" type="(?!checkbox|radio)[^"]*" name="([^"]+)" value="([^"]*)"',
            page,
        )
    )
    values = {k: html.unescape(v) for k, v in values.items()}
    for name, text in re.findall(
        r'<textarea id="f-[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', page
    ):
        values[name] = html.unescape(text)
    for name in re.findall(
        r'<input id="f-[^"]*" type="checkbox" name="([^"]+)" value="on" checked', page
    ):
        values[name] = "on"
    for name, value in re.findall(
        r'<select id="f-[^"]*" name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected>', page, re.S
    ):
        values[name] = value
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        if name != "_csrf_token":
            values[name] = value
    values["notify"] = "no"
    response = await _post(signed_in, f"{_base(event_id)}/edit", values)
    assert response.status_code == 303, response.text
    after = await get_with_access(event_id)
    assert after == dataclass_without_updated(before, after)
    assert after.revision == before.revision


def dataclass_without_updated(before, after):
    import dataclasses

    return dataclasses.replace(before, updated_at=after.updated_at)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Bitte füllen Sie dieses Feld aus."),
        ({"ends_at": "2030-12-04T09:00"}, "ends_at", "Das Ende muss nach dem Beginn liegen."),
        ({"starts_at": "morgen"}, "starts_at", "Bitte geben Sie Datum und Uhrzeit an"),
        (
            {"registration_closes_at": "2030-12-05T10:00"},
            "registration_closes_at",
            "Der Anmeldeschluss darf nicht nach dem Ende liegen.",
        ),
        (
            {"registration_opens_at": "2030-12-02T10:00"},
            "registration_opens_at",
            "vor dem Anmeldeschluss",
        ),
        ({"capacity_in_person": "-1"}, "capacity_in_person", "eine Zahl ab 0"),
        ({"capacity_in_person": "zehn"}, "capacity_in_person", "eine Zahl ab 0"),
        ({"capacity_online": "1.5"}, "capacity_online", "eine Zahl ab 0"),
        ({"format": "in_person"}, "online_join_url", "nur bei Online- und Hybrid"),
        ({"online_join_url": "zoom.example/j/1"}, "online_join_url", "vollständigen Link"),
        ({"online_join_url": ""}, "online_join_url", "Bitte füllen Sie dieses Feld aus."),
        ({"slug": "Mit Leerzeichen"}, "slug", "Nur Kleinbuchstaben"),
        ({"contact_email": "kein-at"}, "contact_email", "gültige E-Mail-Adresse"),
        ({"contact_email": ""}, "contact_email", "braucht es eine Kontakt-E-Mail"),
        ({"question_1_options": "nur eine"}, "question_1_options", "mindestens zwei"),
        ({"programme_1_time": "11:00"}, "programme_1_title", "Bitte füllen Sie"),
        ({"reminder_lead_hours": "-3"}, "reminder_lead_hours", "eine Zahl ab 0"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Zeitzone ist unbekannt"),
        ({"format": "zirkus"}, "format", "angebotenen Möglichkeiten"),
    ],
)
async def test_errors_are_shown_next_to_their_field_and_keep_what_was_typed(
    signed_in, overrides, field, message
):
    typed = {
        "title": "<script>alert(1)</script> Зустріч",
        "teaser": '=HYPERLINK("x")',
        **overrides,
    }
    response = await _post(signed_in, NEW, full_form(**typed))
    assert response.status_code == 400
    page = response.text
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', page)
    assert error, page
    assert message in html.unescape(error.group(1))
    assert f'href="#f-{field}"' in page  # the summary links to the field
    assert f'aria-describedby="{field}-error"' in page or f'{field}-error"' in page
    # Everything typed is still there, escaped.
    if typed["title"]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Зустріч" in page
        assert "<script>alert(1)" not in page
    assert "=HYPERLINK(&#34;x&#34;)" in page or '=HYPERLINK("x")' in html.unescape(page)
    assert 'value="Олена Коваль"' in page
    assert 'value="Übernachtung nötig?"' in page


async def test_a_taken_slug_is_refused_and_an_empty_one_is_made_unique(signed_in):
    first = await _create(signed_in, slug="forum-2030")
    response = await _post(signed_in, NEW, full_form(slug="forum-2030"))
    assert response.status_code == 400
    assert "schon eine andere Veranstaltung" in response.text
    second = await _create(signed_in)
    third = await _create(signed_in)
    slugs = {(await get_with_access(i)).slug for i in (first, second, third)}
    assert slugs == {"forum-2030", "auftakt-reallabor-kyjiw", "auftakt-reallabor-kyjiw-2"}


async def test_publish_and_unpublish(signed_in):
    event_id = await _create(signed_in, starts_at="2030-12-04T10:00", registration_opens_at="")
    slug = (await get_with_access(event_id)).slug
    response = await _post(signed_in, f"{_base(event_id)}/publish", {})
    assert response.status_code == 303
    assert response.headers["location"].endswith("notice=published")
    page = await signed_in.get(f"/events/{slug}")
    assert page.status_code == 200
    assert "Auftakt Reallabor Kyjiw" in page.text
    for secret in SECRETS:
        assert secret not in page.text
    overview = (await signed_in.get(_base(event_id))).text
    assert 'id="event-status">Veröffentlicht<' in overview
    assert f'href="/events/{slug}">Öffentliche Seite' in overview

    response = await _post(signed_in, f"{_base(event_id)}/unpublish", {})
    assert response.headers["location"].endswith("notice=unpublished")
    assert (await signed_in.get(f"/events/{slug}")).status_code == 404


async def test_unpublish_is_refused_once_people_registered(signed_in, db, now):
    event_id = await _create(signed_in, double_opt_in="", registration_opens_at="")
    await _post(signed_in, f"{_base(event_id)}/publish", {})
    slug = (await get_with_access(event_id)).slug
    await registrations.register(
        db,
        slug,
        registration_request(
            "a@example.org", mode="online", answers={"uebernachtung_noetig": "no"}
        ),
        now,
    )
    response = await _post(signed_in, f"{_base(event_id)}/unpublish", {})
    assert response.headers["location"].endswith("refused=has_registrations")
    page = (await signed_in.get(response.headers["location"])).text
    assert "bitte sagen Sie sie ab" in page
    assert (await get_with_access(event_id)).status is EventStatus.PUBLISHED


async def test_duplicate_is_a_draft_without_registrations_or_access_data(signed_in, db, now):
    event_id = await _create(signed_in, double_opt_in="", registration_opens_at="")
    await _post(signed_in, f"{_base(event_id)}/publish", {})
    slug = (await get_with_access(event_id)).slug
    await registrations.register(
        db,
        slug,
        registration_request(
            "a@example.org", mode="in_person", answers={"uebernachtung_noetig": "no"}
        ),
        now,
    )
    response = await _post(signed_in, f"{_base(event_id)}/duplicate", {})
    match = re.fullmatch(
        r"/organiser/events/(\d+)/edit\?notice=duplicated",
        response.headers["location"],
    )
    assert match
    copy = await get_with_access(int(match.group(1)))
    original = await get_with_access(event_id)
    assert copy.id != original.id
    assert copy.status is EventStatus.DRAFT
    assert copy.title == "Auftakt Reallabor Kyjiw (Kopie)"
    assert copy.slug != original.slug
    assert copy.online_access is None
    assert copy.in_person_seats == Seats(40, 0)
    assert original.in_person_seats == Seats(40, 1)
    assert copy.questions == original.questions
    assert copy.people == original.people
    assert copy.revision == 0
    page = (await signed_in.get(response.headers["location"])).text
    assert "Dies ist eine Kopie" in page


async def test_preview_shows_the_public_page_without_access_data(signed_in):
    event_id = await _create(signed_in, registration_opens_at="")
    page = await signed_in.get(f"{_base(event_id)}/preview")
    assert page.status_code == 200
    assert 'id="preview-banner"' in page.text
    assert "Auftakt Reallabor Kyjiw" in page.text
    assert "Олена Коваль" in page.text
    assert "<strong>Wir</strong> beginnen." in page.text
    assert re.search(r'<button type="submit" disabled>', page.text)
    for secret in SECRETS:
        assert secret not in page.text
    assert page.headers["cache-control"] == "no-store"


async def _published_with_registrants(client, db, **overrides: str):
    event_id = await _create(
        client, double_opt_in="", registration_opens_at="", notify_organisers="", **overrides
    )
    await _post(client, f"{_base(event_id)}/publish", {})
    slug = (await get_with_access(event_id)).slug
    now = FIXED_NOW
    made = [
        (
            await registrations.register(
                db,
                slug,
                registration_request(email, mode=mode, answers={"uebernachtung_noetig": "yes"}),
                now,
            )
        ).registration
        for email, mode in (("a@example.org", "in_person"), ("b@example.org", "online"))
    ]
    return event_id, made


def _edit(form: dict[str, str], **changes: str) -> dict[str, str]:
    return {
        **full_form(double_opt_in="", registration_opens_at="", notify_organisers=""),
        **form,
        **changes,
    }


async def test_a_change_of_time_tells_the_registrants_with_a_new_invite(signed_in, db):
    event_id, made = await _published_with_registrants(signed_in, db)
    before = await get_with_access(event_id)
    response = await _post(
        signed_in,
        f"{_base(event_id)}/edit",
        _edit({}, starts_at="2030-12-04T11:00", notify="yes", message="Wir beginnen später."),
    )
    assert response.status_code == 303
    assert "informed=2" in response.headers["location"]
    after = await get_with_access(event_id)
    assert after.starts_at == dt.datetime(2030, 12, 4, 10, 0, tzinfo=dt.UTC)
    assert after.revision == before.revision + 1
    told = await outbox_rows(kind=MailKind.EVENT_CHANGED.value)
    assert sorted(row["registration"] for row in told) == sorted(r.id for r in made)
    assert all(_payload(row)["message"] == "Wir beginnen später." for row in told)
    page = (await signed_in.get(response.headers["location"])).text
    assert "2 Angemeldete bekommen eine E-Mail" in page


async def test_a_change_can_be_saved_without_telling_anyone(signed_in, db):
    event_id, _ = await _published_with_registrants(signed_in, db)
    before = await get_with_access(event_id)
    response = await _post(
        signed_in,
        f"{_base(event_id)}/edit",
        _edit({}, venue_name="Museum Haus Opherdicke, Saal 2", notify="no"),
    )
    assert response.status_code == 303
    assert "informed=0" in response.headers["location"]
    after = await get_with_access(event_id)
    assert after.venue_name == "Museum Haus Opherdicke, Saal 2"
    # The invite's SEQUENCE still rises: calendars that see the next invite must take it.
    assert after.revision == before.revision + 1
    assert await outbox_rows(kind=MailKind.EVENT_CHANGED.value) == []


async def test_a_published_events_address_stays(signed_in, db):
    event_id, _ = await _published_with_registrants(signed_in, db)
    slug = (await get_with_access(event_id)).slug
    page = (await signed_in.get(f"{_base(event_id)}/edit")).text
    assert re.search(r'name="slug" value="[^"]*" readonly', page)
    await _post(signed_in, f"{_base(event_id)}/edit", _edit({}, slug="neue-adresse", notify="no"))
    assert (await get_with_access(event_id)).slug == slug


async def test_capacity_below_seats_taken_and_dropping_a_used_mode_are_refused(signed_in, db):
    event_id, _ = await _published_with_registrants(signed_in, db, capacity_online="5")
    response = await _post(
        signed_in, f"{_base(event_id)}/edit", _edit({}, capacity_online="0", notify="no")
    )
    assert response.status_code == 400
    assert 'id="capacity_online-error"' in response.text
    assert "mehr Plätze vergeben" in response.text
    response = await _post(
        signed_in,
        f"{_base(event_id)}/edit",
        _edit(
            {},
            format="in_person",
            online_join_url="",
            online_meeting_id="",
            online_passcode="",
            notify="no",
        ),
    )
    assert response.status_code == 400
    assert 'id="format-error"' in response.text
    assert (await get_with_access(event_id)).format is EventFormat.HYBRID


async def test_cancel_asks_for_confirmation_then_tells_everyone(signed_in, db):
    event_id, made = await _published_with_registrants(signed_in, db)
    form_page = await signed_in.get(f"{_base(event_id)}/cancel")
    assert form_page.status_code == 200
    assert 'name="message"' in form_page.text
    response = await _post(
        signed_in, f"{_base(event_id)}/cancel", {"message": "Leider krank.\r\nBis bald."}
    )
    assert response.status_code == 400
    assert "Leider krank." in response.text  # kept
    assert 'id="confirm-error"' in response.text
    assert (await get_with_access(event_id)).status is EventStatus.PUBLISHED

    response = await _post(
        signed_in,
        f"{_base(event_id)}/cancel",
        {"message": "Leider krank.\r\nBis bald.", "confirm": "yes"},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("notice=cancelled")
    event = await get_with_access(event_id)
    assert event.status is EventStatus.CANCELLED
    told = await outbox_rows(kind=MailKind.EVENT_CANCELLED.value)
    assert sorted(row["registration"] for row in told) == sorted(r.id for r in made)
    assert all(_payload(row)["message"] == "Leider krank.\nBis bald." for row in told)
    # The public page says so; the form is gone.
    page = (await signed_in.get(f"/events/{event.slug}")).text
    assert "Abgesagt:" in page
    overview = (await signed_in.get(_base(event_id))).text
    assert 'id="event-status">Abgesagt<' in overview
    assert "/cancel" not in overview


async def test_start_page_groups_drafts_upcoming_past_and_cancelled(signed_in, event_factory, now):
    await event_factory(slug="entwurf", title="Der Entwurf", status=EventStatus.DRAFT)
    await event_factory(slug="bald", title="Bald", **upcoming())
    await event_factory(
        slug="vorbei",
        title="Vorbei",
        starts_at=dt.datetime(2020, 1, 1, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC),
    )
    await event_factory(slug="abgesagt", title="Fällt aus", status=EventStatus.CANCELLED)
    page = (await signed_in.get("/organiser/")).text
    assert 'href="/organiser/events/new"' in page

    def group(key: str) -> str:
        match = re.search(rf'<section id="group-{key}">(.*?)</section>', page, re.S)
        assert match, key
        return match.group(1)

    assert "Der Entwurf" in group("drafts")
    assert "Bald" in group("upcoming")
    assert "Vorbei" in group("past")
    assert "Fällt aus" in group("cancelled")
    assert 'href="/events/entwurf"' not in page  # a draft has no public page


async def test_unknown_events_are_404(signed_in):
    for path in ("/edit", "/preview", "/cancel"):
        assert (await signed_in.get(f"{_base(999)}{path}")).status_code == 404
    for path in ("/publish", "/unpublish", "/duplicate", "/cancel"):
        response = await _post(signed_in, f"{_base(999)}{path}", {"confirm": "yes"})
        assert response.status_code == 404, path


async def test_the_edit_page_speaks_the_organisers_language(signed_in):
    event_id = await _create(signed_in)
    response = await _post(signed_in, f"{_base(event_id)}/duplicate", {})
    page = (await signed_in.get(response.headers["location"] + "&lang=en")).text
    assert "This is a copy as a draft" in page
    assert "Dies ist eine Kopie" not in page
    assert "Entwurf" not in page  # the status label too
