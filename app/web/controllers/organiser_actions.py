"""Organisers act on one event: the dashboard, cancelling, promoting, adding someone by hand.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. The seat
work happens in ``app.services.registrations``, on the same path as the public registrations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from babel.numbers import format_percent
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.errors import RegistrationClosed
from app.domain.model import AttendanceMode, Event, RegistrationStatus
from app.domain.roles import ACCESS, Access
from app.exports.columns import MODE_LABELS, STATUS_LABELS
from app.formatting import format_event_time, format_moment
from app.i18n import N_, _, current_language, current_locale, ngettext
from app.services import approvals, organiser_dashboard, registrations
from app.services.changes import Change, ChangeKind
from app.services.events import get_with_access
from app.services.privacy_notice import CurrentNotice
from app.web import texts
from app.web.forms import Refusal, registration_field, registration_request, submit
from app.web.organiser_chart import chart
from app.web.organiser_texts import EVENT_STATUS_LABELS, event_notice, status_refusal, translated
from app.web.params import FormBody
from app.web.views import form_view

_ALREADY_REGISTERED = N_("Diese Adresse ist für die Veranstaltung schon angemeldet.")


def _promoted(changes: tuple[Change, ...]) -> int:
    return sum(1 for change in changes if change.kind is ChangeKind.PROMOTED)


def _event_notice(notice: str | None, informed: int | None, promoted: int | None) -> str:
    """What the overview says after an event step; empty for unknown values."""
    text = event_notice(notice)
    if not text:
        return ""
    if informed:
        text += " " + ngettext(
            "Termin, Ort oder Zugang haben sich geändert: %(count)d Angemeldete bekommen eine "
            "E-Mail mit der aktualisierten Einladung.",
            "Termin, Ort oder Zugang haben sich geändert: %(count)d Angemeldete bekommen eine "
            "E-Mail mit der aktualisierten Einladung.",
            informed,
        ) % {"count": informed}
    elif informed is not None:
        text += " " + _("Termin, Ort oder Zugang haben sich geändert; niemand wurde informiert.")
    if promoted:
        text += " " + ngettext(
            "%(count)d von der Warteliste nachgerückt.",
            "%(count)d von der Warteliste nachgerückt.",
            promoted,
        ) % {"count": promoted}
    return text


def _back_to_list(event_id: int, **query: str | int) -> Redirect:
    target = f"{paths.registrations(event_id)}?{urlencode(query)}"
    return Redirect(path=target, status_code=HTTP_303_SEE_OTHER)


def _new_form(
    event: Event,
    values: Mapping[str, str] | None = None,
    error_codes: Mapping[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        template_name="organiser/new_registration.html",
        context={
            "event": event,
            "form": form_view(event, values, error_codes),
            "notice": notice,
            "event_id": event.id,
        },
        status_code=status_code,
    )


class OrganiserActionsController(Controller):
    """An event's dashboard and the organisers' changes to its registrations."""

    include_in_schema = False

    @get(paths.EVENT_OVERVIEW, name="organiser_dashboard", opt={ACCESS: Access.EVENT_MANAGE})
    async def dashboard(
        self,
        event_id: FromPath[int],
        notice: FromQuery[str | None] = None,
        refused: FromQuery[str | None] = None,
        informed: FromQuery[int | None] = None,
        promoted: FromQuery[int | None] = None,
    ) -> Template:
        """Status and its steps, counts, free seats, check-ins, registrations over the window."""
        overview = await organiser_dashboard.dashboard(event_id)
        event = overview.event
        return Template(
            template_name="organiser/dashboard.html",
            context={
                "notice": _event_notice(notice, informed, promoted),
                "refusal": status_refusal(refused),
                "event_status_labels": translated(EVENT_STATUS_LABELS),
                "when": format_event_time(
                    event.starts_at, event.ends_at, event.timezone, current_language()
                ),
                "overview": overview,
                "statuses": list(RegistrationStatus),
                "status_labels": translated(STATUS_LABELS),
                "mode_labels": translated(MODE_LABELS),
                "modes": [m for m in AttendanceMode if m in overview.free_seats],
                "chart": chart(overview.per_day, overview.window),
                "confirmed": overview.counts[RegistrationStatus.CONFIRMED],
                "check_in_rate": (
                    ""
                    if overview.check_in_rate is None
                    else format_percent(overview.check_in_rate, locale=current_locale())
                ),
                "deadline": format_moment(
                    event.registration_deadline, event.timezone, current_language()
                ),
                "event_id": event_id,
            },
        )

    @post(paths.REGISTRATION_CANCEL, name="organiser_cancel", opt={ACCESS: Access.EVENT_MANAGE})
    async def cancel(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Cancel as the registrant would: the seat goes to the waiting list, mails go out."""
        outcome = await registrations.cancel_by_organiser(
            db, event_id, registration_id, now, actor=actor
        )
        if not outcome.changes:
            return _back_to_list(event_id, notice="already-cancelled")
        return _back_to_list(event_id, notice="cancelled", promoted=_promoted(outcome.changes))

    @post(paths.REGISTRATION_APPROVE, name="organiser_approve", opt={ACCESS: Access.EVENT_MANAGE})
    async def approve(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Approve a registration: a seat (or the waiting list when full), the person is told.

        A refusal (no seat and no waiting list, or a cancelled event) changes nothing; the list
        says why.
        """
        try:
            outcome = await approvals.approve(db, event_id, registration_id, now, actor=actor)
        except RegistrationClosed as refused:
            notice = "approval-full" if refused.reason == "full" else "approval-cancelled"
            return _back_to_list(event_id, notice=notice)
        if not outcome.changes:
            return _back_to_list(event_id, notice="already-decided")
        if outcome.changes[0].kind is ChangeKind.APPROVED_WAITLISTED:
            return _back_to_list(event_id, notice="approved-waitlisted")
        return _back_to_list(event_id, notice="approved")

    @post(paths.REGISTRATION_DECLINE, name="organiser_decline", opt={ACCESS: Access.EVENT_MANAGE})
    async def decline(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Decline a registration awaiting approval; a held seat goes to the waiting list."""
        outcome = await approvals.decline(db, event_id, registration_id, now, actor=actor)
        if not outcome.changes:
            return _back_to_list(event_id, notice="already-decided")
        return _back_to_list(event_id, notice="declined", promoted=_promoted(outcome.changes))

    @post(paths.PROMOTE, name="organiser_promote", opt={ACCESS: Access.EVENT_MANAGE})
    async def promote(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
    ) -> Redirect:
        """Fill the free seats from the waiting list (e.g. after the capacity was raised)."""
        await get_with_access(event_id)
        changes = await registrations.promote_waiting(db, event_id, now, actor=actor)
        return _back_to_list(event_id, notice="promoted", promoted=_promoted(changes))

    @get(
        paths.NEW_REGISTRATION, name="organiser_new_registration", opt={ACCESS: Access.EVENT_MANAGE}
    )
    async def new_registration(self, event_id: FromPath[int]) -> Template:
        """The public form's fields, for adding someone by hand."""
        return _new_form(await get_with_access(event_id))

    @post(
        paths.NEW_REGISTRATION,
        name="organiser_new_registration_submit",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def add_registration(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
        privacy_notice: NamedDependency[CurrentNotice],
    ) -> Redirect | Template:
        """Register someone by hand (after the deadline too); refusals keep what was typed.

        The refusals belong on this form, not on the public event page.
        """
        event = await get_with_access(event_id)
        request = registration_request(data, await privacy_notice.consent_version(db, now))
        outcome = await submit(
            lambda: registrations.register_by_organiser(db, event_id, request, now, actor=actor),
            form_field=registration_field,
        )
        if isinstance(outcome, Refusal):
            notice = texts.closed_reason(outcome.reason) if outcome.reason else ""
            return _new_form(
                event, data, outcome.error_codes, notice=notice, status_code=outcome.status_code
            )
        if not outcome.created:
            return _new_form(
                event, data, notice=_(_ALREADY_REGISTERED), status_code=HTTP_409_CONFLICT
            )
        return _back_to_list(event_id, notice="added", added_as=outcome.registration.status.value)
