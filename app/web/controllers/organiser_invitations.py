"""Organisers invite people to an event: import a CSV list, send the personal invitations.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here; the work
happens in ``app.services.invitations``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain import invitations as rules
from app.domain import validation
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.i18n import N_, _, ngettext
from app.services import invitations
from app.services.events import get_with_access
from app.services.invitations import ImportReport

#: The largest CSV file taken (bytes): 100,000 invitees with long names fit well.
MAX_UPLOAD = 32_000_000

#: Why a file was refused as a whole.
FILE_ERRORS = {
    rules.NO_EMAIL_COLUMN: N_(
        "Die Datei hat keine Spalte „E-Mail“. Die erste Zeile muss die Spalten benennen: Name, "
        "E-Mail, Organisation, Sprache."
    ),
    rules.NOT_UTF8: N_(
        "Die Datei ist nicht in UTF-8 gespeichert. Speichern Sie sie in Excel als "
        "„CSV UTF-8 (durch Trennzeichen getrennt)“."
    ),
    rules.EMPTY_FILE: N_("Die Datei ist leer."),
    "missing": N_("Bitte wählen Sie eine CSV-Datei aus."),
}
#: What is wrong with a cell.
ROW_ERRORS = {
    rules.DUPLICATE: N_("Diese Adresse steht weiter oben schon in der Datei."),
    rules.UNKNOWN_LANGUAGE: N_("Unbekannte Sprache: erlaubt sind de, en und uk."),
    rules.FORMULA: N_(
        "Beginnt mit =, +, - oder @ und würde in Tabellenprogrammen als Formel ausgeführt."
    ),
    validation.INVALID_EMAIL: N_("Keine gültige E-Mail-Adresse."),
    validation.REQUIRED: N_("Fehlt."),
    validation.TOO_LONG: N_("Zu lang."),
    validation.INVALID_TEXT: N_("Enthält unzulässige Zeichen."),
}
COLUMN_LABELS = {
    "name": N_("Name"),
    "email": N_("E-Mail"),
    "organisation": N_("Organisation"),
    "language": N_("Sprache"),
}


def _page(
    event_id: int, *, report: ImportReport | None = None, notice: str = "", status: int = 200
) -> Template:
    return Template(
        template_name="organiser/invitations.html",
        context={"event_id": event_id, "report": report, "notice": notice},
        status_code=status,
    )


class OrganiserInvitationsController(Controller):
    """One event's invitees: the import, the counts, sending."""

    include_in_schema = False

    @get(paths.INVITATIONS, name="organiser_invitations", opt={ACCESS: Access.EVENT_MANAGE})
    async def invitations(
        self,
        event_id: FromPath[int],
        added: FromQuery[int | None] = None,
        known: FromQuery[int | None] = None,
        sent: FromQuery[int | None] = None,
    ) -> Template:
        """How many are invited and sent, the import form and the send button."""
        notice = ""
        if added is not None:
            notice = ngettext(
                "%(count)d Person neu eingeladen.", "%(count)d Personen neu eingeladen.", added
            ) % {"count": added}
            if known:
                notice += " " + ngettext(
                    "%(count)d war schon eingeladen.", "%(count)d waren schon eingeladen.", known
                ) % {"count": known}
        if sent is not None:
            notice = ngettext(
                "%(count)d Einladung wird verschickt.",
                "%(count)d Einladungen werden verschickt.",
                sent,
            ) % {"count": sent}
        return await self._show(event_id, notice=notice)

    async def _show(
        self,
        event_id: int,
        *,
        report: ImportReport | None = None,
        notice: str = "",
        status: int = 200,
    ) -> Template:
        event = await get_with_access(event_id)
        template = _page(event_id, report=report, notice=notice, status=status)
        template.context.update(
            {
                "event": event,
                "summary": await invitations.summary(event_id),
                "file_errors": {code: _(text) for code, text in FILE_ERRORS.items()},
                "row_errors": {code: _(text) for code, text in ROW_ERRORS.items()},
                "column_labels": {name: _(text) for name, text in COLUMN_LABELS.items()},
            }
        )
        return template

    @post(
        paths.INVITATIONS_IMPORT,
        opt={ACCESS: Access.EVENT_MANAGE},
        name="organiser_invitations_import",
        request_max_body_size=MAX_UPLOAD,
    )
    async def import_file(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: MultipartBody[dict[str, Any]],
    ) -> Redirect | Template:
        """Import the chosen CSV file: all its rows, or none and every error by row."""
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            report = ImportReport(file_error="missing")
            return await self._show(event_id, report=report, status=HTTP_400_BAD_REQUEST)
        try:
            report = await invitations.import_invitees(db, event_id, upload.file, now, actor=actor)
        finally:
            await upload.close()
        if not report.imported:
            return await self._show(event_id, report=report, status=HTTP_400_BAD_REQUEST)
        query = urlencode({"added": report.added, "known": report.already_invited})
        return Redirect(
            path=f"{paths.invitations(event_id)}?{query}", status_code=HTTP_303_SEE_OTHER
        )

    @post(
        paths.INVITATIONS_SEND, name="organiser_invitations_send", opt={ACCESS: Access.EVENT_MANAGE}
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
