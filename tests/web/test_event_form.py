"""The organisers' event form: parsing, checking and showing an event again."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.domain.errors import InvalidInput
from app.domain.event_rules import build_event, slugify
from app.domain.model import EventFormat, EventStatus, Question, QuestionKind, Seats
from app.web.event_form import event_values, new_event_values, parse_event_form
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def event_from_form(form, current=None):
    """The event the organisers' form describes: the web layer reads it, the rules build it."""
    return build_event(parse_event_form(form), current=current)


def _form(**overrides: str) -> dict[str, str]:
    return {**new_event_values(NOW), "title": "Forum", **overrides}


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Auftakt Reallabor Kyjiw", "auftakt-reallabor-kyjiw"),
        ("Größe & Übermut: Straße", "groesse-uebermut-strasse"),
        ("Зустріч у Києві 2026", "zustrich-u-kyievi-2026"),
        ("Café — ‹naïve›", "cafe-naive"),
        ("🎉!!!", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_a_new_event_form_parses_to_a_draft_with_defaults():
    event = event_from_form(_form())
    assert event.status is EventStatus.DRAFT
    assert event.waitlist_enabled
    assert event.reminder_lead == dt.timedelta(hours=24)
    assert event.access_mail_lead == dt.timedelta(hours=24)
    assert event.in_person_seats == Seats(None, 0)
    # Four weeks ahead, 10:00 in Berlin (winter time: 09:00 UTC), three hours long.
    assert event.starts_at == dt.datetime(2026, 12, 18, 9, 0, tzinfo=dt.UTC)
    assert event.ends_at - event.starts_at == dt.timedelta(hours=3)


def test_summer_and_winter_time_follow_the_event_zone():
    summer = event_from_form(_form(starts_at="2027-07-01T10:00", ends_at="2027-07-01T12:00"))
    assert summer.starts_at == dt.datetime(2027, 7, 1, 8, 0, tzinfo=dt.UTC)
    kyiv = event_from_form(
        _form(starts_at="2027-07-01T10:00", ends_at="2027-07-01T12:00", timezone="Europe/Kyiv")
    )
    assert kyiv.starts_at == dt.datetime(2027, 7, 1, 7, 0, tzinfo=dt.UTC)


def test_every_error_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        event_from_form(
            _form(
                title="",
                ends_at="2000-01-01T00:00",
                capacity_in_person="-4",
                online_passcode="123",
                contact_email="x",
            )
        )
    assert caught.value.errors == {
        "title": "required",
        "ends_at": "not_after_start",
        "capacity_in_person": "invalid_number",
        "online_passcode": "access_not_online",
        "contact_email": "invalid_email",
    }


def test_capacity_of_a_mode_the_format_lacks_is_not_kept():
    event = event_from_form(_form(format="online", capacity_in_person="30", capacity_online="5"))
    assert event.in_person_seats.capacity is None
    assert event.online_seats.capacity == 5
    assert event.format is EventFormat.ONLINE


def test_zero_seats_is_a_capacity_not_unlimited():
    event = event_from_form(_form(capacity_in_person="0"))
    assert event.in_person_seats == Seats(0, 0)


@pytest.mark.parametrize("raw", ["nan", "inf", "1e9", "-0.5", "zwei", "1441"])
def test_bad_hours_are_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        event_from_form(_form(reminder_lead_hours=raw))
    assert caught.value.errors == {"reminder_lead_hours": "invalid_number"}


def test_stored_questions_keep_their_keys_and_new_ones_get_unique_keys():
    current = make_event(
        NOW,
        questions=(Question("essen", "Essen", QuestionKind.CHOICE, options=("vegan", "alles")),),
    )
    form = {
        **event_values(current),
        "question_0_label": "Essen (geändert)",
        "question_1_label": "Essen",
        "question_1_kind": "text",
        "question_2_label": "Essen",
        "question_2_kind": "text",
        "question_2_key": "essen",  # a forged duplicate key gets a fresh one
    }
    event = event_from_form(form, current=current)
    assert [q.key for q in event.questions] == ["essen", "essen_2", "essen_3"]
    assert event.questions[0].label == "Essen (geändert)"


def test_showing_an_event_and_reading_it_back_gives_the_same_event():
    current = dataclasses.replace(
        make_event(NOW, format=EventFormat.HYBRID),
        id=7,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(20, 3),
        online_seats=Seats(None, 2),
        registration_closes_at=NOW + dt.timedelta(days=6),
        reminder_lead=None,
        access_mail_lead=dt.timedelta(minutes=90),
        tags=("Reallabor", "Kyjiw"),
        revision=4,
    )
    assert event_from_form(event_values(current), current=current) == current
