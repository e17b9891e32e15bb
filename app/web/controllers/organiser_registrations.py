"""The organisers' pages for one event's registrations: the list, its exports, the door.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.model import (
    AWAITING_APPROVAL,
    AttendanceMode,
    Event,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    localized_question,
    shown_answer,
)
from app.domain.roles import ACCESS, Access
from app.exports.columns import (
    COUNTRY_LABELS,
    MODE_LABELS,
    ORGANISATION_TYPE_LABELS,
    STATUS_LABELS,
    answer_text,
)
from app.exports.funder_report import count_headers
from app.exports.funder_report import tables as report_tables
from app.i18n import N_, _, current_language, ngettext
from app.services import audit
from app.services import organiser_registrations as service
from app.services.events import get_with_access
from app.services.funder_report import funder_report
from app.services.organiser_registrations import BulkAction, CheckIn, RegistrationFilter
from app.web import downloads
from app.web.auth import request_permissions
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
    "approved": N_("Die Anmeldung ist angenommen; die Person bekommt eine Bestätigung."),
    "approved-waitlisted": N_(
        "Die Anmeldung ist angenommen. Es ist kein Platz frei: Die Person steht jetzt auf der "
        "Warteliste und bekommt eine E-Mail."
    ),
    "declined": N_("Die Anmeldung ist abgelehnt; die Person bekommt eine E-Mail."),
    "already-decided": N_("Über diese Anmeldung ist schon entschieden."),
    "approval-full": N_(
        "Nicht angenommen: Es ist kein Platz frei und es gibt keine Warteliste. Die Anmeldung "
        "wartet weiter – erhöhen Sie die Kapazität oder lehnen Sie sie ab."
    ),
    "approval-cancelled": N_("Nicht angenommen: Die Veranstaltung ist abgesagt."),
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
    if notice in ("cancelled", "promoted", "declined"):
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


NOTHING_SELECTED = N_("Bitte wählen Sie zuerst Anmeldungen in der Liste aus.")


def bulk_notice(
    notice: str | None,
    count: int | None,
    promoted: int | None,
    waitlisted: int | None = None,
    refused: int | None = None,
) -> str:
    """The list's notice after a bulk action; empty for other notices."""
    if notice == "nothing-selected":
        return _(NOTHING_SELECTED)
    count = count or 0
    if notice == "bulk-cancelled":
        text = ngettext(
            "%(count)d Anmeldung wurde storniert; die Person bekommt eine E-Mail.",
            "%(count)d Anmeldungen wurden storniert; jede Person bekommt eine E-Mail.",
            count,
        ) % {"count": count}
    elif notice == "bulk-approved":
        return _approved_notice(count, waitlisted or 0, refused or 0)
    elif notice == "bulk-declined":
        text = ngettext(
            "%(count)d Anmeldung wurde abgelehnt; die Person bekommt eine E-Mail.",
            "%(count)d Anmeldungen wurden abgelehnt; jede Person bekommt eine E-Mail.",
            count,
        ) % {"count": count}
    elif notice == "bulk-checked-in":
        text = ngettext(
            "%(count)d Person wurde eingelassen.", "%(count)d Personen wurden eingelassen.", count
        ) % {"count": count}
    else:
        return ""
    if promoted:
        moved = ngettext(
            "%(count)d Person ist von der Warteliste nachgerückt.",
            "%(count)d Personen sind von der Warteliste nachgerückt.",
            promoted,
        ) % {"count": promoted}
        text = f"{text} {moved}"
    return text


@dataclass(frozen=True, slots=True)
class AnswerColumn:
    """One of the event's questions as a column: its label in the reader's language."""

    question: Question
    label: str


@dataclass(frozen=True, slots=True)
class ListView:
    """How the list is shown beside its filter: the answer columns chosen, kept in every link."""

    #: Every question of the event as a column, in the event's order.
    offered: tuple[AnswerColumn, ...]
    #: The chosen ones.
    columns: tuple[AnswerColumn, ...]
    #: Whether the organiser chose (``columns=1``); if not, every question is a column.
    chosen: bool

    def shows(self, key: str) -> bool:
        """Whether the question ``key`` is a column."""
        return any(column.question.key == key for column in self.columns)

    def query(self) -> list[tuple[str, str]]:
        """The choice as query parameters: none when every column is shown by default."""
        if not self.chosen:
            return []
        return [("columns", "1"), *(("cols", column.question.key) for column in self.columns)]


def list_view(event: Event, columns: str | None, cols: Sequence[str] | None) -> ListView:
    """The answer columns asked for; keys the event does not ask are ignored."""
    language = current_language()
    chosen = columns == "1"
    wanted = set(cols or ())
    offered = tuple(
        AnswerColumn(question, localized_question(question, language).label)
        for question in event.questions
    )
    return ListView(
        offered=offered,
        columns=tuple(c for c in offered if not chosen or c.question.key in wanted),
        chosen=chosen,
    )


def answer_cell(question: Question, registration: Registration, language: str) -> str:
    """A registration's answer as the list shows it: options and yes/no in the reader's words."""
    answer = registration.answers.get(question.key, "")
    if question.kind is QuestionKind.YES_NO:
        return answer_text(question, answer)
    return shown_answer(question, answer, language)


def _list_query(search: RegistrationFilter, view: ListView, page: int | None = None) -> str:
    pairs = list(search.query_parameters().items()) + view.query()
    if page is not None:
        pairs.append(("page", str(page)))
    return urlencode(pairs)


def _page_link(event_id: int, search: RegistrationFilter, view: ListView) -> Callable[[int], str]:
    """The address of a page of the list with the same search, filters and columns."""

    def link(page: int) -> str:
        return paths.registrations(event_id) + "?" + _list_query(search, view, page)

    return link


#: The list's query parameters a bulk action carries back to it (``back``), and no others.
_LIST_PARAMETERS = ("q", "status", "mode", "page", "columns", "cols")


def list_address(event_id: int, back: str | None, **notice: str | int) -> str:
    """The list as it was before a bulk action (from ``back``), with the action's notice."""
    kept = [
        (name, value)
        for name, value in parse_qsl(back or "", keep_blank_values=False)
        if name in _LIST_PARAMETERS
    ][:200]
    query = urlencode([*kept, *((name, str(value)) for name, value in notice.items())])
    return paths.registrations(event_id) + (f"?{query}" if query else "")


def selection(
    r: Sequence[str] | None, select_all: str | None, page_ids: str | None
) -> tuple[int, ...]:
    """The ids ticked in the list: each row's ``r`` and, with ``all=page``, the whole page's."""
    values = list(r or ())
    if select_all == "page" and page_ids:
        values.append(page_ids)
    return service.parse_selection(values)


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
        columns: FromQuery[str | None] = None,
        cols: FromQuery[list[str] | None] = None,
        count: FromQuery[int | None] = None,
        waitlisted: FromQuery[int | None] = None,
        refused: FromQuery[int | None] = None,
    ) -> Template:
        """One page of the list with counts, search, filters and the result of the last action.

        Unknown filter, page, column and notice values are ignored.
        """
        search = RegistrationFilter.parse(q, status, mode)
        listing = await service.list_registrations(event_id, search, service.page_number(page))
        notice_text = action_notice(notice, promoted, added_as) or bulk_notice(
            notice, count, promoted, waitlisted, refused
        )
        view = list_view(listing.event, columns, cols)
        language = current_language()
        status_counts = {
            status: sum(
                n
                for (s, m), n in listing.counts.items()
                if s is status and (search.mode is None or m is search.mode)
            )
            for status in RegistrationStatus
        }
        return Template(
            template_name="organiser/registrations.html",
            context={
                "listing": listing,
                "search": search,
                "view": view,
                "answer": lambda question, registration: answer_cell(
                    question, registration, language
                ),
                "status_counts": status_counts,
                # The approval buttons also show for requests left after approval was turned off.
                "awaiting_count": sum(status_counts[s] for s in AWAITING_APPROVAL),
                "list_query": _list_query(search, view, listing.page),
                "page_link": _page_link(event_id, search, view),
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
        request: Request[Any, Any, Any],
        event_id: FromPath[int],
        q: FromQuery[str | None] = None,
        notice: FromQuery[str | None] = None,
    ) -> Template:
        """The door: the confirmed registrations, searchable, one button each.

        Door staff search names and organisations only: an address typed in must not tell
        them whose it is.
        """
        search = RegistrationFilter.parse(q, RegistrationStatus.CONFIRMED.value, None)
        event = await get_with_access(event_id)
        permissions = request_permissions(request)
        names_only = permissions is None or not permissions.allows(Access.EVENT_MANAGE, event_id)
        found = await service.matching_registrations(event_id, search, names_only=names_only)
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

    @get(
        paths.REGISTRATIONS_BULK,
        name="organiser_registrations_bulk",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def bulk_confirmation(
        self,
        event_id: FromPath[int],
        action: FromQuery[str | None] = None,
        r: FromQuery[list[str] | None] = None,
        select_all: Annotated[str | None, QueryParameter(name="all")] = None,
        page_ids: FromQuery[str | None] = None,
        back: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        """What a bulk action would do to the selection, to be confirmed; changes nothing."""
        chosen = _bulk_action(action)
        if not r and select_all != "page":
            return Redirect(
                path=list_address(event_id, back, notice="nothing-selected"),
                status_code=HTTP_303_SEE_OTHER,
            )
        ids = selection(r, select_all, page_ids)
        plan = await service.bulk_plan(event_id, ids, chosen)
        return _confirmation(plan, back or "")

    @post(
        paths.REGISTRATIONS_BULK,
        name="organiser_registrations_bulk_submit",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def bulk_submit(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Template | Redirect:
        """Do the confirmed action to the selection, all or nothing; back to the list.

        If the action would now change others than those confirmed, nothing is done and the
        confirmation is shown again (409).
        """
        chosen = _bulk_action(data.get("action"))
        ids = service.parse_selection([data.get("ids", "")])
        confirmed = service.parse_ids(data.get("confirmed", ""))
        back = data.get("back", "")
        outcome = await service.run_bulk_action(
            db, event_id, ids, chosen, confirmed, now, actor=actor
        )
        if not outcome.done:
            return _confirmation(outcome.plan, back, changed=True)
        counts = {
            "promoted": outcome.promoted,
            "waitlisted": outcome.waitlisted,
            "refused": outcome.refused,
        }
        target = list_address(
            event_id,
            back,
            notice=_BULK_NOTICES[chosen],
            count=len(outcome.plan.affected),
            **{name: value for name, value in counts.items() if value},
        )
        return Redirect(path=target, status_code=HTTP_303_SEE_OTHER)


def _approved_notice(count: int, waitlisted: int, refused: int) -> str:
    approved = max(0, count - refused)
    parts = [
        ngettext(
            "%(count)d Anmeldung wurde angenommen; die Person bekommt eine E-Mail.",
            "%(count)d Anmeldungen wurden angenommen; jede Person bekommt eine E-Mail.",
            approved,
        )
        % {"count": approved}
    ]
    if waitlisted:
        parts.append(
            ngettext(
                "%(count)d davon steht auf der Warteliste, weil kein Platz frei war.",
                "%(count)d davon stehen auf der Warteliste, weil kein Platz frei war.",
                waitlisted,
            )
            % {"count": waitlisted}
        )
    if refused:
        parts.append(
            ngettext(
                "%(count)d Anmeldung wurde nicht angenommen: kein Platz frei und keine "
                "Warteliste. Sie wartet weiter.",
                "%(count)d Anmeldungen wurden nicht angenommen: kein Platz frei und keine "
                "Warteliste. Sie warten weiter.",
                refused,
            )
            % {"count": refused}
        )
    return " ".join(parts)


#: The list's notice after each bulk action.
_BULK_NOTICES = {
    BulkAction.CANCEL: "bulk-cancelled",
    BulkAction.CHECK_IN: "bulk-checked-in",
    BulkAction.APPROVE: "bulk-approved",
    BulkAction.DECLINE: "bulk-declined",
}


def _bulk_action(value: str | None) -> BulkAction:
    try:
        return BulkAction(value or "")
    except ValueError:
        raise ValidationException(
            "action must be 'cancel', 'check_in', 'approve' or 'decline'"
        ) from None


def _confirmation(plan: service.BulkPlan, back: str, *, changed: bool = False) -> Template:
    return Template(
        template_name="organiser/registrations_bulk.html",
        context={
            "plan": plan,
            "event_id": plan.event.id,
            "ids": ",".join(str(r.id) for r in plan.selected),
            "confirmed": ",".join(str(r.id) for r in plan.affected),
            "back": back,
            "back_link": list_address(plan.event.id, back),
            "changed": changed,
            "status_labels": translated(STATUS_LABELS),
            "mode_labels": translated(MODE_LABELS),
        },
        status_code=HTTP_409_CONFLICT if changed else 200,
    )
