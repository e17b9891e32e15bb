"""Organisers approve or decline registrations that wait for it, one by one or from a list.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. The seat
work happens in ``app.services.registrations`` (``approve``, ``decline``).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.errors import RegistrationClosed
from app.domain.model import RegistrationStatus
from app.domain.roles import ACCESS, Access
from app.exports.columns import MODE_LABELS
from app.i18n import N_, _, ngettext
from app.services import registrations
from app.services.events import get_with_access
from app.web.organiser_texts import translated
from app.web.params import FormBody

#: A checkbox of the list: ``r_<registration id>``.
_SELECTED = "r_"
APPROVE = "approve"
DECLINE = "decline"

#: What the pages say after a decision on one registration (``notice`` in the query).
DECISION_NOTICES = {
    "approved": N_("Die Anmeldung ist freigegeben; die Person bekommt eine E-Mail."),
    "approved-waitlisted": N_(
        "Die Anmeldung ist freigegeben. Es ist kein Platz frei: Die Person steht jetzt auf der "
        "Warteliste und bekommt eine E-Mail."
    ),
    "declined": N_("Die Anmeldung ist abgelehnt; die Person bekommt eine E-Mail."),
    "full": N_(
        "Freigabe nicht möglich: Es ist kein Platz frei und die Veranstaltung hat keine Warteliste."
    ),
    "cancelled": N_("Die Veranstaltung ist abgesagt; es wird nichts mehr freigegeben."),
    "not-pending": N_("Über diese Anmeldung ist schon entschieden."),
    "none-selected": N_("Bitte wählen Sie mindestens eine Anmeldung aus."),
}


def decision_notice(
    notice: str | None, approved: int | None, declined: int | None, refused: int | None
) -> str:
    """The approvals page's notice: the counts of a list decision, or one decision's notice."""
    if notice == "decided":
        parts = []
        if approved:
            parts.append(
                ngettext(
                    "%(count)d Anmeldung freigegeben.",
                    "%(count)d Anmeldungen freigegeben.",
                    approved,
                )
                % {"count": approved}
            )
        if declined:
            parts.append(
                ngettext(
                    "%(count)d Anmeldung abgelehnt.", "%(count)d Anmeldungen abgelehnt.", declined
                )
                % {"count": declined}
            )
        if refused:
            parts.append(
                ngettext(
                    "%(count)d Anmeldung konnte nicht freigegeben werden: kein Platz frei und "
                    "keine Warteliste.",
                    "%(count)d Anmeldungen konnten nicht freigegeben werden: kein Platz frei und "
                    "keine Warteliste.",
                    refused,
                )
                % {"count": refused}
            )
        return " ".join(parts) or _(DECISION_NOTICES["not-pending"])
    text = DECISION_NOTICES.get(notice or "")
    return _(text) if text else ""


def _back(target: str, **query: str | int) -> Redirect:
    return Redirect(path=f"{target}?{urlencode(query)}", status_code=HTTP_303_SEE_OTHER)


def _selected(data: dict[str, str]) -> list[int]:
    ids = []
    for name in data:
        number = name.removeprefix(_SELECTED)
        if name.startswith(_SELECTED) and number.isdecimal() and len(number) <= 10:
            ids.append(int(number))
    return sorted(set(ids))


class OrganiserApprovalsController(Controller):
    """The registrations of one event that wait for an organiser's approval."""

    include_in_schema = False

    @get(paths.APPROVALS, name="organiser_approvals", opt={ACCESS: Access.EVENT_MANAGE})
    async def approvals(
        self,
        event_id: FromPath[int],
        notice: FromQuery[str | None] = None,
        approved: FromQuery[int | None] = None,
        declined: FromQuery[int | None] = None,
        refused: FromQuery[int | None] = None,
    ) -> Template:
        """The oldest registrations waiting for approval, each to tick, approve or decline."""
        event = await get_with_access(event_id)
        return Template(
            template_name="organiser/approvals.html",
            context={
                "event": event,
                "event_id": event_id,
                "pending": await registrations.pending_approvals(event_id),
                "mode_labels": translated(MODE_LABELS),
                "notice": decision_notice(notice, approved, declined, refused),
            },
        )

    @post(paths.APPROVALS, name="organiser_approvals_decide", opt={ACCESS: Access.EVENT_MANAGE})
    async def decide(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Approve or decline every ticked registration, each in its own transaction."""
        await get_with_access(event_id)
        decision = data.get("decision", "")
        chosen = _selected(data)
        target = paths.approvals(event_id)
        if decision not in (APPROVE, DECLINE) or not chosen:
            return _back(target, notice="none-selected")
        counts = {"approved": 0, "declined": 0, "refused": 0}
        for registration_id in chosen:
            try:
                if decision == APPROVE:
                    outcome = await registrations.approve(
                        db, event_id, registration_id, now, actor=actor
                    )
                    counts["approved"] += bool(outcome.changes)
                else:
                    outcome = await registrations.decline(
                        db, event_id, registration_id, now, actor=actor
                    )
                    counts["declined"] += bool(outcome.changes)
            except RegistrationClosed as closed:
                if str(closed) == "cancelled":
                    return _back(target, notice="cancelled")
                counts["refused"] += 1
        return _back(target, notice="decided", **counts)

    @post(paths.REGISTRATION_APPROVE, name="organiser_approve", opt={ACCESS: Access.EVENT_MANAGE})
    async def approve(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Approve one registration: confirmed (or, with no seat free, on the waiting list)."""
        target = paths.approvals(event_id)
        try:
            outcome = await registrations.approve(db, event_id, registration_id, now, actor=actor)
        except RegistrationClosed as closed:
            return _back(target, notice="cancelled" if str(closed) == "cancelled" else "full")
        if not outcome.changes:
            return _back(target, notice="not-pending")
        waiting = outcome.registration.status is RegistrationStatus.WAITLISTED
        return _back(target, notice="approved-waitlisted" if waiting else "approved")

    @post(paths.REGISTRATION_DECLINE, name="organiser_decline", opt={ACCESS: Access.EVENT_MANAGE})
    async def decline(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Decline one registration; a seat it held goes to the waiting list."""
        outcome = await registrations.decline(db, event_id, registration_id, now, actor=actor)
        notice = "declined" if outcome.changes else "not-pending"
        return _back(paths.approvals(event_id), notice=notice)
