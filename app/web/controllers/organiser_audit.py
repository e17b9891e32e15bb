"""The audit trail of organisers' actions: per event (newest first) and overall, with filters.

On the organisers' router, so its guard (``app.web.auth``) covers both pages.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app import paths
from app.domain.audit import AuditAction, AuditPage
from app.domain.roles import ACCESS, Access
from app.i18n import N_, _
from app.services import audit
from app.services.events import get_with_access

ACTION_LABELS = {
    AuditAction.EVENT_CREATED: N_("Veranstaltung angelegt"),
    AuditAction.EVENT_EDITED: N_("Veranstaltung bearbeitet"),
    AuditAction.EVENT_PUBLISHED: N_("Veranstaltung veröffentlicht"),
    AuditAction.EVENT_UNPUBLISHED: N_("Veranstaltung zurückgezogen"),
    AuditAction.EVENT_CANCELLED: N_("Veranstaltung abgesagt"),
    AuditAction.EVENT_DUPLICATED: N_("Veranstaltung dupliziert"),
    AuditAction.MATERIALS_SAVED: N_("Material gespeichert"),
    AuditAction.TRANSLATIONS_SAVED: N_("Übersetzungen gespeichert"),
    AuditAction.REGISTRATION_ADDED: N_("Anmeldung hinzugefügt"),
    AuditAction.REGISTRATION_CANCELLED: N_("Anmeldung storniert"),
    AuditAction.REGISTRATION_PROMOTED: N_("Von der Warteliste nachgerückt"),
    AuditAction.REGISTRATION_APPROVED: N_("Anmeldung angenommen"),
    AuditAction.REGISTRATION_DECLINED: N_("Anmeldung abgelehnt"),
    AuditAction.CHECKED_IN: N_("Eingelassen"),
    AuditAction.CHECK_IN_UNDONE: N_("Einlass zurückgenommen"),
    AuditAction.ATTENDED_ONLINE: N_("Online-Teilnahme bestätigt"),
    AuditAction.ATTENDED_ONLINE_UNDONE: N_("Online-Teilnahme zurückgenommen"),
    AuditAction.MESSAGE_SENT: N_("Nachricht gesendet"),
    AuditAction.EXPORT_DOWNLOADED: N_("Export heruntergeladen"),
    AuditAction.PERSONAL_DATA_DELETED: N_("Personenbezogene Daten gelöscht"),
    AuditAction.PERSONAL_DATA_ANONYMISED: N_("Personenbezogene Daten anonymisiert"),
    AuditAction.API_TOKEN_CREATED: N_("API-Token erstellt"),
    AuditAction.API_TOKEN_REVOKED: N_("API-Token widerrufen"),
    AuditAction.ORGANISER_CREATED: N_("Konto angelegt"),
    AuditAction.ORGANISER_CHANGED: N_("Konto geändert"),
    AuditAction.ZOOM_MEETING_REQUESTED: N_("Zoom-Meeting angefordert"),
    AuditAction.ZOOM_RETRIED: N_("Zoom-Abgleich neu gestartet"),
    AuditAction.TWO_FACTOR_ENABLED: N_("Zwei-Faktor-Anmeldung eingeschaltet"),
    AuditAction.TWO_FACTOR_DISABLED: N_("Zwei-Faktor-Anmeldung ausgeschaltet"),
    AuditAction.RECOVERY_CODE_USED: N_("Wiederherstellungscode benutzt"),
    AuditAction.WEBHOOK_CREATED: N_("Webhook angelegt"),
    AuditAction.WEBHOOK_DELETED: N_("Webhook gelöscht"),
    AuditAction.WEBHOOK_RESENT: N_("Webhook erneut gesendet"),
    AuditAction.STAFF_ASSIGNED: N_("Zur Veranstaltung eingeteilt"),
    AuditAction.STAFF_REMOVED: N_("Von der Veranstaltung entfernt"),
    AuditAction.INVITEES_IMPORTED: N_("Eingeladene importiert"),
    AuditAction.INVITATIONS_SENT: N_("Einladungen verschickt"),
}


def _page_links(page: AuditPage, base: str, query: dict[str, str]) -> dict[str, str]:
    def link(number: int) -> str:
        return f"{base}?{urlencode({**query, 'page': str(number)})}"

    links = {}
    if page.page > 1:
        links["previous"] = link(page.page - 1)
    if page.page < page.pages:
        links["next"] = link(page.page + 1)
    return links


def _labels() -> dict[str, str]:
    return {action.value: _(label) for action, label in ACTION_LABELS.items()}


class OrganiserAuditController(Controller):
    """Who did what, when; behind the organiser sign-in."""

    include_in_schema = False

    @get(paths.AUDIT, name="organiser_audit", opt={ACCESS: Access.ADMIN})
    async def overall(
        self,
        event: FromQuery[int | None] = None,
        action: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
    ) -> Template:
        """Every entry, newest first, optionally of one event and one kind of action."""
        chosen = (
            AuditAction(action) if action and action in AuditAction._value2member_map_ else None
        )
        entries = await audit.entries(event_id=event, action=chosen, page=page)
        query = {
            key: value
            for key, value in (
                ("event", "" if event is None else str(event)),
                ("action", chosen.value if chosen else ""),
            )
            if value
        }
        return Template(
            template_name="organiser/audit.html",
            context={
                "audit": entries,
                "event": None,
                "event_filter": event,
                "action_filter": chosen.value if chosen else "",
                "labels": _labels(),
                "links": _page_links(entries, paths.audit(), query),
            },
        )

    @get(paths.EVENT_AUDIT, name="organiser_event_audit", opt={ACCESS: Access.EVENT_MANAGE})
    async def for_event(self, event_id: FromPath[int], page: FromQuery[int] = 1) -> Template:
        """The event's entries, newest first, 50 a page."""
        event = await get_with_access(event_id)
        entries = await audit.entries(event_id=event_id, page=page)
        return Template(
            template_name="organiser/audit.html",
            context={
                "audit": entries,
                "event": event,
                "event_filter": event_id,
                "action_filter": "",
                "labels": _labels(),
                "links": _page_links(entries, paths.event_audit(event_id), {}),
            },
        )
