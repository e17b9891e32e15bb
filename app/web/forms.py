"""HTML forms in, domain commands out; refused commands back to the form that sent them.

The services and the rules never see a form: the registration form's ``q_<key>`` fields and its
``consent=on`` end here, as do their names in the errors the rules report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from app.domain.errors import InvalidInput, RegistrationClosed
from app.domain.model import RegistrationRequest
from app.domain.validation import ANSWERS

#: The prefix of the registration form's answer fields: ``q_<question key>``.
ANSWER_PREFIX = "q_"
T = TypeVar("T")

#: What a ticked checkbox may send.
_TICKED = frozenset({"on", "yes", "true", "1"})


def registration_request(form: Mapping[str, str], notice_version: str) -> RegistrationRequest:
    """The command the public registration form (or the organisers' copy of it) describes.

    ``notice_version`` is the privacy notice the form showed (the app's, in force).
    """
    return RegistrationRequest(
        first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""),
        email=form.get("email", ""),
        notice_version=notice_version,
        organisation=form.get("organisation", ""),
        job_title=form.get("job_title", ""),
        mode=form.get("mode", ""),
        language=form.get("language", ""),
        answers={
            name.removeprefix(ANSWER_PREFIX): value
            for name, value in form.items()
            if name.startswith(ANSWER_PREFIX)
        },
        consent=form.get("consent", "") in _TICKED,
        organisation_type=form.get("organisation_type", ""),
        country=form.get("country", ""),
    )


def registration_field(name: str) -> str:
    """The registration form's field for a :class:`RegistrationRequest` field in an error."""
    question_key = name.removeprefix(f"{ANSWERS}.")
    return name if question_key == name else ANSWER_PREFIX + question_key


def _same_name(name: str) -> str:
    return name


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the rules turned a submitted form down, in the terms of the form that redraws it."""

    status_code: int
    #: An error code per form field (empty when the refusal is about the event, not a field).
    error_codes: dict[str, str] = field(default_factory=dict)
    #: Why a registration was refused (:class:`RegistrationClosed`), else empty.
    reason: str = ""


async def submit(
    action: Callable[[], Awaitable[T]], *, form_field: Callable[[str], str] = _same_name
) -> T | Refusal:
    """Run ``action`` for a submitted form; a refusal by the rules comes back as :class:`Refusal`.

    The controller that owns the form draws it again with what was typed and the messages;
    ``form_field`` names the form's field for each field of the command in an error. Every
    other error goes to the shared handlers in :mod:`app.web.errors`.
    """
    try:
        return await action()
    except InvalidInput as error:
        codes = {form_field(name): code for name, code in error.errors.items()}
        return Refusal(HTTP_400_BAD_REQUEST, error_codes=codes)
    except RegistrationClosed as error:
        return Refusal(HTTP_409_CONFLICT, reason=error.reason)
