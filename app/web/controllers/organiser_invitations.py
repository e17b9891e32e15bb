"""Organisers invite people to an event: import a CSV list, see the invitees, send the personal
invitations (after a confirmation).

On the organisers' router, so its guard (``app.web.auth``) covers every handler here, each for
the event's managers; the work happens in ``app.services.invitations``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from app import paths
from app.db.database import Database
from app.domain import invitations as rules
from app.domain import validation
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.i18n import N_, _, current_language, ngettext
from app.services import invitations
from app.services.events import get_with_access
from app.services.invitations import ImportReport
from app.settings import Settings

#: Why a file was refused as a whole.
FILE_ERRORS = {
    rules.NO_EMAIL_COLUMN: N_(
        "Die Datei hat keine Spalte „E-Mail“. Die erste Zeile muss die Spalten benennen, z. B. "
        "Name;E-Mail;Organisation;Sprache. Sind die Spalten mit einem anderen Zeichen als ; "
        "oder , getrennt?"
    ),
    rules.NOT_UTF8: N_(
        "Die Datei ist nicht in UTF-8 gespeichert. Speichern Sie sie in Excel als "
        "„CSV UTF-8 (durch Trennzeichen getrennt)“."
    ),
    rules.EMPTY_FILE: N_("Die Datei enthält keine Eingeladenen."),
    rules.TOO_LARGE: N_("Die Datei ist zu groß: höchstens %(limit)s MB. Bitte teilen Sie sie auf."),
    "missing": N_("Bitte wählen Sie eine CSV-Datei aus."),
}
#: What is wrong with a cell.
ROW_ERRORS = {
    rules.DUPLICATE: N_("Diese Adresse steht schon in Zeile %(first)s."),
    rules.ALREADY_INVITED: N_("Diese Adresse ist schon eingeladen."),
    rules.UNKNOWN_LANGUAGE: N_("Unbekannte Sprache: erlaubt sind de, en und uk."),
    rules.FORMULA: N_(
        "Beginnt mit =, +, - oder @ und würde in Tabellenprogrammen als Formel ausgeführt."
    ),
    rules.WRONG_DELIMITER: N_(
        "Die Zeile hat nur eine Spalte: Sie ist mit einem anderen Zeichen getrennt als die "
        "Kopfzeile (; oder ,)."
    ),
    validation.INVALID_EMAIL: N_("Keine gültige E-Mail-Adresse."),
    validation.REQUIRED: N_("Fehlt."),
    validation.TOO_LONG: N_("Zu lang."),
    validation.INVALID_TEXT: N_("Enthält unzulässige Zeichen."),
}
COLUMN_LABELS = {
    "name": N_("Name"),
    "first_name": N_("Vorname"),
    "last_name": N_("Nachname"),
    "email": N_("E-Mail"),
    "organisation": N_("Organisation"),
    "language": N_("Sprache"),
}


@dataclass(frozen=True, slots=True)
class ShownError:
    """One row error as the page lists it."""

    line: int
    column: str
    text: str


@dataclass
class InviteeUpload:
    """The upload form: the CSV file (the CSRF token comes with it and is checked before)."""

    file: UploadFile | None = None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}"


def _file_error(report: ImportReport, settings: Settings) -> str:
    if not report.file_error:
        return ""
    text = _(FILE_ERRORS.get(report.file_error, FILE_ERRORS[rules.EMPTY_FILE]))
    if report.file_error == rules.TOO_LARGE:
        text = text % {"limit": _megabytes(settings.invitation_max_upload_bytes)}
    return text


def _shown(report: ImportReport) -> list[ShownError]:
    shown = []
    for error in report.errors:
        text = _(ROW_ERRORS.get(error.code, N_("Bitte prüfen Sie diese Angabe.")))
        if error.code == rules.DUPLICATE:
            text = text % {"first": error.first_line}
        shown.append(ShownError(error.line, _(COLUMN_LABELS.get(error.column, "")), text))
    return shown


async def _page(
    event_id: int,
    settings: Settings,
    *,
    page: int = 1,
    report: ImportReport | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    event = await get_with_access(event_id)
    summary = await invitations.summary(event_id)
    listing = await invitations.invitee_page(event_id, page, summary.invited)
    return Template(
        template_name="organiser/invitations.html",
        context={
            "event_id": event_id,
            "event": event,
            "summary": summary,
            "listing": listing,
            "report": report,
            "file_error": _file_error(report, settings) if report else "",
            "row_errors": _shown(report) if report else [],
            "notice": notice,
            "max_upload": _megabytes(settings.invitation_max_upload_bytes),
            "timezone": event.timezone,
            "language": current_language(),
        },
        status_code=status_code,
    )


class OrganiserInvitationsController(Controller):
    """One event's invitees: the import, the list, sending."""

    include_in_schema = False

    @get(paths.INVITATIONS, name="organiser_invitations", opt={ACCESS: Access.EVENT_MANAGE})
    async def invitations(
        self,
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        page: FromQuery[int] = 1,
        added: FromQuery[int | None] = None,
        sent: FromQuery[int | None] = None,
    ) -> Template:
        """The invitees (paged) with their state, the import form and the way to sending."""
        notice = ""
        if added is not None:
            notice = ngettext(
                "%(count)d Person eingeladen.", "%(count)d Personen eingeladen.", added
            ) % {"count": added}
        if sent is not None:
            notice = ngettext(
                "%(count)d Einladung wird verschickt.",
                "%(count)d Einladungen werden verschickt.",
                sent,
            ) % {"count": sent}
        return await _page(event_id, settings, page=page, notice=notice)

    @post(
        paths.INVITATIONS_IMPORT,
        name="organiser_invitations_import",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def import_file(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
        data: Annotated[InviteeUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Redirect | Template:
        """Import the chosen CSV file: all its rows, or none and every error by row."""
        if data.file is None or not data.file.filename:
            report = ImportReport(file_error="missing")
        else:
            try:
                report = await invitations.import_invitees(
                    db,
                    event_id,
                    data.file.file,
                    now,
                    max_bytes=settings.invitation_max_upload_bytes,
                    actor=actor,
                )
            finally:
                await data.file.close()
        if not report.imported:
            return await _page(
                event_id, settings, report=report, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        query = urlencode({"added": report.added})
        return Redirect(
            path=f"{paths.invitations(event_id)}?{query}", status_code=HTTP_303_SEE_OTHER
        )

    @get(
        paths.INVITATIONS_SEND,
        name="organiser_invitations_confirm",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def confirm(self, event_id: FromPath[int]) -> Template:
        """What sending would do, to be confirmed; changes nothing."""
        event = await get_with_access(event_id)
        return Template(
            template_name="organiser/invitations_send.html",
            context={
                "event_id": event_id,
                "event": event,
                "unsent": await invitations.unsent_count(event_id),
                "published": event.status.value == "published",
            },
        )

    @post(
        paths.INVITATIONS_SEND,
        name="organiser_invitations_send",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def send(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
    ) -> Redirect:
        """Send a personal invitation to everyone invited who has not had one yet."""
        sent = await invitations.send_invitations(db, event_id, now, actor=actor)
        return Redirect(
            path=f"{paths.invitations(event_id)}?{urlencode({'sent': sent})}",
            status_code=HTTP_303_SEE_OTHER,
        )
