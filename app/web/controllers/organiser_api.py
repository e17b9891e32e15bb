"""The organisers' JSON API: events, their registrations, exports, adding someone.

Authenticated by a personal API token (``Authorization: Bearer tp_…``) through the guard in
``app.web.api_auth``; errors are problem details like the rest of ``/api``. Same data and the
same seat path as the organisers' pages.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.db.database import Database
from app.domain.audit import Actor
from app.domain.event_rules import EventTranslations
from app.domain.materials import MaterialsDraft
from app.domain.model import (
    TRANSLATABLE_LANGUAGES,
    TRANSLATED_FIELDS,
    Event,
    EventMaterials,
    EventText,
    MaterialLink,
    PersonText,
    ProgrammeText,
    QuestionText,
    Registration,
    RegistrationRequest,
    choice_code,
    missing_translations,
)
from app.domain.roles import ACCESS, Access
from app.services import audit, event_admin, event_summaries, invitations, registrations
from app.services import materials as materials_service
from app.services import organiser_registrations as listing_service
from app.services.events import get_with_access
from app.services.organiser_registrations import RegistrationFilter
from app.services.privacy_notice import CurrentNotice
from app.web import downloads
from app.web.api_auth import (
    FAILED_ATTEMPTS_LIMIT,
    ORGANISER_API_PREFIX,
    SECURITY_SCHEME,
    require_api_token,
)
from app.web.auth import request_permissions
from app.web.errors import PROBLEM_JSON, Problem


class OrganiserEventOut(msgspec.Struct):
    """An event as organisers see it in lists (any status, no access data)."""

    id: int
    slug: str
    title: str
    #: ``draft``, ``published`` or ``cancelled``.
    status: str
    #: ``in_person``, ``online`` or ``hybrid``.
    format: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    #: Registrations per status (``pending``, ``confirmed``, ``waitlisted``, ``cancelled``).
    counts: dict[str, int]
    #: Only invited addresses may register (``PUT …/invitation-only`` sets it).
    invitation_only: bool = False


class InvitationOnlyIO(msgspec.Struct):
    """Whether only invited addresses may register for the event.

    Other fields are ignored, as the schema allows them (its one field is required).
    """

    invitation_only: bool


class OwnTextsIO(msgspec.Struct, forbid_unknown_fields=True):
    """An event's own texts in one language; empty: not translated (German stands in)."""

    title: str = ""
    teaser: str = ""
    description: str = ""
    venue_notes: str = ""
    #: Sent with the online access data.
    access_notes: str = ""
    funding_note: str = ""


class QuestionTextIO(msgspec.Struct, forbid_unknown_fields=True):
    """A question's label and (choice questions) options in one language, options in order."""

    label: str = ""
    options: list[str] = []


class ProgrammeTextIO(msgspec.Struct, forbid_unknown_fields=True):
    """A programme item's title and detail in one language."""

    title: str = ""
    detail: str = ""


class PersonTextIO(msgspec.Struct, forbid_unknown_fields=True):
    """The function a person is announced with, in one language."""

    affiliation: str = ""


class QuestionTextsOut(msgspec.Struct):
    """A question: its stable key (answers are filed under it), German texts, translations."""

    key: str
    label: str
    options: list[str]
    translations: dict[str, QuestionTextIO]


class ProgrammeTextsOut(msgspec.Struct):
    """A programme item's German texts and translations."""

    time: str
    title: str
    detail: str
    translations: dict[str, ProgrammeTextIO]


class PersonTextsOut(msgspec.Struct):
    """A person's German function and its translations (the name is not translated)."""

    name: str
    affiliation: str
    translations: dict[str, PersonTextIO]


class EventTextsOut(msgspec.Struct):
    """Every text an organiser writes for an event: German, translations, what is missing."""

    id: int
    german: OwnTextsIO
    #: The event's own texts by language (``en``, ``uk``).
    translations: dict[str, OwnTextsIO]
    questions: list[QuestionTextsOut]
    programme: list[ProgrammeTextsOut]
    people: list[PersonTextsOut]
    #: Per language, the texts still shown in German (``title``, ``questions.0.options`` …).
    missing: dict[str, list[str]]


class EventTextsIn(msgspec.Struct, forbid_unknown_fields=True):
    """New translations; a part left out (``null``) stays as it is, a given part replaces.

    ``questions`` by question key, then language; ``programme`` and ``people`` one object of
    languages per item, in the event's order (as many as the event has).
    """

    translations: dict[str, OwnTextsIO] | None = None
    questions: dict[str, dict[str, QuestionTextIO]] | None = None
    programme: list[dict[str, ProgrammeTextIO]] | None = None
    people: list[dict[str, PersonTextIO]] | None = None

    def command(self) -> EventTranslations:
        """The domain's form of these translations."""
        return EventTranslations(
            own=None
            if self.translations is None
            else {
                lang: EventText(**msgspec.structs.asdict(t))
                for lang, t in self.translations.items()
            },
            questions=None
            if self.questions is None
            else {
                key: {lang: QuestionText(t.label, tuple(t.options)) for lang, t in texts.items()}
                for key, texts in self.questions.items()
            },
            programme=None
            if self.programme is None
            else tuple(
                {lang: ProgrammeText(t.title, t.detail) for lang, t in item.items()}
                for item in self.programme
            ),
            people=None
            if self.people is None
            else tuple(
                {lang: PersonText(t.affiliation) for lang, t in item.items()}
                for item in self.people
            ),
        )


def _own(text: EventText | Event) -> OwnTextsIO:
    return OwnTextsIO(**{name: str(getattr(text, name)) for name in TRANSLATED_FIELDS})


def event_texts_out(event: Event) -> EventTextsOut:
    """The API shape of an event's texts (read with its access notes)."""
    return EventTextsOut(
        id=event.id,
        german=_own(event),
        translations={lang: _own(t) for lang, t in sorted(event.translations.items())},
        questions=[
            QuestionTextsOut(
                q.key,
                q.label,
                list(q.options),
                {
                    lang: QuestionTextIO(t.label, list(t.options))
                    for lang, t in sorted(q.translations.items())
                },
            )
            for q in event.questions
        ],
        programme=[
            ProgrammeTextsOut(
                i.time,
                i.title,
                i.detail,
                {
                    lang: ProgrammeTextIO(t.title, t.detail)
                    for lang, t in sorted(i.translations.items())
                },
            )
            for i in event.programme
        ],
        people=[
            PersonTextsOut(
                p.name,
                p.affiliation,
                {lang: PersonTextIO(t.affiliation) for lang, t in sorted(p.translations.items())},
            )
            for p in event.people
        ],
        missing={
            language.value: list(missing_translations(event, language.value))
            for language in TRANSLATABLE_LANGUAGES
        },
    )


class RegistrationOut(msgspec.Struct):
    """One registration; the personal link's token is never part of it."""

    id: int
    first_name: str
    last_name: str
    email: str
    organisation: str
    job_title: str
    #: ``in_person`` or ``online``.
    mode: str
    language: str
    #: ``pending``, ``confirmed``, ``waitlisted`` or ``cancelled``.
    status: str
    #: Answers to the event's extra questions, by question key.
    answers: dict[str, str]
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    #: ``municipality``, ``district``, ``association``, ``other``, or null: not said.
    organisation_type: str | None
    #: ``de``, ``ua``, ``other``, or null: not said.
    country: str | None


class Outcome(enum.StrEnum):
    """What adding a registration did."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    #: Double opt-in: the person must confirm their address first.
    PENDING = "pending"
    #: The address was registered already; nothing was changed.
    ALREADY_REGISTERED = "already_registered"


class AddedRegistrationOut(RegistrationOut):
    """The registration and what adding it did."""

    outcome: Outcome


class NewRegistrationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Someone to register, as on the public form."""

    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    #: ``in_person`` or ``online``; needed for hybrid events only.
    mode: str | None = None
    #: ``de``, ``en`` or ``uk``: the language of the person's emails.
    language: str = "de"
    #: Answers to the event's extra questions, by question key (other keys are ignored).
    answers: dict[str, str] = msgspec.field(default_factory=dict)
    #: The person agreed to the privacy notice (as the tick on the organisers' form).
    consent: bool = False
    #: ``municipality``, ``district``, ``association`` or ``other``; optional.
    organisation_type: str | None = None
    #: ``de`` (Germany), ``ua`` (Ukraine) or ``other``; optional.
    country: str | None = None

    def command(self, notice_version: str) -> RegistrationRequest:
        """The registration this body asks for; its fields are the command's, errors alike.

        ``notice_version``: the privacy notice in force, which ``consent`` agrees to.
        """
        return RegistrationRequest(
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            notice_version=notice_version,
            organisation=self.organisation,
            job_title=self.job_title,
            mode=self.mode or "",
            language=self.language,
            answers=self.answers,
            consent=self.consent,
            organisation_type=self.organisation_type or "",
            country=self.country or "",
        )


class LinkIO(msgspec.Struct, forbid_unknown_fields=True):
    """A link to slides or photos: https only."""

    url: str
    label: str = ""


class MaterialsIO(msgspec.Struct, forbid_unknown_fields=True):
    """What an event leaves behind: a report (Markdown), a recording, slides and photos.

    Shown on the event's page and in ``/past`` once the event has ended. Every link must be
    https; the report's raw HTML is shown as text and only http(s) and mailto links are kept.
    """

    #: The report in German (Markdown).
    report: str = ""
    #: The report in further languages (``en``, ``uk``); German stands in for a missing one.
    report_translations: dict[str, str] = msgspec.field(default_factory=dict)
    recording_url: str = ""
    slides: list[LinkIO] = msgspec.field(default_factory=list)
    photos: list[LinkIO] = msgspec.field(default_factory=list)

    def draft(self) -> MaterialsDraft:
        """The command this body describes."""
        return MaterialsDraft(
            report=self.report,
            report_translations=self.report_translations,
            recording_url=self.recording_url,
            slides=tuple(MaterialLink(url=link.url, label=link.label) for link in self.slides),
            photos=tuple(MaterialLink(url=link.url, label=link.label) for link in self.photos),
        )


def materials_out(materials: EventMaterials) -> MaterialsIO:
    """The API shape of stored materials."""
    return MaterialsIO(
        report=materials.report,
        report_translations=dict(materials.report_translations),
        recording_url=materials.recording_url,
        slides=[LinkIO(url=link.url, label=link.label) for link in materials.slides],
        photos=[LinkIO(url=link.url, label=link.label) for link in materials.photos],
    )


class ExportFormat(enum.StrEnum):
    """Export file types."""

    CSV = "csv"
    XLSX = "xlsx"


@dataclass
class ExportOperation(Operation):
    """The export's operation: its answer is a CSV file or an xlsx workbook, by ``format``.

    A handler declares one media type for its success; the schema must name both, or clients
    (and schemathesis) take the workbook for an undocumented answer.
    """

    def __post_init__(self) -> None:
        success = (self.responses or {}).get(str(HTTP_200_OK))
        if success is not None and not isinstance(success, Reference):
            success.content = {
                "text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                downloads.XLSX: OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ),
            }


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


#: The token guard's refusals, on every route here (app.web.api_auth).
_UNAUTHORIZED = {
    401: _problem("No, an invalid or a revoked token (see `WWW-Authenticate`)."),
    429: _problem(
        f"Too many failed tokens from this client ({FAILED_ATTEMPTS_LIMIT} within a minute): "
        "retry after the seconds in `Retry-After`."
    ),
}
_NOT_FOUND = {404: _problem("No such event.")}
_BAD_REQUEST = {400: _problem("Invalid query or path value.")}


def registration_out(registration: Registration) -> RegistrationOut:
    """The API shape of a registration: no token, by construction."""
    return RegistrationOut(
        id=registration.id,
        first_name=registration.first_name,
        last_name=registration.last_name,
        email=registration.email,
        organisation=registration.organisation,
        job_title=registration.job_title,
        mode=registration.mode.value,
        language=registration.language.value,
        status=registration.status.value,
        answers=dict(registration.answers),
        created_at=registration.created_at,
        confirmed_at=registration.confirmed_at,
        cancelled_at=registration.cancelled_at,
        checked_in_at=registration.checked_in_at,
        organisation_type=choice_code(registration.organisation_type),
        country=choice_code(registration.country),
    )


def added_out(registration: Registration, outcome: Outcome) -> AddedRegistrationOut:
    """The registration with what adding it did."""
    fields = msgspec.structs.asdict(registration_out(registration))
    return msgspec.convert({**fields, "outcome": outcome}, AddedRegistrationOut)


class OrganiserApiController(Controller):
    """``/api/v1/organiser``: for organisers' programs, with a personal API token."""

    path = ORGANISER_API_PREFIX
    tags = ("organiser",)
    guards = (require_api_token,)
    security = ({SECURITY_SCHEME: []},)

    @get(
        "/events",
        name="organiser_api_events",
        opt={ACCESS: Access.SIGNED_IN},
        summary="The events the token's organiser manages, drafts included",
        responses=_UNAUTHORIZED,
    )
    async def list_events(self, request: Request[Any, Any, Any]) -> list[OrganiserEventOut]:
        """The events the token's organiser manages (an administrator: all), soonest first,
        with their registrations counted per status."""
        permissions = request_permissions(request)
        return [
            OrganiserEventOut(
                id=summary.event.id,
                slug=summary.event.slug,
                title=summary.event.title,
                status=summary.event.status.value,
                format=summary.event.format.value,
                starts_at=summary.event.starts_at,
                ends_at=summary.event.ends_at,
                counts={status.value: n for status, n in summary.counts.items()},
                invitation_only=summary.event.invitation_only,
            )
            for summary in await event_summaries.list_all()
            if permissions is not None and permissions.allows(Access.EVENT_MANAGE, summary.event.id)
        ]

    @get(
        "/events/{event_id:int}/registrations",
        name="organiser_api_registrations",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="An event's registrations",
        responses={**_BAD_REQUEST, **_UNAUTHORIZED, **_NOT_FOUND},
    )
    async def list_registrations(
        self,
        event_id: FromPath[int],
        q: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        mode: FromQuery[str | None] = None,
    ) -> list[RegistrationOut]:
        """The registrations in the order they came in, filtered as on the organisers' list.

        ``q`` searches names, email and organisation (every word must occur, any case);
        ``status`` and ``mode`` narrow down; unknown values are ignored.
        """
        search = RegistrationFilter.parse(q, status, mode)
        await get_with_access(event_id)
        found = await listing_service.matching_registrations(event_id, search)
        return [registration_out(r) for r in found]

    @get(
        "/events/{event_id:int}/registrations/export",
        name="organiser_api_export",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="An event's registrations as CSV or Excel file",
        operation_class=ExportOperation,
        response_description="The same files as on the organisers' pages: `format=csv` gives "
        "text/csv (UTF-8 with BOM, semicolons, for German Excel), `format=xlsx` an Excel "
        "workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet).",
        responses={**_BAD_REQUEST, **_UNAUTHORIZED, **_NOT_FOUND},
    )
    async def export(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
        format: FromQuery[ExportFormat] = ExportFormat.CSV,
    ) -> Stream:
        """Every registration of the event, streamed as CSV or as an xlsx workbook."""
        event = await get_with_access(event_id)
        await audit.export_started(db, actor, event.id, format.value, now)
        if format is ExportFormat.XLSX:
            return await downloads.xlsx_download(event)
        return await downloads.csv_download(event)

    @post(
        "/events/{event_id:int}/registrations",
        name="organiser_api_add_registration",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="Register someone",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(
                data_container=AddedRegistrationOut,
                description="The address was registered already: nothing was changed "
                "(`outcome` is `already_registered`).",
            ),
            400: _problem("Invalid input; `errors` names each field with an error code."),
            **_UNAUTHORIZED,
            **_NOT_FOUND,
            409: _problem("The event takes no registration (cancelled, draft, full)."),
        },
    )
    async def add_registration(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: JSONBody[NewRegistrationIn],
        privacy_notice: NamedDependency[CurrentNotice],
    ) -> Response[AddedRegistrationOut]:
        """Register someone on the organisers' path: capacity, waiting list and mails apply.

        Opening time and deadline do not (as when organisers add someone by hand); a full event
        puts the person on the waiting list, or refuses with 409 without one.
        """
        notice_version = await privacy_notice.consent_version(db, now)
        outcome = await registrations.register_by_organiser(
            db, event_id, data.command(notice_version), now, actor=actor
        )
        result = (
            Outcome(outcome.registration.status.value)
            if outcome.created
            else Outcome.ALREADY_REGISTERED
        )
        return Response(
            added_out(outcome.registration, result),
            status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK,
        )

    @get(
        "/events/{event_id:int}/texts",
        name="organiser_api_event_texts",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="Every text of an event, its translations and what is missing",
        responses={**_BAD_REQUEST, **_UNAUTHORIZED, **_NOT_FOUND},
    )
    async def event_texts(self, event_id: FromPath[int]) -> EventTextsOut:
        """German texts and their English and Ukrainian translations, questions by key."""
        return event_texts_out(await get_with_access(event_id))

    @put(
        "/events/{event_id:int}/texts",
        name="organiser_api_set_event_texts",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="Set translations of an event's texts",
        responses={
            400: _problem("Invalid input; `errors` names each field with an error code."),
            **_UNAUTHORIZED,
            **_NOT_FOUND,
        },
    )
    async def set_event_texts(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: JSONBody[EventTextsIn],
    ) -> EventTextsOut:
        """Replace the translations given (the German texts stay); nobody is mailed."""
        event = await event_admin.update_translations(
            db, event_id, data.command(), now, actor=actor
        )
        return event_texts_out(event)

    @put(
        "/events/{event_id:int}/invitation-only",
        name="organiser_api_set_invitation_only",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="Make an event invitation-only, or open it to all",
        responses={**_BAD_REQUEST, **_UNAUTHORIZED, **_NOT_FOUND},
    )
    async def set_invitation_only(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: JSONBody[InvitationOnlyIO],
    ) -> InvitationOnlyIO:
        """Invitation-only: registrations are accepted from invited addresses only (imported
        on the organisers' pages); nobody is mailed."""
        event = await invitations.set_invitation_only(
            db, event_id, data.invitation_only, now, actor=actor
        )
        return InvitationOnlyIO(invitation_only=event.invitation_only)

    @get(
        "/events/{event_id:int}/materials",
        name="organiser_api_materials",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="An event's report, recording, slides and photos",
        responses={**_BAD_REQUEST, **_UNAUTHORIZED, **_NOT_FOUND},
    )
    async def get_materials(self, event_id: FromPath[int]) -> MaterialsIO:
        """What the event leaves behind, as stored (empty fields when nothing is)."""
        event = await get_with_access(event_id)
        return materials_out(event.materials)

    @put(
        "/events/{event_id:int}/materials",
        name="organiser_api_set_materials",
        opt={ACCESS: Access.EVENT_MANAGE},
        summary="Set an event's report, recording, slides and photos",
        responses={
            400: _problem(
                "Invalid input; `errors` names each field with an error code "
                "(`not_https`, `invalid_url`, `too_long`, …)."
            ),
            **_UNAUTHORIZED,
            **_NOT_FOUND,
        },
    )
    async def set_materials(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: JSONBody[MaterialsIO],
    ) -> MaterialsIO:
        """Replace the materials as a whole; the public pages show them once the event ended."""
        event = await materials_service.save(db, event_id, data.draft(), now, actor=actor)
        return materials_out(event.materials)
