"""Every HTML mail kind in every language, as the sender renders it, for browser and validator.

The events are the three sample events (long German titles, translated texts, a hybrid event with
questions, a museum with a long address); the registrant has a long name and organisation and a
personal link as long as real ones; every block a kind can show is switched on (access data,
the organisers' message, the waiting-list place, the subscription link, when the Zoom data come).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from app.domain.mail import MailKind
from app.domain.model import AttendanceMode, Event, EventFormat, Language, RegistrationStatus
from app.mail.render import AccessLater, MailContext, render_mail
from app.services.samples import sample_events
from tests.mail.test_render import registration

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
BASE_URL = "https://treffpunkt.partnerschaften-nrw.example.org"
#: As long as a real token (``secrets.token_urlsafe(32)``).
TOKEN = "kV3vQ8c1Zr0b7Xy2Lm9Pq4Ws6Td5Ue8Hf1Gj3Kl0Mn2"
MESSAGE = (
    "Bitte beachten Sie: Wir beginnen eine halbe Stunde später, um 10:30 Uhr. Die Unterlagen "
    "finden Sie unter https://www.partnerschaften-nrw.example.org/veranstaltungen/2026/"
    "reallabor-auftakt/unterlagen-und-praesentationen.pdf\nBis bald!"
)


def _events() -> dict[EventFormat, Event]:
    events = {}
    for number, event in enumerate(sample_events(NOW), start=1):
        events[event.format] = dataclasses.replace(event, id=number)
    return events


def _context(kind: MailKind, language: Language) -> MailContext:
    events = _events()
    online = kind in (MailKind.ACCESS, MailKind.REMINDER, MailKind.CONFIRMATION)
    if online:
        event = events[EventFormat.ONLINE]
    elif kind in (MailKind.ORGANISER_NOTICE, MailKind.EVENT_CHANGED, MailKind.PROMOTION):
        event = events[EventFormat.HYBRID]
    else:
        event = events[EventFormat.IN_PERSON]
    answers = {
        question.key: question.options[0] if question.options else "yes"
        for question in event.questions
    }
    person = registration(
        event_id=event.id,
        token=TOKEN,
        first_name="Oleksandra-Valentyna",
        last_name="Shevchenko-Hryhorenko",
        email="oleksandra-valentyna.shevchenko-hryhorenko@zhytomyrska-oblasna-rada.example.ua",
        organisation="Житомирська обласна рада, Управління міжнародного співробітництва",
        mode=AttendanceMode.ONLINE
        if online or kind is MailKind.EVENT_CHANGED
        else (AttendanceMode.IN_PERSON),
        language=language,
        status=RegistrationStatus.WAITLISTED
        if kind is MailKind.WAITLISTED
        else RegistrationStatus.PENDING
        if kind is MailKind.OPT_IN
        else RegistrationStatus.CONFIRMED,
        answers=answers,
    )
    payloads: dict[MailKind, dict[str, Any]] = {
        MailKind.CANCELLED: {"held_seat": True},
        MailKind.OPT_IN: {"hold_until": "2026-11-21T09:00:00+00:00"},
        MailKind.EVENT_CHANGED: {"message": MESSAGE},
        MailKind.EVENT_CANCELLED: {"message": MESSAGE},
        MailKind.MESSAGE: {"message": MESSAGE, "subject": "Unterlagen und Anfahrt"},
        # An invitation goes to someone not yet registered: the link and name are the payload's.
        MailKind.INVITATION: {"invitation": TOKEN, "name": "Oleksandra-Valentyna Shevchenko"},
    }
    include_access = kind in (MailKind.ACCESS, MailKind.REMINDER, MailKind.EVENT_CHANGED)
    confirmed = person.status is RegistrationStatus.CONFIRMED
    return MailContext(
        kind=kind,
        event=event,
        registration=person,
        language=language,
        base_url=BASE_URL,
        personal_url=None if kind is MailKind.ORGANISER_NOTICE else f"{BASE_URL}/r/{TOKEN}",
        join_url=f"{BASE_URL}/j/{TOKEN}" if include_access else None,
        include_access=include_access,
        payload=payloads.get(kind, {}),
        waitlist_position=3 if kind is MailKind.WAITLISTED else None,
        all_events_url=(
            f"{BASE_URL}/r/{TOKEN}/all/{TOKEN}{TOKEN}.ics"
            if confirmed and kind is not MailKind.ORGANISER_NOTICE
            else None
        ),
        access_later=(
            AccessLater(at=event.starts_at - event.access_mail_lead, data_set=True)
            if kind is MailKind.CONFIRMATION
            else None
        ),
    )


def every_mail() -> dict[str, str]:
    """``kind-language`` to the HTML part of that mail."""
    mails = {}
    for kind in MailKind:
        for language in Language:
            mails[f"{kind.value}-{language.value}"] = render_mail(_context(kind, language)).html
    return mails
