"""After the event: organisers add report, recording, slides and photos, and announce them.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. The form
carries slides and photos as one link per line (``https://… optional description``); the rules
(:mod:`app.domain.materials`) report errors per link, which land on that field with its line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain import materials as rules
from app.domain.audit import Actor
from app.domain.event_rules import INVALID_URL
from app.domain.materials import MaterialsDraft
from app.domain.model import TRANSLATABLE_LANGUAGES, Event, EventMaterials, MaterialLink
from app.domain.roles import ACCESS, Access
from app.i18n import LANGUAGE_NAMES, N_, _, ngettext
from app.services import materials as service
from app.services.events import get_with_access
from app.web import texts
from app.web.controllers.organiser_events import MessageForm
from app.web.forms import Refusal, submit
from app.web.params import FormBody

#: The form's link lists: one link per line.
LINK_FIELDS = ("slides", "photos")

_ERRORS = {
    rules.NOT_HTTPS: N_(
        "Bitte geben Sie einen https-Link an (https://…); andere Links sind nicht erlaubt."
    ),
    INVALID_URL: N_("Bitte geben Sie einen vollständigen Link an (https://…)."),
    rules.TOO_MANY: N_("Höchstens 20 Links, einer pro Zeile."),
}

_REFUSALS = {
    service.NOT_OVER: N_("Die Veranstaltung ist noch nicht vorbei."),
    service.NOT_PUBLISHED: N_(
        "Nur veröffentlichte Veranstaltungen (nicht abgesagte) können das verschicken."
    ),
    service.NOTHING_TO_ANNOUNCE: N_(
        "Bitte speichern Sie zuerst einen Bericht oder eine Aufzeichnung."
    ),
}


def report_field(language: str) -> str:
    """The form field of the report in ``language`` (``report`` for German)."""
    return "report" if language == "de" else f"report_{language}"


def _links(text: str) -> tuple[MaterialLink, ...]:
    links = []
    for line in text.replace("\r\n", "\n").split("\n"):
        url, _sep, label = line.strip().partition(" ")
        if url:
            links.append(MaterialLink(url=url, label=label.strip()))
    return tuple(links)


def parse_materials_form(data: Mapping[str, str]) -> MaterialsDraft:
    """The draft the form describes."""
    return MaterialsDraft(
        report=data.get("report", ""),
        report_translations={
            language.value: data.get(report_field(language.value), "")
            for language in TRANSLATABLE_LANGUAGES
        },
        recording_url=data.get("recording_url", ""),
        slides=_links(data.get("slides", "")),
        photos=_links(data.get("photos", "")),
    )


def materials_values(materials: EventMaterials) -> dict[str, str]:
    """The form's values for stored materials."""
    values = {
        "report": materials.report,
        "recording_url": materials.recording_url,
        **{
            field: "\n".join(
                f"{link.url} {link.label}".strip() for link in getattr(materials, field)
            )
            for field in LINK_FIELDS
        },
    }
    for language in TRANSLATABLE_LANGUAGES:
        values[report_field(language.value)] = materials.report_translations.get(language.value, "")
    return values


def error_message(code: str) -> str:
    """The message next to a field for an error ``code``, translated."""
    if code in _ERRORS:
        return _(_ERRORS[code])
    return _(texts.field_error(code))


def form_errors(codes: Mapping[str, str]) -> dict[str, str]:
    """Messages per form field; a link's error names its line (``Zeile 2: …``)."""
    errors: dict[str, str] = {}
    for name, code in codes.items():
        if name.startswith("report_translations."):
            errors[report_field(name.removeprefix("report_translations."))] = error_message(code)
            continue
        field, _sep, rest = name.partition(".")
        number = rest.partition(".")[0]
        if field in LINK_FIELDS and number.isdigit():
            line = _("Zeile %(line)d: %(message)s") % {
                "line": int(number) + 1,
                "message": error_message(code),
            }
            errors[field] = f"{errors[field]} {line}" if field in errors else line
        else:
            errors[field] = error_message(code)
    return errors


def _notice(notice: str | None, sent: int | None) -> str:
    if sent is not None:
        if sent == 0:
            return _("Alle Angemeldeten haben die Nachricht schon; niemand Neues bekommt sie.")
        return ngettext(
            "%(count)d Person bekommt die Nachricht.",
            "%(count)d Personen bekommen die Nachricht.",
            sent,
        ) % {"count": sent}
    if paths.notice(notice) == "saved":
        return _("Gespeichert.")
    return ""


async def _page(
    event: Event,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    now: dt.datetime,
    notice: str = "",
    announce_errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    refusal = service.announce_refusal(event, now)
    return Template(
        template_name="organiser/materials.html",
        context={
            "event": event,
            "event_id": event.id,
            "form": MessageForm(values=dict(values), errors=dict(errors)),
            "announce_form": MessageForm(values={}, errors=dict(announce_errors or {})),
            "notice": notice,
            "report_languages": [
                (report_field(language.value), LANGUAGE_NAMES[language.value])
                for language in TRANSLATABLE_LANGUAGES
            ],
            "missing_translations": [
                LANGUAGE_NAMES[language.value]
                for language in TRANSLATABLE_LANGUAGES
                if event.materials.report
                and not event.materials.report_translations.get(language.value)
            ],
            "announce_refusal": _(_REFUSALS[refusal]) if refusal else "",
            "pending": await service.pending_count(event.id) if refusal is None else 0,
        },
        status_code=status_code,
    )


class OrganiserMaterialsController(Controller):
    """What an event leaves behind, and the mail that says it is online."""

    include_in_schema = False

    @get(paths.EVENT_MATERIALS, name="organiser_materials", opt={ACCESS: Access.EVENT_MANAGE})
    async def show(
        self,
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        notice: FromQuery[str | None] = None,
        sent: FromQuery[int | None] = None,
    ) -> Template:
        """The form with the stored materials, and the announce button."""
        event = await get_with_access(event_id)
        return await _page(
            event, materials_values(event.materials), {}, now=now, notice=_notice(notice, sent)
        )

    @post(paths.EVENT_MATERIALS, name="organiser_materials_save", opt={ACCESS: Access.EVENT_MANAGE})
    async def save(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Store the materials; a refused form comes back with a message at each field."""
        event = await get_with_access(event_id)
        saved = await submit(
            lambda: service.save(db, event_id, parse_materials_form(data), now, actor=actor)
        )
        if isinstance(saved, Refusal):
            return await _page(
                event,
                data,
                form_errors(saved.error_codes),
                now=now,
                status_code=saved.status_code,
            )
        return Redirect(
            path=paths.event_materials(event_id),
            query_params={"notice": "saved"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        paths.EVENT_MATERIALS_ANNOUNCE,
        name="organiser_materials_announce",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def announce(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Send the "report and recording are online" mail to everyone who has not had it."""
        event = await get_with_access(event_id)
        if data.get("confirm") != "yes":
            return await _page(
                event,
                materials_values(event.materials),
                {},
                now=now,
                announce_errors={"confirm": _("Bitte bestätigen Sie den Versand.")},
                status_code=HTTP_400_BAD_REQUEST,
            )
        sent = await submit(lambda: service.announce(db, event_id, now, actor=actor))
        if isinstance(sent, Refusal):
            code = sent.error_codes.get("announce", "")
            return await _page(
                event,
                materials_values(event.materials),
                {},
                now=now,
                announce_errors={"confirm": _(_REFUSALS.get(code, texts.field_error(code)))},
                status_code=sent.status_code,
            )
        return Redirect(
            path=paths.event_materials(event_id),
            query_params={"sent": str(sent)},
            status_code=HTTP_303_SEE_OTHER,
        )
