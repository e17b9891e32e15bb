"""Mails and invites in the registrant's language, whatever language the organiser or request uses.

Through a real SMTP server: a registration in Ukrainian gets its confirmation, dates and invite in
Ukrainian, one in English in English; an organiser's change reaches each registrant in their own
language. And every kind renders in all three languages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from email.message import EmailMessage

import pytest
from babel.messages.pofile import read_po
from icalendar import Calendar

from app.db.database import Database
from app.domain.mail import MailKind
from app.domain.model import EventFormat, EventText, Language, Seats
from app.formatting import format_event_time
from app.i18n import LOCALE_DIR, use_language
from app.mail.render import render_mail
from app.services.event_changes import cancel_event, change_event
from app.services.events import get_with_access
from app.services.registrations import register
from app.settings import Settings
from tests.calendar.readers import read_agreed
from tests.clock import ManualClock
from tests.conftest import make_event, registration_request
from tests.mail.conftest import make_sender
from tests.mail.mailbox import text_body, to
from tests.mail.test_render import NOW, PAYLOADS, context, registration
from tests.smtp_sink import Received, SmtpSink

#: What each language's confirmation of an online seat says, and where.
CONFIRMATION = {
    "de": {
        "subject": "Anmeldung bestätigt: Konferenz",
        "greeting": "Guten Tag Olena Koval,",
        "thanks": "vielen dank für ihre anmeldung.",
        "month": "November",
        "location": "Online (Zoom)",
        "link": "Ihre Anmeldung ansehen oder stornieren: https://treffpunkt.test/r/",
        "alarm": "Gleich geht es los: Konferenz",
    },
    "en": {
        "subject": "Registration confirmed: Konferenz",
        "greeting": "Dear Olena Koval,",
        "thanks": "thank you for registering.",
        "month": "November",
        "location": "Online (Zoom)",
        "link": "View or cancel your registration: https://treffpunkt.test/r/",
        "alarm": "Starting soon: Konferenz",
    },
    "uk": {
        "subject": "Реєстрацію підтверджено: Konferenz",
        "greeting": "Доброго дня, Olena Koval!",
        "thanks": "дякуємо за реєстрацію.",
        "month": "листопада",
        "location": "Онлайн (Zoom)",
        "link": "Переглянути або скасувати реєстрацію: https://treffpunkt.test/r/",
        "alarm": "Незабаром початок: Konferenz",
    },
}

#: Words of the German templates that no English or Ukrainian mail may still contain.
GERMAN_WORDS = (
    "Guten Tag",
    " Sie ",
    "Ihre ",
    " Uhr",
    "Anmeldung",
    "E-Mail",
    "Veranstaltung",
    "Kalendereinladung",
    "Zugang",
    "Grüße",
    "vor Ort",
    "Freitag",
)


def html_body(received: Received) -> str:
    """The ``text/html`` body."""
    part = received.message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage), "no text/html part"
    return str(part.get_content())


def invite_of(received: Received) -> bytes:
    """The inline ``text/calendar`` part, byte for byte (the same as the attachment)."""
    parts = [
        part.get_payload(decode=True)
        for part in received.message.walk()
        if part.get_content_type() in ("text/calendar", "application/ics")
    ]
    assert len(parts) == 2, "an inline invite and the attachment"
    assert parts[0] == parts[1]
    assert isinstance(parts[0], bytes)
    return parts[0]


@pytest.mark.parametrize("language", ["de", "en", "uk"])
async def test_the_confirmation_speaks_the_registrants_language(
    db: Database,
    event_factory,
    now: dt.datetime,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
    language: str,
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE)
    form = registration_request("olena@stadt.example", mode="online", language=language)
    # The page was read in another language: the stored choice decides, not the request's.
    with use_language("en" if language != "en" else "uk"):
        outcome = await register(db, "runde", form, now)
    assert outcome.registration.language is Language(language)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()

    [mail] = to(sink, "olena@stadt.example")
    expected = CONFIRMATION[language]
    message = mail.message
    assert str(message["Subject"]) == expected["subject"]
    assert message["Content-Language"] == language
    when = format_event_time(event.starts_at, event.ends_at, event.timezone, language)
    assert expected["month"] in when
    text, html = text_body(mail), html_body(mail)
    for body in (text, html):
        assert expected["greeting"] in body
        assert expected["thanks"] in body.lower()
        assert when in body
        assert expected["location"] in body
    assert f'<html lang="{language}">' in html
    if language != "de":
        for body in (text, html):
            for word in GERMAN_WORDS:
                assert word not in body, f"{word!r} left in German"

    content = invite_of(mail)
    [entry] = read_agreed(content).entries
    token = outcome.registration.token
    assert entry.location == expected["location"]
    assert entry.description == f"Kurz\n\n{expected['link']}{token}"
    calendar = Calendar.from_ical(content)
    [alarm] = calendar.walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == expected["alarm"]


async def test_an_organisers_change_reaches_each_registrant_in_their_language(
    db: Database,
    event_factory,
    now: dt.datetime,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    event = await event_factory(
        slug="runde", format=EventFormat.ONLINE, online_seats=Seats(None, 0)
    )
    for language in ("de", "en", "uk"):
        form = registration_request(f"{language}@stadt.example", mode="online", language=language)
        await register(db, "runde", form, now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()  # the confirmations

    current = await get_with_access(event.id)
    later = dataclasses.replace(
        current,
        starts_at=current.starts_at + dt.timedelta(hours=2),
        ends_at=current.ends_at + dt.timedelta(hours=2),
    )
    # The organiser works in German, the sender runs wherever: neither decides.
    with use_language("de"):
        await change_event(
            db, event.id, later, notify=True, message="Wir beginnen später.", now=clock.now
        )
    with use_language("uk"):
        await sender.drain()
    await sender.close()

    subjects = {
        "de": "Geänderte Angaben: Konferenz",
        "en": "Details changed: Konferenz",
        "uk": "Змінено інформацію: Konferenz",
    }
    attached = {
        "de": "Die aktualisierte Kalendereinladung ist angehängt.",
        "en": "The updated calendar invitation is attached.",
        "uk": "Оновлене запрошення до календаря додано до листа.",
    }
    for language, subject in subjects.items():
        mails = to(sink, f"{language}@stadt.example")
        assert len(mails) == 2
        changed = mails[-1]
        assert str(changed.message["Subject"]) == subject
        assert changed.message["Content-Language"] == language
        text = text_body(changed)
        when = format_event_time(later.starts_at, later.ends_at, later.timezone, language)
        assert when in text
        assert attached[language] in text
        # The organiser's own words go out as written.
        assert "Wir beginnen später." in text
        [entry] = read_agreed(invite_of(changed)).entries
        assert entry.location == CONFIRMATION[language]["location"]
        assert entry.start == later.starts_at
        assert CONFIRMATION[language]["link"] in (entry.description or "")


async def test_a_cancelled_event_is_announced_in_each_language(
    db: Database,
    event_factory,
    now: dt.datetime,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    event = await event_factory(slug="runde")
    for language in ("de", "en", "uk"):
        form = registration_request(f"{language}@stadt.example", language=language)
        await register(db, "runde", form, now)
    with use_language("en"):
        await cancel_event(db, event.id, message="", now=now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()
    subjects = {
        "de": "Abgesagt: Konferenz",
        "en": "Cancelled: Konferenz",
        "uk": "Скасовано: Konferenz",
    }
    for language, subject in subjects.items():
        cancelled = to(sink, f"{language}@stadt.example")[-1]
        assert str(cancelled.message["Subject"]) == subject
        assert cancelled.message["Content-Language"] == language


async def test_the_event_text_is_the_one_in_the_registrants_language(
    db: Database,
    event_factory,
    now: dt.datetime,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        notify_organisers=True,
        contact_email="team@veranstalter.example",
        translations={"uk": EventText(title="Конференція громад", teaser="Коротко про головне")},
    )
    for language in ("de", "en", "uk"):
        form = registration_request(f"{language}@stadt.example", mode="online", language=language)
        await register(db, "runde", form, now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()

    titles = {"de": "Konferenz", "en": "Konferenz", "uk": "Конференція громад"}
    teasers = {"de": "Kurz", "en": "Kurz", "uk": "Коротко про головне"}
    for language, title in titles.items():
        [mail] = to(sink, f"{language}@stadt.example")
        assert str(mail.message["Subject"]).endswith(f": {title}")
        assert title in text_body(mail)
        [entry] = read_agreed(invite_of(mail)).entries
        assert entry.summary == title
        assert (entry.description or "").startswith(teasers[language] + "\n\n")
    # The organisers read German: their notice names the event by its German title.
    notices = to(sink, "team@veranstalter.example")
    assert [str(notice.message["Subject"]).split(" – ")[0] for notice in notices] == [
        "Neue Anmeldung: Konferenz"
    ] * 3


# --- every kind in every language, rendered directly ------------------------------------------


@pytest.mark.parametrize("include_access", [False, True])
@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_renders_in_every_language(
    kind: MailKind, language: Language, include_access: bool
) -> None:
    event = make_event(NOW, format=EventFormat.HYBRID, contact_email="team@example.org")
    mail = render_mail(
        context(
            kind,
            event,
            registration(language=language),
            include_access=include_access,
            language=language,
            waitlist_position=3,
        )
    )
    assert mail.language is language
    assert mail.subject
    assert f'<html lang="{language.value}">' in mail.html
    assert f"<title>{mail.subject}</title>" in mail.html or "&" in mail.subject
    assert "Koval" in mail.text
    # Links inside translated sentences stay links, and nothing is escaped twice.
    if kind is not MailKind.ORGANISER_NOTICE:
        assert '<a href="mailto:team@example.org"' in mail.html
    assert "&lt;a" not in mail.html
    assert "&amp;amp;" not in mail.html
    assert "%(" not in mail.text + mail.html + mail.subject
    if language is Language.DE:
        return
    for body in (mail.subject, mail.text, mail.html):
        for word in GERMAN_WORDS:
            assert word not in body, f"{kind}/{language}: {word!r} left in German"
    if language is Language.UK:
        assert any("\u0400" <= char <= "\u04ff" for char in mail.subject)


def test_the_organisers_notice_is_translated_too() -> None:
    person = registration(language=Language.UK)
    event = make_event(NOW, in_person_seats=Seats(21, 3), online_seats=Seats(None, 0))
    german = render_mail(context(MailKind.ORGANISER_NOTICE, event, person))
    assert german.subject == "Neue Anmeldung: Konferenz – Olena Koval"
    assert "- vor Ort: 3 von 21 Plätzen belegt" in german.text
    ukrainian = render_mail(context(MailKind.ORGANISER_NOTICE, event, person, language=Language.UK))
    assert ukrainian.subject == "Нова реєстрація: Konferenz – Olena Koval"
    assert "- очно: 3 з 21 місця зайнято" in ukrainian.text
    assert "Статус: підтверджено" in ukrainian.text
    english = render_mail(context(MailKind.ORGANISER_NOTICE, event, person, language=Language.EN))
    assert "- in person: 3 of 21 places taken" in english.text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (Language.DE, "bis Samstag, 21. November 2026, 10:00 Uhr MEZ"),
        (Language.EN, "until Saturday, 21 November 2026, 10:00 CET."),
        (Language.UK, "Термін: субота, 21 листопада 2026\u202fр., 10:00 GMT+01:00."),
    ],
)
def test_moments_in_mails_follow_the_language(language: Language, sentence: str) -> None:
    mail = render_mail(context(MailKind.OPT_IN, language=language))
    assert sentence in mail.text


def test_the_organisers_words_go_out_as_written() -> None:
    # The organiser's words are passed through untranslated, in every language.
    for kind in (MailKind.EVENT_CHANGED, MailKind.EVENT_CANCELLED):
        message = PAYLOADS[kind]["message"]
        for language in Language:
            assert message in render_mail(context(kind, language=language)).text


def test_translations_hold_no_markup() -> None:
    # In HTML mails a translated sentence is taken as markup (its values are escaped): a tag or
    # an ampersand in a translation would reach the mail unescaped.
    for language in ("de", "en", "uk"):
        with (LOCALE_DIR / language / "LC_MESSAGES" / "emails.po").open("rb") as source:
            catalog = read_po(source)
        for message in catalog:
            if not message.id:
                continue  # the header
            assert message.string is not None, (language, message.id)
            strings = (message.string,) if isinstance(message.string, str) else message.string
            for string in strings:
                assert not any(char in string for char in "<>&"), (language, message.id)
