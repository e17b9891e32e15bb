"""Validating a registration request: an error code per field, never anything but InvalidInput."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.domain.errors import InvalidInput
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    Language,
    Question,
    QuestionKind,
    RegistrationRequest,
)
from app.domain.validation import (
    is_slug_shaped,
    is_token_shaped,
    normalise_email,
    validate_registration,
)
from tests.conftest import make_event, registration_request

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
QUESTIONS = (
    Question("essen", "Verpflegung", QuestionKind.CHOICE, True, ("vegetarisch", "vegan")),
    Question("fotos", "Fotos erlaubt", QuestionKind.YES_NO, False),
    Question("frage", "Ihre Frage", QuestionKind.TEXT, False),
)


def errors_of(request, **event_changes):
    event = make_event(NOW, **event_changes)
    with pytest.raises(InvalidInput) as raised:
        validate_registration(event, request)
    return raised.value.errors


def test_a_valid_form_is_cleaned():
    event = make_event(NOW, questions=QUESTIONS)
    request = registration_request(
        "  Olena.Koval@Example.ORG ",
        first_name="  Olena \n ",
        last_name="Koval",
        answers={"essen": "vegan", "fotos": "no", "not_asked": "dropped"},
        language="uk",
    )
    registrant = validate_registration(event, request)
    assert registrant.first_name == "Olena"
    assert registrant.email == "Olena.Koval@Example.ORG"
    assert registrant.mode is AttendanceMode.IN_PERSON
    assert registrant.language is Language.UK
    assert registrant.answers == {"essen": "vegan", "fotos": "no"}


def test_every_error_is_reported_at_once():
    request = RegistrationRequest(
        first_name="", last_name="", email="not-an-address", notice_version="1"
    )
    errors = errors_of(request, questions=QUESTIONS)
    assert errors == {
        "first_name": "required",
        "last_name": "required",
        "email": "invalid_email",
        "answers.essen": "required",
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
    assert errors_of(registration_request(email))["email"] == "invalid_email"


def test_names_too_long_or_with_control_characters():
    errors = errors_of(
        registration_request("a@example.org", first_name="x" * 201, last_name="a\x00b")
    )
    assert errors == {"first_name": "too_long", "last_name": "invalid_text"}


def test_header_syntax_in_names_is_flattened_to_one_line():
    event = make_event(NOW)
    request = registration_request("a@example.org", last_name="Koval\r\nBcc: evil@example.org")
    registrant = validate_registration(event, request)
    assert "\n" not in registrant.last_name
    assert "\r" not in registrant.last_name


def test_choices_must_be_offered():
    errors = errors_of(
        registration_request(
            "a@example.org", answers={"essen": "Schnitzel", "fotos": "vielleicht"}
        ),
        questions=QUESTIONS,
    )
    assert errors == {"answers.essen": "invalid_choice", "answers.fotos": "invalid_choice"}


def test_hybrid_events_need_a_mode_they_offer():
    assert errors_of(registration_request("a@example.org"), format=EventFormat.HYBRID) == {
        "mode": "required"
    }
    assert errors_of(
        registration_request("a@example.org", mode="teleport"), format=EventFormat.HYBRID
    ) == {"mode": "invalid_choice"}


def test_unknown_language_is_an_error_not_a_crash():
    assert errors_of(registration_request("a@example.org", language="xx")) == {
        "language": "invalid_choice"
    }


def test_normalised_email_ignores_case_and_surrounding_space():
    assert normalise_email("  Olena@Example.ORG ") == normalise_email("olena@example.org")


def test_text_answers_keep_line_breaks_but_not_other_control_characters():
    event = make_event(NOW, questions=QUESTIONS)
    request = registration_request(
        "a@example.org", answers={"essen": "vegan", "frage": "Zeile 1\r\nZeile 2"}
    )
    assert validate_registration(event, request).answers["frage"] == "Zeile 1\nZeile 2"
    bad = registration_request("a@example.org", answers={"essen": "vegan", "frage": "a\x00b"})
    assert errors_of(bad, questions=QUESTIONS) == {"answers.frage": "invalid_text"}


def test_consent_must_be_given():
    request = dataclasses.replace(registration_request("a@example.org"), consent=False)
    assert errors_of(request) == {"consent": "consent_required"}


@pytest.mark.parametrize("token", ["", "short", "a" * 65, "abc\x00" * 8, "../" * 10, "ä" * 20])
def test_malformed_tokens_are_never_looked_up(token):
    assert not is_token_shaped(token)


def test_real_tokens_and_slugs_are_shaped_right():
    from app.services.registrations import new_token

    assert is_token_shaped(new_token())
    assert is_slug_shaped("landkreise-als-internationale-akteure")
    assert not is_slug_shaped("a\x00b")
    assert not is_slug_shaped("x" * 121)
