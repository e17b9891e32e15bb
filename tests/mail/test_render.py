"""Rendering of every email kind: content, access data, escaping, failures, languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    Language,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Seats,
)
from app.formatting import format_event_time
from app.mail.render import (
    EMAILS_DIR,
    AccessLater,
    MailContext,
    RenderedMail,
    TemplateFailure,
    render_mail,
)
from tests.conftest import make_event, make_registration

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
BASE_URL = "https://treffpunkt.example.org"
PERSONAL_URL = f"{BASE_URL}/r/PERSONALTOKEN123"
JOIN_URL = f"{BASE_URL}/j/PERSONALTOKEN123"

#: The access data make_event gives online and hybrid events, and parts of its raw Zoom URL.
MEETING_ID = "555 000 111"
PASSCODE = "987654"
RAW_ZOOM = ("zoom.example", "SECRETPWD")

#: An invitation goes to someone not registered (yet): its link is the invitation's, see
#: tests/mail/test_invitations.py.
REGISTRANT_KINDS = [
    kind for kind in MailKind if kind not in (MailKind.ORGANISER_NOTICE, MailKind.INVITATION)
]
#: The kinds that carry the access block when told to.
ACCESS_KINDS = {
    MailKind.CONFIRMATION,
    MailKind.PROMOTION,
    MailKind.APPROVED,
    MailKind.ACCESS,
    MailKind.REMINDER,
    MailKind.EVENT_CHANGED,
}
PAYLOADS: dict[MailKind, dict[str, Any]] = {
    MailKind.CANCELLED: {"held_seat": True},
    MailKind.OPT_IN: {"hold_until": "2026-11-21T09:00:00+00:00"},
    MailKind.EVENT_CHANGED: {"message": "Wir beginnen eine Stunde später."},
    MailKind.EVENT_CANCELLED: {"message": "Die Referentin ist erkrankt."},
    # An invitation goes to someone not yet registered: its link and name are the payload's.
    MailKind.INVITATION: {"invitation": "A" * 43, "name": "Olena Koval"},
}


def registration(**overrides: object) -> Registration:
    """A confirmed online registration."""
    return make_registration(NOW, **{"event_id": 0, "mode": AttendanceMode.ONLINE, **overrides})


def context(
    kind: MailKind,
    event: Event | None = None,
    person: Registration | None = None,
    *,
    include_access: bool = False,
    join_url: str | None = JOIN_URL,
    language: Language = Language.DE,
    payload: Mapping[str, Any] | None = None,
    personal_url: str | None = PERSONAL_URL,
    waitlist_position: int | None = None,
) -> MailContext:
    """The context the sender builds; online event and registrant unless told otherwise."""
    return MailContext(
        kind=kind,
        event=event if event is not None else make_event(NOW, format=EventFormat.ONLINE),
        registration=person if person is not None else registration(),
        language=language,
        base_url=BASE_URL,
        personal_url=None if kind is MailKind.ORGANISER_NOTICE else personal_url,
        join_url=join_url,
        include_access=include_access,
        payload=PAYLOADS.get(kind, {}) if payload is None else payload,
        waitlist_position=waitlist_position,
    )


def both(mail: RenderedMail) -> tuple[str, str]:
    """Text and HTML body."""
    return mail.text, mail.html


@pytest.mark.parametrize("kind", list(MailKind))
@pytest.mark.parametrize("include_access", [False, True])
def test_every_kind_renders_in_german(kind: MailKind, include_access: bool) -> None:
    mail = render_mail(context(kind, include_access=include_access))
    assert mail.subject
    assert mail.subject == " ".join(mail.subject.split())
    assert mail.text.strip()
    assert mail.text.endswith("\n")
    assert mail.html.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in mail.html
    assert f"<title>{mail.subject}</title>" in mail.html
    assert mail.language is Language.DE
    assert "Koval" in mail.text


def test_templates_exist_for_every_kind() -> None:
    for kind in MailKind:
        assert (EMAILS_DIR / f"{kind.value}.txt").is_file()
        assert (EMAILS_DIR / f"{kind.value}.html").is_file()


def test_one_set_of_templates_for_every_language() -> None:
    assert not any(path.is_dir() for path in EMAILS_DIR.iterdir())


def test_subject_is_one_line_even_when_the_title_is_not() -> None:
    event = make_event(NOW, title="Konferenz\r\n  Bcc: x@example.org\u2028Teil 2")
    mail = render_mail(context(MailKind.CONFIRMATION, event))
    assert mail.subject == "Anmeldung bestätigt: Konferenz Bcc: x@example.org Teil 2"


@pytest.mark.parametrize("kind", REGISTRANT_KINDS)
def test_registrant_mails_greet_and_show_title_time_and_link(kind: MailKind) -> None:
    event = make_event(NOW, title="Kommunale Partnerschaften mit der Ukraine")
    person = registration(mode=AttendanceMode.IN_PERSON)
    mail = render_mail(context(kind, event, person))
    when = format_event_time(event.starts_at, event.ends_at, event.timezone, "de")
    assert when == "Freitag, 27. November 2026, 10:00–14:00 Uhr"
    when += " MEZ"  # mails name the zone: registrants are in Germany and in Ukraine
    for body in both(mail):
        assert "Guten Tag Olena Koval," in body
        assert "Kommunale Partnerschaften mit der Ukraine" in body
        assert when in body
        assert "Museum Haus Opherdicke" in body
        assert "Dorfstraße 29, 59439 Holzwickede" in body
        assert PERSONAL_URL in body


@pytest.mark.parametrize("kind", REGISTRANT_KINDS)
def test_online_place_is_zoom(kind: MailKind) -> None:
    mail = render_mail(context(kind, make_event(NOW, format=EventFormat.ONLINE)))
    for body in both(mail):
        assert "Online (Zoom)" in body
        assert "Museum Haus Opherdicke" not in body


@pytest.mark.parametrize(
    ("mode", "shown"),
    [(AttendanceMode.IN_PERSON, "vor Ort"), (AttendanceMode.ONLINE, "Online (Zoom)")],
)
@pytest.mark.parametrize("kind", REGISTRANT_KINDS)
def test_hybrid_shows_venue_and_the_registrants_mode(
    kind: MailKind, mode: AttendanceMode, shown: str
) -> None:
    event = make_event(NOW, format=EventFormat.HYBRID)
    mail = render_mail(context(kind, event, registration(mode=mode)))
    assert f"Ihre Teilnahme: {shown}" in mail.text
    assert f"<strong>Ihre Teilnahme:</strong> {shown}" in mail.html
    for body in both(mail):
        assert "Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede" in body


@pytest.mark.parametrize("kind", sorted(ACCESS_KINDS))
def test_access_block_when_included(kind: MailKind) -> None:
    mail = render_mail(context(kind, include_access=True))
    assert "Zugangsdaten (bitte nicht weitergeben)" in mail.text
    assert f"Zugang: {JOIN_URL}" in mail.text
    assert f"Meeting-ID: {MEETING_ID}" in mail.text
    assert f"Kenncode: {PASSCODE}" in mail.text
    assert f'<a href="{JOIN_URL}"' in mail.html
    assert MEETING_ID in mail.html
    assert PASSCODE in mail.html


@pytest.mark.parametrize("kind", list(MailKind))
@pytest.mark.parametrize("event_format", [EventFormat.ONLINE, EventFormat.HYBRID])
def test_no_access_data_unless_included(kind: MailKind, event_format: EventFormat) -> None:
    # The join URL is passed on purpose: include_access alone decides.
    mail = render_mail(context(kind, make_event(NOW, format=event_format), include_access=False))
    for body in (mail.subject, *both(mail)):
        for secret in (MEETING_ID, PASSCODE, JOIN_URL, "Kenncode", *RAW_ZOOM):
            assert secret not in body, f"{kind}: {secret!r} leaked"


@pytest.mark.parametrize("kind", sorted(set(MailKind) - ACCESS_KINDS))
def test_kinds_without_access_block_ignore_include_access(kind: MailKind) -> None:
    mail = render_mail(context(kind, include_access=True))
    for body in both(mail):
        for secret in (MEETING_ID, PASSCODE, JOIN_URL):
            assert secret not in body, f"{kind}: {secret!r} leaked"


@pytest.mark.parametrize("kind", list(MailKind))
@pytest.mark.parametrize("include_access", [False, True])
def test_raw_zoom_url_never_appears(kind: MailKind, include_access: bool) -> None:
    mail = render_mail(context(kind, include_access=include_access))
    for body in (mail.subject, *both(mail)):
        for secret in RAW_ZOOM:
            assert secret not in body


def test_access_mail_without_access_points_to_the_personal_page() -> None:
    mail = render_mail(context(MailKind.ACCESS, include_access=False))
    assert "Ihre Zugangsdaten finden Sie auf Ihrer persönlichen Seite." in mail.text
    assert PERSONAL_URL in mail.text


def test_access_for_an_in_person_event_shows_no_block() -> None:
    mail = render_mail(context(MailKind.CONFIRMATION, make_event(NOW), include_access=True))
    assert "Zugangsdaten" not in mail.text


def test_user_values_are_escaped_in_html_and_kept_in_text() -> None:
    event = make_event(NOW, title="Treffen <script>alert(1)</script> & mehr")
    person = registration(first_name="<script>", last_name="Müller & Söhne")
    message = "Erste Zeile <b>fett</b>\nZweite Zeile"
    mail = render_mail(context(MailKind.EVENT_CHANGED, event, person, payload={"message": message}))
    assert "<script>" not in mail.html
    assert "<b>" not in mail.html
    assert "Treffen &lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr" in mail.html
    assert "Guten Tag &lt;script&gt; Müller &amp; Söhne," in mail.html
    assert "Erste Zeile &lt;b&gt;fett&lt;/b&gt;<br>\nZweite Zeile" in mail.html
    assert "Treffen <script>alert(1)</script> & mehr" in mail.text
    assert "Guten Tag <script> Müller & Söhne," in mail.text
    assert message in mail.text
    assert mail.subject == "Geänderte Angaben: Treffen <script>alert(1)</script> & mehr"


@pytest.mark.parametrize("kind", [MailKind.EVENT_CHANGED, MailKind.EVENT_CANCELLED])
def test_organiser_message_is_optional(kind: MailKind) -> None:
    mail = render_mail(context(kind, payload={"message": ""}))
    assert "Nachricht des Veranstaltungsteams" not in mail.text
    assert "Nachricht des Veranstaltungsteams" not in mail.html
    mail = render_mail(context(kind, payload={"message": "Bitte beachten Sie den neuen Raum."}))
    assert "Bitte beachten Sie den neuen Raum." in mail.text
    assert "Bitte beachten Sie den neuen Raum." in mail.html


def test_confirming_mails_mention_the_invite() -> None:
    for kind in (MailKind.CONFIRMATION, MailKind.PROMOTION):
        mail = render_mail(context(kind))
        assert "Die Kalendereinladung ist angehängt." in mail.text
        assert "Die Kalendereinladung ist angehängt." in mail.html


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        (MailKind.EVENT_CHANGED, "Die aktualisierte Kalendereinladung ist angehängt."),
        (MailKind.EVENT_CANCELLED, "Die Kalendereinladung wird ebenfalls abgesagt."),
    ],
)
@pytest.mark.parametrize(
    ("status", "has_invite"),
    [
        (RegistrationStatus.CONFIRMED, True),
        (RegistrationStatus.WAITLISTED, False),
        (RegistrationStatus.PENDING, False),
    ],
)
def test_event_mails_mention_the_invite_only_to_seat_holders(
    kind: MailKind, sentence: str, status: RegistrationStatus, has_invite: bool
) -> None:
    mail = render_mail(context(kind, person=registration(status=status)))
    assert (sentence in mail.text) is has_invite
    assert (sentence in mail.html) is has_invite


def test_waitlisted_shows_the_position() -> None:
    mail = render_mail(context(MailKind.WAITLISTED, waitlist_position=4))
    assert "Warteliste (Platz 4)" in mail.text
    assert "Warteliste (Platz 4)" in mail.html
    assert "Platz frei wird" in mail.text
    mail = render_mail(context(MailKind.WAITLISTED))
    assert "(Platz" not in mail.text


@pytest.mark.parametrize("held_seat", [True, False])
def test_cancelled_mentions_the_invite_only_for_a_held_seat(held_seat: bool) -> None:
    mail = render_mail(context(MailKind.CANCELLED, payload={"held_seat": held_seat}))
    sentence = "Die Kalendereinladung wird damit ebenfalls abgesagt."
    assert (sentence in mail.text) is held_seat
    assert (sentence in mail.html) is held_seat


def test_opt_in_shows_the_hold_in_the_events_zone() -> None:
    mail = render_mail(context(MailKind.OPT_IN))
    assert "„Anmeldung bestätigen“" in mail.text
    # 09:00 UTC is 10:00 in Berlin in November.
    assert "bis Samstag, 21. November 2026, 10:00 Uhr" in mail.text
    assert "bis Samstag, 21. November 2026, 10:00 Uhr" in mail.html


def test_opt_in_with_a_broken_hold_fails_visibly() -> None:
    with pytest.raises(TemplateFailure, match="hold_until"):
        render_mail(context(MailKind.OPT_IN, payload={"hold_until": "morgen"}))


def test_personal_link_says_nothing_changed() -> None:
    mail = render_mail(context(MailKind.PERSONAL_LINK))
    assert "nichts geändert" in mail.text
    assert PERSONAL_URL in mail.text


def test_organiser_notice_lists_the_registration() -> None:
    event = make_event(
        NOW,
        format=EventFormat.HYBRID,
        title="Reallabor <Auftakt>",
        in_person_seats=Seats(60, 12),
        online_seats=Seats(None, 30),
        questions=(
            Question("essen", "Verpflegung", QuestionKind.CHOICE, options=("vegan", "vegetarisch")),
            Question("fotos", "Fotos erlaubt", QuestionKind.YES_NO),
            Question("leer", "Unbeantwortet", QuestionKind.TEXT),
        ),
    )
    person = registration(
        status=RegistrationStatus.WAITLISTED,
        mode=AttendanceMode.IN_PERSON,
        answers={"essen": "vegan", "fotos": "no"},
    )
    mail = render_mail(context(MailKind.ORGANISER_NOTICE, event, person))
    assert mail.subject == "Neue Anmeldung: Reallabor <Auftakt> – Olena Koval"
    text = mail.text
    for line in (
        "Name: Olena Koval",
        "Organisation: Stadt Dortmund",
        "Funktion: Referentin",
        "Teilnahme: vor Ort",
        "Status: Warteliste",
        "Verpflegung: vegan",
        "Fotos erlaubt: Nein",
        "- vor Ort: 12 von 60 Plätzen belegt",
        "- online: 30 belegt (unbegrenzt)",
    ):
        assert line in text
    assert "Unbeantwortet" not in text
    assert "Reallabor &lt;Auftakt&gt;" in mail.html
    assert "Fotos erlaubt</td>" in mail.html
    assert "Guten Tag Olena" not in text


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (RegistrationStatus.CONFIRMED, "bestätigt"),
        (RegistrationStatus.PENDING, "unbestätigt"),
    ],
)
def test_organiser_notice_status(status: RegistrationStatus, label: str) -> None:
    mail = render_mail(context(MailKind.ORGANISER_NOTICE, person=registration(status=status)))
    assert f"Status: {label}\n" in mail.text


def test_organiser_notice_has_no_personal_link() -> None:
    mail = render_mail(context(MailKind.ORGANISER_NOTICE))
    for body in both(mail):
        assert "/r/" not in body
        assert "PERSONALTOKEN123" not in body


def test_html_loads_nothing_from_elsewhere() -> None:
    for kind in MailKind:
        html = render_mail(context(kind, include_access=True)).html
        for marker in ("<img", "<link", "<script", "<style", "src=", "url(", "@import"):
            assert marker not in html, f"{kind}: {marker}"


def test_registrant_mail_without_personal_url_fails() -> None:
    with pytest.raises(TemplateFailure, match="personal_url"):
        render_mail(context(MailKind.CONFIRMATION, personal_url=None))


def test_registrant_mail_without_registration_fails() -> None:
    bare = MailContext(
        kind=MailKind.REMINDER,
        event=make_event(NOW),
        registration=None,
        language=Language.DE,
        base_url=BASE_URL,
        personal_url=PERSONAL_URL,
        join_url=None,
        include_access=False,
    )
    with pytest.raises(TemplateFailure, match=r"reminder\.txt \(de\)"):
        render_mail(bare)


# --- a made-up emails folder, to prove the machinery rather than the wording ---------------


def write(root: Path, name: str, content: str) -> None:
    """Write one template below ``root``."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


@pytest.fixture
def emails(tmp_path: Path) -> Path:
    """A templates folder with confirmation and waitlisted, their texts marked for translation."""
    write(tmp_path, "_footer.txt", '{{ _("Diese E-Mail wurde automatisch versendet.") }}\n')
    write(
        tmp_path,
        "confirmation.txt",
        "{% block subject %}Hallo {{ event.title }}{% endblock %}"
        "Hallo {{ when }}\n"
        '{% include "_footer.txt" %}',
    )
    write(tmp_path, "confirmation.html", "<p>Hallo {{ subject }}</p>")
    write(tmp_path, "waitlisted.txt", "{% block subject %}Warte{% endblock %}Warte\n")
    write(tmp_path, "waitlisted.html", "<p>{{ subject }}</p>")
    return tmp_path


def test_one_template_serves_each_language(emails: Path) -> None:
    mail = render_mail(context(MailKind.CONFIRMATION, language=Language.EN), root=emails)
    assert mail.language is Language.EN
    assert mail.subject == "Hallo Konferenz"
    assert mail.text == (
        "Hallo Friday, 27 November 2026, 10:00–14:00 CET\nThis email was sent automatically.\n"
    )
    mail = render_mail(context(MailKind.CONFIRMATION, language=Language.UK), root=emails)
    assert mail.language is Language.UK
    assert mail.text.startswith(
        "Hallo пʼятниця, 27 листопада 2026\u202fр., 10:00–14:00 GMT+01:00\n"
    )
    assert mail.text.endswith("Цей лист надіслано автоматично.\n")


def test_a_text_without_translation_stays_german(emails: Path) -> None:
    write(emails, "waitlisted.txt", '{% block subject %}{{ _("Nur auf Deutsch") }}{% endblock %}x')
    mail = render_mail(context(MailKind.WAITLISTED, language=Language.UK), root=emails)
    assert mail.language is Language.UK
    assert mail.subject == "Nur auf Deutsch"


def test_the_subject_is_rendered_once_and_not_repeated_in_the_text(emails: Path) -> None:
    mail = render_mail(context(MailKind.CONFIRMATION), root=emails)
    assert mail.subject == "Hallo Konferenz"
    assert mail.text.startswith("Hallo Freitag")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("confirmation.txt", "{% block subject %}x{% endblock %}{{ nope }}", "UndefinedError"),
        ("confirmation.txt", "{% block subject %}{{ nope }}{% endblock %}", "UndefinedError"),
        (
            "confirmation.txt",
            "{% block subject %}x{% endblock %}{% if %}",
            "TemplateSyntaxError",
        ),
        ("confirmation.txt", "no subject here", "block subject"),
        ("confirmation.txt", "{% block subject %} {% endblock %}", "subject is empty"),
        ("confirmation.html", "{{ event.nope }}", "UndefinedError"),
        ("confirmation.html", "{{ registration.first_name | nofilter }}", "nofilter"),
        ("_footer.txt", "{% for %}", "_footer.txt"),
        ("_footer.txt", '{{ _("Hallo %(name)s") }}', "KeyError"),
    ],
)
def test_template_problems_raise_template_failure(
    emails: Path, name: str, content: str, expected: str
) -> None:
    write(emails, name, content)
    with pytest.raises(TemplateFailure, match=expected) as failure:
        render_mail(context(MailKind.CONFIRMATION), root=emails)
    assert "confirmation." in str(failure.value)


def test_a_missing_html_template_raises_template_failure(emails: Path) -> None:
    (emails / "confirmation.html").unlink()
    with pytest.raises(TemplateFailure, match=r"confirmation\.html.*TemplateNotFound"):
        render_mail(context(MailKind.CONFIRMATION), root=emails)


def test_a_kind_missing_everywhere_raises_template_failure(emails: Path) -> None:
    with pytest.raises(TemplateFailure, match=r"reminder\.txt"):
        render_mail(context(MailKind.REMINDER), root=emails)


@pytest.mark.parametrize("kind", [MailKind.CONFIRMATION, MailKind.PROMOTION])
@pytest.mark.parametrize(
    ("later", "german"),
    [
        (
            AccessLater(at=dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), data_set=True),
            "schicken wir Ihnen am Donnerstag, 26. November 2026, 10:00 Uhr MEZ in einer eigenen"
            " E-Mail.",
        ),
        (AccessLater(at=None, data_set=True), "schicken wir Ihnen gleich in einer eigenen E-Mail."),
        (
            AccessLater(at=None, data_set=False),
            "schicken wir Ihnen in einer eigenen E-Mail, sobald sie feststehen.",
        ),
    ],
)
def test_a_confirmation_says_when_the_access_data_come(
    kind: MailKind, later: AccessLater, german: str
) -> None:
    mail = render_mail(dataclasses.replace(context(kind), access_later=later))
    for body in both(mail):
        assert "Die Zugangsdaten für die Online-Teilnahme (Zoom) " + german in body
    for language in (Language.EN, Language.UK):
        translated = render_mail(
            dataclasses.replace(context(kind, language=language), access_later=later)
        )
        assert "Zoom" in translated.text
        assert "Zugangsdaten" not in translated.text


def test_without_a_time_to_say_nothing_is_said_about_access_data() -> None:
    mail = render_mail(context(MailKind.CONFIRMATION))
    assert "Online-Teilnahme (Zoom) schicken" not in mail.text


def test_mails_name_the_zone_and_give_ukrainians_online_the_time_in_kyiv() -> None:
    online = render_mail(context(MailKind.CONFIRMATION, language=Language.UK))
    german = render_mail(context(MailKind.CONFIRMATION, language=Language.DE))
    in_person = render_mail(
        context(
            MailKind.CONFIRMATION,
            make_event(NOW),
            registration(mode=AttendanceMode.IN_PERSON),
            language=Language.UK,
        )
    )
    for body in both(online):
        assert "10:00–14:00 GMT+01:00" in body
        assert "За київським часом" in body
        assert "11:00–15:00 GMT+02:00" in body
    for body in both(german):
        assert "10:00–14:00 Uhr MEZ" in body
        assert "Kyjiwer Zeit" not in body
    # Who comes to Germany in person keeps to the local time.
    for body in both(in_person):
        assert "За київським часом" not in body


@pytest.mark.parametrize(
    ("language", "words"),
    [(Language.DE, "gemeinsam mit"), (Language.EN, "together with"), (Language.UK, "спільно з")],
)
def test_mails_sign_with_the_co_host_escaped(language: Language, words: str) -> None:
    event = make_event(NOW, co_host="Stadt <Dortmund> & Partner")
    mail = render_mail(context(MailKind.CONFIRMATION, event, language=language))
    assert f"{words} Stadt <Dortmund> & Partner" in mail.text
    assert f"{words} Stadt &lt;Dortmund&gt; &amp; Partner" in mail.html
    plain = render_mail(context(MailKind.CONFIRMATION, make_event(NOW), language=language))
    assert words not in plain.text
