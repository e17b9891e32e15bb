"""Emails from the ``emails/`` templates: one subject, a text and an HTML body per message.

Each kind ``k`` is ``emails/k.txt``, which defines ``{% block subject %}``, and ``emails/k.html``.
The subject is rendered once, on its own, and given to both bodies as ``subject``; inside a body
the block renders as nothing.

There is one set of templates for every language: their texts are German msgids marked with
``_()`` (catalog ``emails``), and each mail is rendered inside
:func:`app.i18n.use_language` of its own language, the registrant's stored one, whatever language
the request that caused it was in. Dates and times follow the same language (Babel), and a text
without translation is German.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app import formatting, paths
from app.calendar.invite import venue_line
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    Language,
    QuestionKind,
    Registration,
    localized,
    shown_answer,
)
from app.formatting import german_lang
from app.i18n import install, use_language
from app.resources import EMAILS_PACKAGE, package_folder

#: The mail templates: the repository's ``emails/``, installed as ``app._emails``.
EMAILS_DIR = package_folder(EMAILS_PACKAGE)

#: The language of a mail when none is said, and of every text without translation.
FALLBACK_LANGUAGE = Language.DE

SUBJECT_BLOCK = "subject"

# Everything that could end a header line or hide in one: C0/C1 controls, DEL and the Unicode
# line and paragraph separators (str.splitlines() breaks on those too).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class AccessLater:
    """When the access-data mail will come, as the confirmation says it."""

    #: Its moment (``app.domain.mail.access_due``); None when that has passed.
    at: dt.datetime | None
    #: Whether the organisers have set the access data yet: if not, it comes once they do.
    data_set: bool


@dataclass(frozen=True, slots=True)
class MailContext:
    """Everything one email is rendered from."""

    kind: MailKind
    #: May carry ``online_access`` (secret); it reaches the templates only when include_access.
    event: Event
    #: The registrant; for ORGANISER_NOTICE the new registrant the notice is about.
    registration: Registration | None
    language: Language
    #: E.g. ``https://treffpunkt.example.org``, without a trailing slash.
    base_url: str
    #: Absolute URL of the personal page ``/r/{token}``.
    personal_url: str | None
    #: Absolute URL of the personal join link ``/j/{token}``; None when access may not be shown.
    join_url: str | None
    #: Show join link, meeting ID and passcode.
    include_access: bool
    #: Kind-specific values: ``held_seat`` (cancelled), ``hold_until`` (opt_in, ISO in UTC),
    #: ``message`` (event_changed, event_cancelled, message), ``subject`` (message).
    payload: Mapping[str, Any] = field(default_factory=dict)
    waitlist_position: int | None = None
    #: Absolute URL of the feed of all the address's events (``app.domain.mailbox_proof``); only
    #: ever in a mail to that address, None when the registrant has no confirmed seat.
    all_events_url: str | None = None
    #: For a confirmed online participant not shown the access data: when they will come.
    access_later: AccessLater | None = None


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A rendered email, ready to be put into a MIME message."""

    #: One line, no CR/LF, whitespace collapsed.
    subject: str
    text: str
    html: str
    #: The language it is written in (``Content-Language``): the one asked for.
    language: Language = FALLBACK_LANGUAGE


class TemplateFailure(Exception):
    """An email template is missing, broken or uses a value it was not given."""


@dataclass(frozen=True, slots=True)
class AccessData:
    """What the access block shows: the personal join link, never the raw meeting URL."""

    join_url: str | None
    meeting_id: str
    passcode: str
    #: The organisers' notes on joining, in the mail's language: secret like the rest.
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to one of the event's questions, for the organisers' notice."""

    label: str
    answer: str
    kind: QuestionKind


@dataclass(frozen=True, slots=True)
class SeatLine:
    """Seats taken and capacity (``None``: unlimited) in one attendance mode."""

    mode: AttendanceMode
    taken: int
    capacity: int | None


def render_mail(context: MailContext, *, root: Path = EMAILS_DIR) -> RenderedMail:
    """Render the subject once and both bodies of ``context.kind`` in ``context.language``.

    ``root`` is for tests.
    """
    language = context.language
    environment = _environment(root)
    text_name = f"{context.kind.value}.txt"
    html_name = f"{context.kind.value}.html"
    # Every _() in the templates, and the dates, read the language from here.
    with use_language(language.value):
        values = _values(context, language)
        text_template = _template(environment, text_name, language)
        subject = single_line(_render_block(text_template, SUBJECT_BLOCK, values, language))
        if not subject:
            raise TemplateFailure(f"{text_name} ({language}): the subject is empty")
        values["subject"] = subject
        text = _tidy_text(_render(text_template, values, language))
        html = _render(_template(environment, html_name, language), values, language)
    return RenderedMail(subject=subject, text=text, html=html, language=language)


def single_line(value: str) -> str:
    """``value`` as one header-safe line: controls removed, whitespace runs collapsed."""
    return " ".join(_CONTROL.sub(" ", value).split())


# Templates are read once per process (a restart picks up edits): the sender renders hundreds of
# mails a second, and a file-system check per template per mail showed up in its profile. The
# environment serves every language: gettext looks the language up at render time.
@lru_cache(maxsize=16)
def _environment(root: Path) -> Environment:
    """The Jinja environment of the templates in ``root``."""
    environment = Environment(
        loader=FileSystemLoader(root),
        # HTML is escaped; text goes out as typed, so names like "Müller & Söhne" stay intact.
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # A partial ending in a newline then stands for whole lines where it is included.
        keep_trailing_newline=True,
        auto_reload=False,
    )
    install(environment)
    environment.filters["moment"] = _moment
    environment.filters["nl2br"] = nl2br
    environment.filters["german_lang"] = german_lang
    return environment


def _template(environment: Environment, name: str, language: Language) -> Template:
    try:
        return environment.get_template(name)
    except TemplateError as error:
        raise _failure(f"{name} ({language})", error) from error


def _render(template: Template, values: dict[str, Any], language: Language) -> str:
    """The body; the subject block renders as nothing, wherever a template puts it."""
    context = template.new_context(values)
    # The subject is a header, not a line of the body: no template has to hide it in a layout.
    context.blocks[SUBJECT_BLOCK] = [_nothing]
    try:
        try:
            return "".join(template.root_render_func(context))
        except Exception:
            # What Template.render does: the traceback then points at template lines.
            template.environment.handle_exception()
    except Exception as error:  # any error inside a template is that template's failure
        raise _failure(f"{template.name} ({language})", error) from error


def _nothing(context: Context) -> Iterator[str]:
    return iter(())


def _render_block(
    template: Template, block: str, values: dict[str, Any], language: Language
) -> str:
    name = f"{template.name} ({language})"
    render_block = template.blocks.get(block)
    if render_block is None:
        raise TemplateFailure(f"{name}: no {{% block {block} %}}")
    try:
        try:
            return "".join(render_block(template.new_context(values)))
        except Exception:
            template.environment.handle_exception()
    except Exception as error:  # any error inside a template is that template's failure
        raise _failure(name, error) from error


def _failure(name: str, error: Exception) -> TemplateFailure:
    return TemplateFailure(f"{name}{_where(error)}: {type(error).__name__}: {error}")


def _where(error: Exception) -> str:
    """Which file and line broke, for whoever reads the failed outbox row."""
    if isinstance(error, TemplateSyntaxError):
        return f" ({error.name}, line {error.lineno})"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.endswith((".txt", ".html"))
    ]
    if not frames:
        return ""
    return f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})"


def _values(context: MailContext, language: Language) -> dict[str, Any]:
    """What the templates see. The event goes in without its access data, so none can leak.

    Its title, teaser and description are those of the mail's language where the organisers
    translated them (:func:`localized`), the German ones otherwise.
    """
    event = localized(context.event, language.value)
    registration = context.registration
    payload = context.payload
    values: dict[str, Any] = {
        "kind": context.kind.value,
        "language": language.value,
        "event": dataclasses.replace(event, online_access=None, access_notes=""),
        "registration": registration,
        # With the zone: registrants are in Germany and in Ukraine, an hour apart.
        "when": (
            formatting.format_event_time(
                event.starts_at, event.ends_at, event.timezone, language.value
            )
            + " "
            + formatting.format_zone(event.starts_at, event.timezone, language.value)
        ),
        "kyiv_when": (
            formatting.format_time_elsewhere(
                event.starts_at, event.ends_at, event.timezone, formatting.KYIV, language.value
            )
            if language is Language.UK and _attends_online(event, registration)
            else None
        ),
        "venue": venue_line(event),
        "online": _attends_online(event, registration),
        "hybrid": event.format is EventFormat.HYBRID,
        "base_url": context.base_url,
        "event_url": context.base_url + paths.event(event.slug),
        "access": _access(context, event),
        "waitlist_position": context.waitlist_position,
        "held_seat": bool(payload.get("held_seat")),
        "hold_until": _hold_until(payload, registration),
        "message": str(payload.get("message") or "").strip(),
        # The organisers' subject for MESSAGE; the subject block makes it one line.
        "message_subject": str(payload.get("subject") or "").strip(),
        "answers": _answers(context.event, registration, language.value),
        "seats": [
            SeatLine(mode, event.seats(mode).taken, event.seats(mode).capacity)
            for mode in event.modes
        ],
        "payload": payload,
        "access_later": context.access_later,
    }
    # Left out rather than None: a registrant mail that needs the link then fails (StrictUndefined)
    # instead of telling someone to open "None".
    if context.personal_url is not None:
        values["personal_url"] = context.personal_url
    if context.all_events_url is not None:
        values["all_events_url"] = context.all_events_url
    invitation = str(payload.get("invitation") or "")
    if invitation:
        # An invitation's own link: the secret is only in the payload (the table keeps a hash).
        values["invitation_url"] = context.base_url + paths.invitation(invitation)
        values["invitee_name"] = str(payload.get("name") or "").strip()
    return values


def _attends_online(event: Event, registration: Registration | None) -> bool:
    if event.format is EventFormat.HYBRID and registration is not None:
        return registration.mode is AttendanceMode.ONLINE
    return event.format is EventFormat.ONLINE


def _access(context: MailContext, shown: Event) -> AccessData | None:
    """The access block's data, or ``None`` when this mail may not carry it; ``shown`` is the
    event in the mail's language (for the notes)."""
    access = context.event.online_access
    if not context.include_access or access is None:
        return None
    return AccessData(
        join_url=context.join_url,
        meeting_id=access.meeting_id,
        passcode=access.passcode,
        notes=shown.access_notes,
    )


def _hold_until(
    payload: Mapping[str, Any], registration: Registration | None
) -> dt.datetime | None:
    value = payload.get("hold_until")
    if value is None:
        return registration.hold_until if registration is not None else None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError as error:
            raise TemplateFailure(
                f"payload hold_until is not an ISO datetime: {value!r}"
            ) from error
    # The outbox stores UTC; a value without offset is read as UTC, not as local time.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _answers(event: Event, registration: Registration | None, language: str) -> list[Answer]:
    """The answers in ``language``: labels and chosen options as translated, German otherwise."""
    if registration is None:
        return []
    shown = localized(event, language)
    return [
        Answer(
            label.label,
            shown_answer(question, registration.answers[question.key], language),
            question.kind,
        )
        for question, label in zip(event.questions, shown.questions, strict=True)
        if registration.answers.get(question.key, "").strip()
    ]


@pass_context
def _moment(context: Context, moment: dt.datetime) -> str:
    """A point in time in the event's zone and the mail's language."""
    event: Event = context["event"]
    language = context["language"]
    zone = formatting.format_zone(moment, event.timezone, language)
    return f"{formatting.format_moment(moment, event.timezone, language)} {zone}"


def nl2br(value: str) -> Markup:
    """Plain text for HTML: escaped first, then each line break becomes ``<br>``."""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def _tidy_text(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_RUNS.sub("\n\n", lines) + "\n"
