"""The organisers' pages for one event's registrations: the list, its exports, the door.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.model import AttendanceMode, RegistrationStatus
from app.domain.roles import ACCESS, Access
from app.exports.columns import (
    COUNTRY_LABELS,
    MODE_LABELS,
    ORGANISATION_TYPE_LABELS,
    STATUS_LABELS,
)
from app.exports.funder_report import count_headers
from app.exports.funder_report import tables as report_tables
from app.i18n import N_, _, ngettext
from app.services import audit
from app.services import organiser_registrations as service
from app.services.events import get_with_access
from app.services.funder_report import funder_report
from app.services.organiser_registrations import CheckIn, RegistrationFilter
from app.web import downloads
from app.web.organiser_texts import translated
from app.web.params import FormBody

_NOTICES = {
    CheckIn.NOT_CONFIRMED: "not-confirmed",
    CheckIn.UNCHANGED: "unchanged",
}
NOTICE_TEXTS = {
    "not-confirmed": N_("Nur bestätigte Anmeldungen können eingelassen werden."),
    "unchanged": N_("Schon erledigt – vielleicht von einem anderen Gerät."),
}


def check_in_notice(notice: str | None) -> str:
    """The door's notice for ``notice``, translated (German values of before too)."""
    text = NOTICE_TEXTS.get(paths.notice(notice), "")
    return _(text) if text else ""


#: What the list says after an organiser's action (``notice`` in the redirect's query).
ACTION_NOTICES = {
    "cancelled": N_("Die Anmeldung wurde storniert; die Person bekommt eine E-Mail."),
    "already-cancelled": N_("Diese Anmeldung war schon storniert."),
    "promoted": N_("Nachrücken von der Warteliste:"),
    "data-deleted": N_(
        "Die Daten der Person sind gelöscht (eine bestehende Anmeldung wurde storniert); "
        "gezählt wird sie weiter."
    ),
}


def action_notice(notice: str | None, promoted: int | None, status: str | None) -> str:
    """The notice for ``notice``, translated (German values of before too); empty for unknown."""
    notice = paths.notice(notice)
    if notice == "added":
        label = STATUS_LABELS.get(RegistrationStatus(status)) if status in _STATUSES else None
        return _("Die Anmeldung wurde hinzugefügt, Status: %(status)s.") % {
            "status": _(label) if label else _("unbekannt")
        }
    text = _(ACTION_NOTICES[notice]) if notice in ACTION_NOTICES else ""
    if notice in ("cancelled", "promoted"):
        if promoted:
            moved = ngettext(
                "%(count)d Person ist von der Warteliste nachgerückt.",
                "%(count)d Personen sind von der Warteliste nachgerückt.",
                promoted,
            ) % {"count": promoted}
            text = f"{text} {moved}"
        elif notice == "promoted":
            nobody = _("niemand – kein freier Platz oder niemand auf der Warteliste.")
            text = f"{text} {nobody}"
    return text


_STATUSES = {s.value for s in RegistrationStatus}


def _page_link(event_id: int, search: RegistrationFilter) -> Callable[[int], str]:
    """The address of a page of the list with the same search and filters."""
    kept = search.query_parameters()

    def link(page: int) -> str:
        return paths.registrations(event_id) + "?" + urlencode({**kept, "page": page})

    return link


class OrganiserRegistrationsController(Controller):
    """One event's registrations for organisers."""

    include_in_schema = False

    @get(paths.REGISTRATIONS, name="organiser_registrations", opt={ACCESS: Access.EVENT_MANAGE})
    async def registrations(
        self,
        event_id: FromPath[int],
        q: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        mode: FromQuery[str | None] = None,
        notice: FromQuery[str | None] = None,
        promoted: FromQuery[int | None] = None,
        added_as: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> Template:
        """One page of the list with counts, search, filters and the result of the last action.

        Unknown filter, page and notice values are ignored.
        """
        search = RegistrationFilter.parse(q, status, mode)
        listing = await service.list_registrations(event_id, search, service.page_number(page))
        notice_text = action_notice(notice, promoted, added_as)
        return Template(
            template_name="organiser/registrations.html",
            context={
                "listing": listing,
                "search": search,
                "page_link": _page_link(event_id, search),
                "statuses": list(RegistrationStatus),
                "modes": list(AttendanceMode),
                "status_labels": translated(STATUS_LABELS),
                "mode_labels": translated(MODE_LABELS),
                "organisation_type_labels": translated(ORGANISATION_TYPE_LABELS),
                "country_labels": translated(COUNTRY_LABELS),
                "event_id": event_id,
                "notice": notice_text,
            },
        )

    @get(
        paths.REGISTRATIONS_CSV,
        name="organiser_registrations_csv",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def registrations_csv(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
    ) -> Stream:
        """Every registration as CSV for Excel, streamed in chunks."""
        event = await get_with_access(event_id)
        await audit.export_started(db, actor, event.id, "csv", now)
        return await downloads.csv_download(event)

    @get(
        paths.REGISTRATIONS_XLSX,
        name="organiser_registrations_xlsx",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def registrations_xlsx(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
    ) -> Stream:
        """Every registration as an Excel workbook."""
        event = await get_with_access(event_id)
        await audit.export_started(db, actor, event.id, "xlsx", now)
        return await downloads.xlsx_download(event)

    @get(paths.SIGNATURE_LIST, name="organiser_signature_list", opt={ACCESS: Access.EVENT_MANAGE})
    async def signature_list(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
    ) -> Stream:
        """The signature list of the confirmed registrations as a PDF."""
        event = await get_with_access(event_id)
        await audit.export_started(db, actor, event.id, "signature_list", now)
        return await downloads.signature_list_download(event)

    @get(paths.FUNDER_REPORT, name="organiser_funder_report", opt={ACCESS: Access.EVENT_MANAGE})
    async def funder_report(self, event_id: FromPath[int]) -> Template:
        """Registered, confirmed and attended, per mode, organisation type and country."""
        report = await funder_report(event_id)
        return Template(
            template_name="organiser/report.html",
            context={
                "report": report,
                "tables": report_tables(report),
                "count_headers": count_headers(),
                "event_id": event_id,
            },
        )

    @get(
        paths.FUNDER_REPORT_XLSX,
        name="organiser_funder_report_xlsx",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def funder_report_xlsx(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
    ) -> Stream:
        """The funder report as an Excel workbook."""
        report = await funder_report(event_id)
        await audit.export_started(db, actor, event_id, "funder_report_xlsx", now)
        return await downloads.funder_report_download(report)

    @get(
        paths.FUNDER_REPORT_PDF,
        name="organiser_funder_report_pdf",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def funder_report_pdf(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        actor: NamedDependency[Actor],
        event_id: FromPath[int],
    ) -> Stream:
        """The funder report as a PDF."""
        report = await funder_report(event_id)
        await audit.export_started(db, actor, event_id, "funder_report_pdf", now)
        return await downloads.funder_report_download(report, pdf=True)

    @get(paths.CHECK_IN, name="organiser_check_in", opt={ACCESS: Access.EVENT_CHECK_IN})
    async def check_in_view(
        self,
        event_id: FromPath[int],
        q: FromQuery[str | None] = None,
        notice: FromQuery[str | None] = None,
    ) -> Template:
        """The door: the confirmed registrations, searchable, one button each."""
        search = RegistrationFilter.parse(q, RegistrationStatus.CONFIRMED.value, None)
        event = await get_with_access(event_id)
        found = await service.matching_registrations(event_id, search)
        counts = await service.registration_counts(event_id)
        checked_in = sum(1 for r in found if r.checked_in_at is not None)
        confirmed = sum(n for (s, _), n in counts.items() if s is RegistrationStatus.CONFIRMED)
        return Template(
            template_name="organiser/check_in.html",
            context={
                "event": event,
                "registrations": found,
                "search": search,
                "confirmed": confirmed,
                "checked_in": checked_in,
                "notice": check_in_notice(notice),
                "event_id": event_id,
            },
        )

    @post(
        paths.CHECK_IN_SUBMIT, name="organiser_check_in_submit", opt={ACCESS: Access.EVENT_CHECK_IN}
    )
    async def check_in(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Check one person in (``action=in``) or undo it (``action=out``); back to the door."""
        action = data.get("action")
        if action not in ("in", "out"):
            raise ValidationException("action must be 'in' or 'out'")
        outcome = await service.set_checked_in(
            db, event_id, registration_id, action == "in", now, actor=actor
        )
        query = {"q": data["q"]} if data.get("q") else {}
        if outcome in _NOTICES:
            query["notice"] = _NOTICES[outcome]
        target = paths.check_in(event_id)
        if query:
            target += "?" + urlencode(query)
        return Redirect(path=target, status_code=HTTP_303_SEE_OTHER)
