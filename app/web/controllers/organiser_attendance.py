"""Online attendance and certificates for organisers: tick off, upload a list, download them all.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from app import paths
from app.db.database import Database
from app.domain.attendance import MAX_UPLOAD_BYTES, RowError, RowProblem
from app.domain.audit import Actor
from app.domain.model import AttendanceSource
from app.domain.roles import ACCESS, Access
from app.exports.certificate import Issuer
from app.i18n import N_, _, ngettext
from app.services import attendance, audit
from app.services.attendance import ImportOutcome
from app.services.events import get_with_access
from app.settings import Settings
from app.web import downloads
from app.web.params import FormBody

#: What each problem of an uploaded list says, beside its row number.
PROBLEM_TEXTS = {
    RowProblem.NOT_UTF8: N_(
        "Die Datei ist keine UTF-8-Textdatei. Bitte als „CSV UTF-8“ speichern."
    ),
    RowProblem.TOO_LARGE: N_("Die Datei ist zu groß (höchstens 1 MB, 20.000 Zeilen)."),
    RowProblem.EMPTY: N_("Die Datei enthält keine E-Mail-Adressen."),
    RowProblem.NO_ADDRESS: N_("Keine E-Mail-Adresse gefunden (Spalten mit ; oder , getrennt?)."),
    RowProblem.FORMULA: N_("Sieht aus wie eine Tabellenformel, nicht wie eine E-Mail-Adresse."),
    RowProblem.NOT_AN_ADDRESS: N_("Keine gültige E-Mail-Adresse (Spalten mit ; oder , getrennt?)."),
    RowProblem.UNKNOWN: N_("Unter dieser Adresse ist niemand für diese Veranstaltung angemeldet."),
    RowProblem.NOT_ONLINE: N_("Diese Person ist für die Teilnahme vor Ort angemeldet."),
    RowProblem.NOT_CONFIRMED: N_("Diese Anmeldung ist nicht bestätigt."),
}

NOTICES = {
    "unchanged": N_("Schon erledigt – vielleicht von einem anderen Gerät."),
}


@dataclass(frozen=True, slots=True)
class ShownError:
    """One problem of an upload as the page lists it."""

    row: int
    value: str
    text: str


def _shown(errors: list[RowError]) -> list[ShownError]:
    return [ShownError(e.row, e.value, _(PROBLEM_TEXTS[e.problem])) for e in errors]


@dataclass
class AttendanceUpload:
    """The upload form: the CSV file (the CSRF token comes with it and is checked before)."""

    file: UploadFile | None = None


def _imported_notice(outcome: ImportOutcome) -> str:
    text = ngettext("%(count)d Adresse gelesen.", "%(count)d Adressen gelesen.", outcome.listed) % {
        "count": outcome.listed
    }
    text += " " + ngettext(
        "%(count)d Person neu als online teilgenommen markiert.",
        "%(count)d Personen neu als online teilgenommen markiert.",
        outcome.marked,
    ) % {"count": outcome.marked}
    if outcome.repeated:
        text += " " + ngettext(
            "%(count)d Zeile wiederholte eine Adresse und wurde einmal gezählt.",
            "%(count)d Zeilen wiederholten eine Adresse und wurden einmal gezählt.",
            len(outcome.repeated),
        ) % {"count": len(outcome.repeated)}
    return text


async def _page(
    event_id: int,
    *,
    notice: str = "",
    errors: list[ShownError] | None = None,
    status_code: int = 200,
) -> Template:
    overview = await attendance.online_participants(event_id)
    return Template(
        template_name="organiser/attendance.html",
        context={
            "overview": overview,
            "notice": notice,
            "errors": errors or [],
            "event_id": event_id,
            "event": overview.event,
            "max_upload_bytes": MAX_UPLOAD_BYTES,
        },
        status_code=status_code,
    )


class OrganiserAttendanceController(Controller):
    """``…/attendance`` (online participants) and ``…/certificates.pdf``."""

    include_in_schema = False

    @get(paths.ATTENDANCE, name="organiser_attendance", opt={ACCESS: Access.EVENT_MANAGE})
    async def attendance_page(
        self, event_id: FromPath[int], notice: FromQuery[str | None] = None
    ) -> Template:
        """The confirmed online participants, each with a button, and the list upload."""
        text = NOTICES.get(paths.notice(notice), "")
        return await _page(event_id, notice=_(text) if text else "")

    @post(
        paths.ATTENDANCE_SUBMIT,
        name="organiser_attendance_submit",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def mark(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Mark one person as attended online (``action=in``) or take it back (``action=out``)."""
        action = data.get("action")
        if action not in ("in", "out"):
            raise ValidationException("action must be 'in' or 'out'")
        await get_with_access(event_id)
        if action == "in":
            changed = await attendance.mark_attended_online(
                db,
                event_id,
                [registration_id],
                source=AttendanceSource.ORGANISER,
                now=now,
                actor=actor,
            )
        else:
            changed = await attendance.unmark_attended_online(
                db, event_id, [registration_id], now=now, actor=actor
            )
        target = paths.attendance(event_id)
        if not changed:
            target += "?notice=unchanged"
        return Redirect(path=f"{target}#r-{registration_id}", status_code=HTTP_303_SEE_OTHER)

    @post(
        paths.ATTENDANCE_IMPORT,
        name="organiser_attendance_import",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def upload(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: Annotated[AttendanceUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        """Mark everyone on the uploaded list, or nobody: every row that stops it is listed."""
        content = b""
        if data.file is not None:
            try:
                # One byte more than is read: a larger file is refused, never cut short.
                content = await data.file.read(MAX_UPLOAD_BYTES + 1)
            finally:
                await data.file.close()
        if not content:
            return await _page(
                event_id,
                errors=_shown([RowError(0, RowProblem.EMPTY)]),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        outcome = await attendance.import_attendance(db, event_id, content, now=now, actor=actor)
        if outcome.errors:
            return await _page(
                event_id,
                errors=_shown(outcome.errors),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return await _page(event_id, notice=_imported_notice(outcome))

    @get(paths.CERTIFICATES, name="organiser_certificates", opt={ACCESS: Access.EVENT_MANAGE})
    async def certificates(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        event_id: FromPath[int],
    ) -> Stream:
        """A certificate of attendance per person who came, one PDF page each, in their language."""
        event = await get_with_access(event_id)
        await audit.export_started(db, actor, event.id, "certificates", now)
        issuer = Issuer.of(event, settings.certificate_organiser)
        return await downloads.certificates_download(event, issuer, now)
