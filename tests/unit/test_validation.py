"""Validation of the registration form: an error code per field, nothing raised but InvalidInput."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.errors import InvalidInput
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    Language,
    Question,
    QuestionKind,
)
from app.domain.validation import (
    is_slug_shaped,
    is_token_shaped,
    normalise_email,
    validate_registration,
)
from tests.conftest import make_event, registration_form

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
QUESTIONS = (
    Question("essen", "Verpflegung", QuestionKind.CHOICE, True, ("vegetarisch", "vegan")),
    Question("fotos", "Fotos erlaubt", QuestionKind.YES_NO, False),
    Question("frage", "Ihre Frage", QuestionKind.TEXT, False),
)


def errors_of(form, **event_changes):
    event = make_event(NOW, **event_changes)
    with pytest.raises(InvalidInput) as raised:
        validate_registration(event, form, consent_version="v1")
    return raised.value.errors


def test_a_valid_form_is_cleaned():
    event = make_event(NOW, questions=QUESTIONS)
    form = registration_form(
        "  Olena.Koval@Example.ORG ",
        first_name="  Olena \n ",
        last_name="Koval",
        q_essen="vegan",
        q_fotos="no",
        language="uk",
    )
    request = validate_registration(event, form, consent_version="v1")
    assert request.first_name == "Olena"
    assert request.email == "Olena.Koval@Example.ORG"
    assert request.mode is AttendanceMode.IN_PERSON
    assert request.language is Language.UK
    assert request.answers == {"essen": "vegan", "fotos": "no"}
    assert request.consent_version == "v1"


def test_every_error_is_reported_at_once():
    errors = errors_of({"email": "not-an-address"}, questions=QUESTIONS)
    assert errors == {
        "first_name": "required",
        "last_name": "required",
        "email": "invalid_email",
        "q_essen": "required",
        "consent": "consent_required",
    }


@pytest.mark.parametrize(
    "email",
    [
        "a@b",
        "a b@example.org",
        "a@@example.org",
        "@example.org",
        "a@example.org\r\nBcc: x@y.z",
        "x" * 250 + "@example.org",
    ],
)
def test_bad_addresses(email):
    assert errors_of(registration_form(email))["email"] == "invalid_email"


def test_names_too_long_or_with_control_characters():
    errors = errors_of(registration_form("a@example.org", first_name="x" * 201, last_name="a\x00b"))
    assert errors == {"first_name": "too_long", "last_name": "invalid_text"}


def test_header_syntax_in_names_is_flattened_to_one_line():
    event = make_event(NOW)
    form = registration_form("a@example.org", last_name="Koval\r\nBcc: evil@example.org")
    request = validate_registration(event, form, consent_version="v1")
    assert "\n" not in request.last_name
    assert "\r" not in request.last_name


def test_choices_must_be_offered():
    errors = errors_of(
        registration_form("a@example.org", q_essen="Schnitzel", q_fotos="vielleicht"),
        questions=QUESTIONS,
    )
    assert errors == {"q_essen": "invalid_choice", "q_fotos": "invalid_choice"}


def test_hybrid_events_need_a_mode_they_offer():
    assert errors_of(registration_form("a@example.org"), format=EventFormat.HYBRID) == {
        "mode": "required"
    }
    assert errors_of(
        registration_form("a@example.org", mode="teleport"), format=EventFormat.HYBRID
    ) == {"mode": "invalid_choice"}


def test_unknown_language_is_an_error_not_a_crash():
    assert errors_of(registration_form("a@example.org", language="xx")) == {
        "language": "invalid_choice"
    }


def test_normalised_email_ignores_case_and_surrounding_space():
    assert normalise_email("  Olena@Example.ORG ") == normalise_email("olena@example.org")


def test_text_answers_keep_line_breaks_but_not_other_control_characters():
    event = make_event(NOW, questions=QUESTIONS)
    form = registration_form("a@example.org", q_essen="vegan", q_frage="Zeile 1\r\nZeile 2")
    assert validate_registration(event, form, consent_version="v1").answers["frage"] == (
        "Zeile 1\nZeile 2"
    )
    bad = registration_form("a@example.org", q_essen="vegan", q_frage="a\x00b")
    assert errors_of(bad, questions=QUESTIONS) == {"q_frage": "invalid_text"}


@pytest.mark.parametrize("token", ["", "short", "a" * 65, "abc\x00" * 8, "../" * 10, "ä" * 20])
def test_malformed_tokens_are_never_looked_up(token):
    assert not is_token_shaped(token)


def test_real_tokens_and_slugs_are_shaped_right():
    from app.services.registrations import new_token

    assert is_token_shaped(new_token())
    assert is_slug_shaped("landkreise-als-internationale-akteure")
    assert not is_slug_shaped("a\x00b")
    assert not is_slug_shaped("x" * 121)
