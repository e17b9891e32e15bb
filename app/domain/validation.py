"""Validation of what people type: each field gets an error code, never an exception trace."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from app.domain.errors import InvalidInput
from app.domain.model import (
    AttendanceMode,
    Country,
    Event,
    Language,
    OrganisationType,
    QuestionKind,
    Registrant,
    RegistrationRequest,
)

#: The longest name, organisation or answer we keep; longer input is an error, not truncated.
MAX_TEXT = 200
MAX_ANSWER = 2000
MAX_EMAIL = 254

# Pragmatic, but nothing an SMTP envelope or a mail header could misread: the local part is an
# ASCII RFC 5322 dot-atom (beyond ASCII it would need SMTPUTF8, which few servers offer), the
# domain dot-separated labels of letters, digits and hyphens (an umlaut domain is sent as
# punycode). Deliverability is proven by the confirmation mail, not by a regex.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")

# Personal tokens come from secrets.token_urlsafe(32); slugs are short printable words.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_SLUG = 120

YES = "yes"
NO = "no"

#: Error codes the web layer turns into text.
REQUIRED = "required"
TOO_LONG = "too_long"
INVALID_EMAIL = "invalid_email"
INVALID_CHOICE = "invalid_choice"
CONSENT_REQUIRED = "consent_required"
INVALID_TEXT = "invalid_text"
#: An invitation-only event, and the address was not invited.
NOT_INVITED = "not_invited"

_Choice = TypeVar("_Choice", OrganisationType, Country)

#: The field of a :class:`RegistrationRequest` whose errors are filed per question key.
ANSWERS = "answers"


def normalise_email(email: str) -> str:
    """The form of an address used to spot a second registration: trimmed, NFC, case-folded."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


def is_valid_email(address: str) -> bool:
    """Whether ``address`` is a plain mailbox an SMTP server can be handed as it is."""
    return (
        len(address) <= MAX_EMAIL
        and len(address.split("@", 1)[0]) <= 64
        and _EMAIL.fullmatch(address) is not None
        and not has_control_characters(address)
    )


def is_token_shaped(value: str) -> bool:
    """Whether ``value`` can be a personal token at all (anything else is not looked up)."""
    return _TOKEN.fullmatch(value) is not None


def is_slug_shaped(value: str) -> bool:
    """Whether ``value`` can be a slug: short, without control characters (NUL breaks SQL)."""
    return 0 < len(value) <= MAX_SLUG and not has_control_characters(value)


def clean_text(value: str) -> str:
    """Trim, normalise to NFC and collapse inner whitespace (line breaks included)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


#: Unicode's category Cc is exactly these: C0, DEL and C1 (a regex is ~20 times faster than
#: asking unicodedata per character, which a 100,000-row invitee list notices).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def answer_field(key: str) -> str:
    """The field name an error about the answer to question ``key`` is filed under."""
    return f"{ANSWERS}.{key}"


def validate_registration(event: Event, request: RegistrationRequest) -> Registrant:
    """Check ``request`` against ``event``; raises :class:`InvalidInput` with every error.

    Errors are keyed by the request's field names, answers as ``answers.<key>``.
    """
    errors: dict[str, str] = {}

    def text(name: str, raw: str, *, required: bool, limit: int = MAX_TEXT) -> str:
        value = clean_text(raw)
        if required and not value:
            errors[name] = REQUIRED
        elif len(value) > limit:
            errors[name] = TOO_LONG
        elif has_control_characters(value):
            errors[name] = INVALID_TEXT
        return value

    first_name = text("first_name", request.first_name, required=True)
    last_name = text("last_name", request.last_name, required=True)
    organisation = text("organisation", request.organisation, required=False)
    job_title = text("job_title", request.job_title, required=False)

    email = unicodedata.normalize("NFC", request.email.strip())
    if not email:
        errors["email"] = REQUIRED
    elif not is_valid_email(email):
        errors["email"] = INVALID_EMAIL

    mode = _mode(event, request.mode, errors)
    organisation_type = _optional_choice(
        "organisation_type", request.organisation_type, OrganisationType, errors
    )
    country = _optional_choice("country", request.country, Country, errors)

    try:
        language = Language(request.language or Language.DE)
    except ValueError:
        errors["language"] = INVALID_CHOICE
        language = Language.DE

    answers: dict[str, str] = {}
    for question in event.questions:
        field_name = answer_field(question.key)
        raw_answer = request.answers.get(question.key, "")
        if question.kind is QuestionKind.TEXT:
            answer = unicodedata.normalize("NFC", raw_answer.replace("\r\n", "\n")).strip()
            if len(answer) > MAX_ANSWER:
                errors[field_name] = TOO_LONG
            elif has_control_characters(answer.replace("\n", "").replace("\t", "")):
                # A multi-line answer keeps its line breaks and tabs, nothing else invisible.
                errors[field_name] = INVALID_TEXT
        else:
            answer = raw_answer.strip()
            allowed = question.options if question.kind is QuestionKind.CHOICE else (YES, NO)
            if answer and answer not in allowed:
                errors[field_name] = INVALID_CHOICE
        if question.required and not answer and field_name not in errors:
            errors[field_name] = REQUIRED
        if answer:
            answers[question.key] = answer

    if not request.consent:
        errors["consent"] = CONSENT_REQUIRED

    if errors:
        raise InvalidInput(errors)
    return Registrant(
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation=organisation,
        job_title=job_title,
        mode=mode,
        language=language,
        answers=answers,
        organisation_type=organisation_type,
        country=country,
    )


def _optional_choice(
    name: str, raw: str, kind: type[_Choice], errors: dict[str, str]
) -> _Choice | None:
    """The choice ``raw`` names, None when none was made; a code not offered is an error."""
    code = raw.strip()
    if not code:
        return None
    try:
        return kind(code)
    except ValueError:
        errors[name] = INVALID_CHOICE
        return None


def _mode(event: Event, raw: str, errors: dict[str, str]) -> AttendanceMode:
    offered = event.modes
    if len(offered) == 1:
        return offered[0]
    if not raw:
        errors["mode"] = REQUIRED
        return offered[0]
    try:
        mode = AttendanceMode(raw)
    except ValueError:
        errors["mode"] = INVALID_CHOICE
        return offered[0]
    if mode not in offered:
        errors["mode"] = INVALID_CHOICE
    return mode
