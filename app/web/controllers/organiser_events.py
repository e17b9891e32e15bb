"""Organisers manage events: new, edit, preview, publish and unpublish, duplicate, cancel.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. A refused
form comes back with everything typed and a message next to each field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.errors import InvalidInput
from app.domain.event_rules import zone_named
from app.domain.model import (
    TRANSLATABLE_LANGUAGES,
    TRANSLATED_FIELDS,
    Event,
    EventFormat,
    EventStatus,
    PersonRole,
    QuestionKind,
    missing_translations,
)
from app.domain.roles import ACCESS, Access
from app.i18n import LANGUAGE_NAMES, _
from app.services import event_admin, event_changes, zoom
from app.services.event_changes import EventChangeOutcome
from app.services.events import PublicEvent, get_with_access
from app.settings import Settings
from app.web import organiser_texts, texts
from app.web.event_form import (
    COMMON_TIMEZONES,
    SPARE_ROWS,
    event_values,
    form_field_names,
    new_event_values,
    parse_event_form,
    row_indices,
    translation_field,
)
from app.web.forms import Refusal, submit
from app.web.pages import event_page
from app.web.params import FormBody

#: The longest message to attendees about a change or a cancellation.
MAX_MESSAGE = 5_000


class Choice(msgspec.Struct, frozen=True):
    """One option of a select or radio group."""

    value: str
    label: str


class ErrorLink(msgspec.Struct, frozen=True):
    """One line of the error summary, linking to its field."""

    field: str
    label: str
    message: str


class MessageForm(msgspec.Struct, frozen=True):
    """A small form: the values as typed and a message per field."""

    values: dict[str, str]
    errors: dict[str, str]


class MissingTranslations(msgspec.Struct, frozen=True):
    """The texts of an event not yet translated into one language, linking to their fields."""

    language: str
    label: str
    fields: list[Choice]


def missing_translations_view(event: Event) -> list[MissingTranslations]:
    """What :func:`app.domain.model.missing_translations` finds, as the form names the fields."""
    form_field = form_field_names(event_values(event))
    return [
        MissingTranslations(
            language.value,
            LANGUAGE_NAMES[language.value],
            [
                Choice(
                    translation_field(form_field(name), language.value),
                    organiser_texts.event_field_label(form_field(name)),
                )
                for name in missing_translations(event, language.value)
            ],
        )
        for language in TRANSLATABLE_LANGUAGES
    ]


class EventFormView(msgspec.Struct, frozen=True):
    """What the event form shows: the values as typed, a message per field, the rows."""

    values: dict[str, str]
    errors: dict[str, str]
    summary: list[ErrorLink]
    question_rows: list[int]
    programme_rows: list[int]
    person_rows: list[int]
    formats: list[Choice]
    timezones: list[str]
    roles: list[Choice]
    question_kinds: list[Choice]
    labels: dict[str, str]
    #: The further languages of title, teaser and description (a fieldset each).
    translation_languages: list[Choice] = []
    #: Per further language, the stored event's texts still shown in German there.
    missing: list[MissingTranslations] = []


def _rows(values: Mapping[str, str], kind: str) -> list[int]:
    """The filled rows plus a few empty ones to add more (no JavaScript needed)."""
    used = row_indices(values, kind)
    start = used[-1] + 1 if used else 0
    return [*used, *range(start, start + SPARE_ROWS)]


def _translation_labels() -> dict[str, str]:
    """``Titel (English)`` …: the labels of the translated texts, for fields and error summary."""
    return {
        translation_field(name, language.value): (
            f"{organiser_texts.event_field_label(name)} ({LANGUAGE_NAMES[language.value]})"
        )
        for language in TRANSLATABLE_LANGUAGES
        for name in TRANSLATED_FIELDS
    }


def event_form_view(
    values: Mapping[str, str],
    error_codes: Mapping[str, str] | None = None,
    *,
    event: Event | None = None,
) -> EventFormView:
    """The view model of the event form."""
    codes = dict(error_codes or {})
    errors = {field: organiser_texts.event_field_error(code) for field, code in codes.items()}
    timezone = values.get("timezone", "")
    timezones = list(COMMON_TIMEZONES)
    # A refused zone is not offered back (it may be 100 KB of anything).
    if timezone and timezone not in timezones and zone_named(timezone) is not None:
        timezones.append(timezone)
    translation_labels = _translation_labels()
    return EventFormView(
        values=dict(values),
        errors=errors,
        summary=[
            ErrorLink(
                field,
                translation_labels.get(field) or organiser_texts.event_field_label(field),
                message,
            )
            for field, message in errors.items()
        ],
        question_rows=_rows(values, "question"),
        programme_rows=_rows(values, "programme"),
        person_rows=_rows(values, "person"),
        formats=[Choice(f.value, _(organiser_texts.FORMAT_CHOICES[f])) for f in EventFormat],
        timezones=timezones,
        roles=[Choice(r.value, _(organiser_texts.ROLE_LABELS[r])) for r in PersonRole],
        question_kinds=[
            Choice(k.value, _(organiser_texts.QUESTION_KIND_LABELS[k])) for k in QuestionKind
        ],
        labels={
            **organiser_texts.translated(organiser_texts.EVENT_FIELD_LABELS),
            **translation_labels,
        },
        translation_languages=[
            Choice(language.value, LANGUAGE_NAMES[language.value])
            for language in TRANSLATABLE_LANGUAGES
        ],
        missing=missing_translations_view(event) if event else [],
    )


def _to_overview(event_id: int, notice: str) -> Redirect:
    return Redirect(
        path=paths.event_overview(event_id),
        query_params={"notice": notice},
        status_code=HTTP_303_SEE_OTHER,
    )


def _refused(event_id: int, refusal: Refusal) -> Redirect:
    """Back to the overview, saying why the step was not taken."""
    return Redirect(
        path=paths.event_overview(event_id),
        query_params={"refused": refusal.error_codes.get("status", "")},
        status_code=HTTP_303_SEE_OTHER,
    )


def _form_page(
    values: Mapping[str, str],
    *,
    event: Event | None = None,
    error_codes: Mapping[str, str] | None = None,
    status_code: int = 200,
    zoom_offer: bool = False,
) -> Template:
    return Template(
        template_name="organiser/event_form.html",
        context={
            "form": event_form_view(values, error_codes, event=event),
            "event": event,
            "status_labels": organiser_texts.translated(organiser_texts.EVENT_STATUS_LABELS),
            "action": paths.event_edit(event.id) if event else paths.new_event(),
            # Published events have registrants (or may): the form asks whether to tell them.
            "asks_to_notify": event is not None and event.status is EventStatus.PUBLISHED,
            "slug_fixed": event is not None and event.status is not EventStatus.DRAFT,
            # Zoom configured and no meeting asked for yet: the form offers to create one.
            "zoom_offer": zoom_offer,
        },
        status_code=status_code,
    )


async def _zoom_offer(settings: Settings, event_id: int) -> bool:
    return settings.zoom_enabled and await zoom.status(event_id) is None


async def _zoom_if_asked(
    db: Database,
    event_id: int,
    data: Mapping[str, str],
    settings: Settings,
    *,
    now: dt.datetime,
    actor: Actor,
) -> None:
    """Ask for the event's Zoom meeting when the form's box says so (online and hybrid only)."""
    if settings.zoom_enabled and data.get("zoom_meeting") == "on":
        await zoom.request_meeting(db, event_id, now=now, actor=actor)


def _message(data: Mapping[str, str], field: str = "message") -> str:
    text = data.get(field, "").replace("\r\n", "\n").strip()
    if len(text) > MAX_MESSAGE:
        raise InvalidInput({field: "too_long"})
    return text


class OrganiserEventsController(Controller):
    """Creating, editing and publishing events."""

    include_in_schema = False

    @get(paths.NEW_EVENT, name="organiser_new_event", opt={ACCESS: Access.EVENT_CREATE})
    async def new_event(
        self, now: NamedDependency[dt.datetime], settings: NamedDependency[Settings]
    ) -> Template:
        """An empty event form with sensible defaults."""
        return _form_page(new_event_values(now), zoom_offer=settings.zoom_enabled)

    @post(paths.NEW_EVENT, name="organiser_new_event_submit", opt={ACCESS: Access.EVENT_CREATE})
    async def create_event(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        data: FormBody,
    ) -> Redirect | Template:
        """Save the new event as a draft and show its overview."""
        zoom_meeting = settings.zoom_enabled and data.get("zoom_meeting") == "on"
        event = await submit(
            lambda: event_admin.create_event(
                db, parse_event_form(data), now, actor=actor, zoom_meeting=zoom_meeting
            ),
            form_field=form_field_names(data),
        )
        if isinstance(event, Refusal):
            return _form_page(
                data,
                error_codes=event.error_codes,
                status_code=event.status_code,
                zoom_offer=settings.zoom_enabled,
            )
        return _to_overview(event.id, "created")

    @get(paths.EVENT_EDIT, name="organiser_edit_event", opt={ACCESS: Access.EVENT_MANAGE})
    async def edit_event(
        self,
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        """The form with every field of the stored event."""
        event = await get_with_access(event_id)
        page = _form_page(
            event_values(event), event=event, zoom_offer=await _zoom_offer(settings, event_id)
        )
        page.context["notice"] = organiser_texts.event_notice(notice)
        return page

    @post(paths.EVENT_EDIT, name="organiser_edit_event_submit", opt={ACCESS: Access.EVENT_MANAGE})
    async def update_event(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Store the changes; registrants are told unless the organiser chose silence."""
        event = await get_with_access(event_id)

        async def save() -> EventChangeOutcome:
            message = _message(data)
            return await event_admin.update_event(
                db,
                event_id,
                parse_event_form(data),
                notify=data.get("notify", "yes") != "no",
                message=message,
                now=now,
                actor=actor,
            )

        outcome = await submit(save, form_field=form_field_names(data))
        if isinstance(outcome, Refusal):
            return _form_page(
                data,
                event=event,
                error_codes=outcome.error_codes,
                status_code=outcome.status_code,
                zoom_offer=await _zoom_offer(settings, event_id),
            )
        await _zoom_if_asked(db, event_id, data, settings, now=now, actor=actor)
        query = {"notice": "saved"}
        if outcome.significant:
            query["informed"] = str(outcome.notified)
        if outcome.promoted:
            query["promoted"] = str(outcome.promoted)
        return Redirect(
            path=paths.event_overview(event_id), query_params=query, status_code=HTTP_303_SEE_OTHER
        )

    @get(paths.EVENT_PREVIEW, name="organiser_preview_event", opt={ACCESS: Access.EVENT_MANAGE})
    async def preview(self, now: NamedDependency[dt.datetime], event_id: FromPath[int]) -> Template:
        """The public page as it will look once published (the form cannot be sent)."""
        public = await event_admin.preview(event_id)
        event = public.event
        if event.status is EventStatus.DRAFT:
            event = dataclasses.replace(event, status=EventStatus.PUBLISHED)
        page = event_page(PublicEvent(event, public.availability), now)
        page.context.update(preview=True, overview=paths.event_overview(event_id))
        return page

    @post(paths.EVENT_PUBLISH, name="organiser_publish_event", opt={ACCESS: Access.EVENT_MANAGE})
    async def publish(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
    ) -> Redirect:
        """Publish a draft."""
        refused = await submit(lambda: event_admin.publish(db, event_id, now, actor=actor))
        if isinstance(refused, Refusal):
            return _refused(event_id, refused)
        return _to_overview(event_id, "published")

    @post(
        paths.EVENT_UNPUBLISH, name="organiser_unpublish_event", opt={ACCESS: Access.EVENT_MANAGE}
    )
    async def unpublish(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
    ) -> Redirect:
        """Back to draft, while nobody is registered."""
        refused = await submit(lambda: event_admin.unpublish(db, event_id, now, actor=actor))
        if isinstance(refused, Refusal):
            return _refused(event_id, refused)
        return _to_overview(event_id, "unpublished")

    @post(
        paths.EVENT_DUPLICATE, name="organiser_duplicate_event", opt={ACCESS: Access.EVENT_MANAGE}
    )
    async def duplicate(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
    ) -> Redirect:
        """A draft copy, opened for editing."""
        copy = await event_admin.duplicate(db, event_id, now, actor=actor)
        return Redirect(
            path=paths.event_edit(copy.id),
            query_params={"notice": "duplicated"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @get(paths.EVENT_CANCEL, name="organiser_cancel_event_form", opt={ACCESS: Access.EVENT_MANAGE})
    async def cancel_form(self, event_id: FromPath[int]) -> Template:
        """Ask for the message to everyone before cancelling."""
        event = await get_with_access(event_id)
        return _cancel_page(event, {}, {})

    @post(paths.EVENT_CANCEL, name="organiser_cancel_event", opt={ACCESS: Access.EVENT_MANAGE})
    async def cancel(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Cancel the event: waiting mail stops, every registrant gets the message and a CANCEL."""
        event = await get_with_access(event_id)
        errors: dict[str, str] = {}
        if data.get("confirm") != "yes":
            errors["confirm"] = _("Bitte bestätigen Sie die Absage.")
        message = data.get("message", "").replace("\r\n", "\n").strip()
        if len(message) > MAX_MESSAGE:
            errors["message"] = _(texts.field_error("too_long"))
        if errors:
            return _cancel_page(event, data, errors, status_code=HTTP_400_BAD_REQUEST)
        await event_changes.cancel_event(db, event_id, message=message, now=now, actor=actor)
        return _to_overview(event_id, "cancelled")


def _cancel_page(
    event: Event, values: Mapping[str, str], errors: Mapping[str, str], status_code: int = 200
) -> Template:
    return Template(
        template_name="organiser/cancel_event.html",
        context={
            "event": event,
            "form": MessageForm(values=dict(values), errors=dict(errors)),
            "event_id": event.id,
        },
        status_code=status_code,
    )
