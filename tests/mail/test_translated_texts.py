"""Mails and invites carry the organisers' texts in the registrant's language, German marked."""

from __future__ import annotations

from app.calendar.invite import InviteMethod
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    EventText,
    Language,
    Question,
    QuestionKind,
    QuestionText,
)
from app.mail.render import render_mail
from tests.calendar.test_invite import invite, parsed
from tests.calendar.test_invite import registration as invite_registration
from tests.conftest import make_event
from tests.mail.test_render import NOW, context, registration

TEXTS = {
    "en": EventText(
        title="Conference",
        venue_notes="Entrance via the yard",
        access_notes="Please join with your full name.",
    ),
    "uk": EventText(teaser="Коротко", venue_notes="Вхід через двір"),
}


def _event(event_format: EventFormat):
    return make_event(
        NOW,
        format=event_format,
        venue_notes="Eingang über den Hof",
        access_notes="Bitte mit vollem Namen einwählen.",
        translations=TEXTS,
    )


def test_the_access_data_come_with_the_access_notes_in_the_mails_language():
    event = _event(EventFormat.ONLINE)
    mail = render_mail(context(MailKind.ACCESS, event, include_access=True, language=Language.EN))
    assert "Please join with your full name." in mail.text
    assert '<p style="margin:8px 0 0 0;">Please join with your full name.</p>' in mail.html
    assert "Conference" in mail.subject

    uk = render_mail(context(MailKind.ACCESS, event, include_access=True, language=Language.UK))
    # No Ukrainian text: the German one, marked as German.
    assert "Bitte mit vollem Namen einwählen." in uk.text
    assert '<p style="margin:8px 0 0 0;" lang="de">Bitte mit vollem Namen einwählen.</p>' in uk.html
    assert 'font-weight:bold;" lang="de">Konferenz</p>' in uk.html


def test_in_person_mails_carry_the_venue_notes_in_the_mails_language():
    event = _event(EventFormat.IN_PERSON)
    person = registration(mode=AttendanceMode.IN_PERSON, language=Language.UK)
    mail = render_mail(context(MailKind.CONFIRMATION, event, person, language=Language.UK))
    assert "Вхід через двір" in mail.text
    assert "Eingang über den Hof" not in mail.text
    german = render_mail(context(MailKind.CONFIRMATION, event, person, language=Language.DE))
    assert "Eingang über den Hof" in german.text


def test_the_invite_describes_the_event_in_the_registrants_language():
    event = _event(EventFormat.IN_PERSON)
    _calendar, vevent = parsed(
        invite(event, invite_registration(language=Language.UK), InviteMethod.REQUEST)
    )
    description = str(vevent["DESCRIPTION"])
    assert "Коротко" in description
    assert "Вхід через двір" in description
    _calendar, english = parsed(invite(event, invite_registration(language=Language.EN)))
    assert str(english["SUMMARY"]) == "Conference"
    assert "Entrance via the yard" in str(english["DESCRIPTION"])


def test_answers_are_shown_in_the_mails_language():
    meal = Question(
        "verpflegung",
        "Verpflegung",
        QuestionKind.CHOICE,
        options=("mit Fleisch", "vegetarisch"),
        translations={"en": QuestionText("Catering", ("with meat", "vegetarian"))},
    )
    event = make_event(NOW, questions=(meal,))
    person = registration(answers={"verpflegung": "vegetarisch"})
    mail = render_mail(context(MailKind.ORGANISER_NOTICE, event, person, language=Language.EN))
    assert "Catering" in mail.text
    assert "vegetarian" in mail.text
    german = render_mail(context(MailKind.ORGANISER_NOTICE, event, person, language=Language.DE))
    assert "Verpflegung" in german.text
    assert "vegetarisch" in german.text
