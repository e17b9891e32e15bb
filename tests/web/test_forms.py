"""The web layer turns forms and JSON bodies into commands; the rules' errors come back by field."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from app.domain.errors import InvalidInput
from app.domain.model import RegistrationRequest
from app.web.controllers.organiser_api import NewRegistrationIn
from app.web.event_form import new_event_values, parse_event_form
from app.web.forms import registration_field, registration_request
from tests.conftest import registration_form

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_the_registration_form_becomes_a_command() -> None:
    form = registration_form(
        "olena@example.org", mode="online", language="uk", q_essen="vegan", q_fotos="no"
    )
    assert registration_request({**form, "_csrf_token": "x" * 40}, "v1") == RegistrationRequest(
        first_name="Olena",
        last_name="Koval",
        email="olena@example.org",
        notice_version="v1",
        organisation="Stadt Dortmund",
        job_title="Referentin",
        mode="online",
        language="uk",
        answers={"essen": "vegan", "fotos": "no"},
        consent=True,
    )


@pytest.mark.parametrize(("ticked", "consent"), [("on", True), ("", False), ("nein", False)])
def test_only_a_ticked_box_is_consent(ticked: str, consent: bool) -> None:
    form = registration_form("olena@example.org", consent=ticked)
    assert registration_request(form, "v1").consent is consent


def test_the_api_body_and_the_form_give_the_same_command() -> None:
    body = msgspec.json.decode(
        b"""{"first_name": "Olena", "last_name": "Koval", "email": "olena@example.org",
        "organisation": "Stadt Dortmund", "job_title": "Referentin", "mode": "online",
        "language": "uk", "answers": {"essen": "vegan"}, "consent": true}""",
        type=NewRegistrationIn,
    )
    form = registration_form("olena@example.org", mode="online", language="uk", q_essen="vegan")
    assert body.command("v1") == registration_request(form, "v1")


def test_a_body_without_mode_or_consent_gives_the_forms_empty_choices() -> None:
    body = NewRegistrationIn(first_name="Olena", last_name="Koval", email="olena@example.org")
    form = registration_form(
        "olena@example.org", organisation="", job_title="", consent="", language="de"
    )
    assert body.command("v1") == registration_request(form, "v1")


def test_errors_about_answers_name_the_forms_question_field() -> None:
    assert registration_field("answers.essen") == "q_essen"
    assert registration_field("email") == "email"
    assert registration_field("consent") == "consent"


def test_an_error_in_a_list_names_the_row_it_was_typed_in() -> None:
    form = {
        **new_event_values(NOW),
        "title": "Forum",
        "question_0_label": "Essen",
        "question_0_kind": "text",
        "question_1_label": "",
        "question_2_label": "Fotos",
        "question_2_kind": "choice",
        "question_2_options": "nur eine",
        "programme_4_title": "x" * 301,
        "title_en": "y" * 301,
    }
    with pytest.raises(InvalidInput) as refused:
        parse_event_form(form)
    assert refused.value.errors == {
        "question_2_options": "options_required",
        "programme_4_title": "too_long",
        "title_en": "too_long",
    }
