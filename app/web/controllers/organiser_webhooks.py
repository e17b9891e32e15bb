"""The organisers' webhooks page: endpoints (make, delete), the delivery log, send again.

On the organisers' router, so its guard covers every handler. A new endpoint's secret is in
the one response that makes it and nowhere else (the page is ``no-store`` like every organiser
page).
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.domain.webhooks import EVENT_TYPES
from app.i18n import N_, _
from app.services import webhooks
from app.services.webhooks import EndpointRefused, NewEndpoint
from app.settings import Settings
from app.web.params import FormBody

#: Why an address is refused, for the form (the service's reasons, translated).
REFUSED = {
    "scheme": N_("Bitte eine Adresse mit http:// oder https:// und einem Host angeben."),
    "credentials": N_("Die Adresse darf keinen Benutzernamen und kein Passwort enthalten."),
    "port": N_("Die Adresse hat keinen gültigen Port."),
    "too_long": N_("Die Adresse ist zu lang."),
    "types": N_("Bitte mindestens eine Ereignisart wählen."),
    "unresolvable": N_("Der Host der Adresse ist nicht zu finden."),
    "private": N_(
        "Die Adresse führt in ein privates, lokales oder Multicast-Netz; das ist aus "
        "Sicherheitsgründen nur erlaubt, wenn der Betrieb WEBHOOK_ALLOW_PRIVATE setzt."
    ),
}
STATUS = {
    "queued": N_("wartet"),
    "sending": N_("wird gesendet"),
    "delivered": N_("zugestellt"),
    "failed": N_("gescheitert"),
}
NOTICES = {
    "deleted": N_("Der Webhook wurde gelöscht."),
    "queued": N_("Die Zustellung wird gleich erneut gesendet."),
}
#: The prefix of the form's checkboxes: one per event type (a form field holds one value).
TYPE_FIELD = "type_"


async def _page(
    *,
    created: NewEndpoint | None = None,
    form: dict[str, str] | None = None,
    error: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        template_name="organiser/webhooks.html",
        context={
            "endpoints": await webhooks.endpoints(),
            "deliveries": await webhooks.deliveries(),
            "event_types": EVENT_TYPES,
            "type_field": TYPE_FIELD,
            "status_labels": {key: _(label) for key, label in STATUS.items()},
            "created": created,
            "form": form or {},
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


class OrganiserWebhooksController(Controller):
    """``/organiser/webhooks``."""

    include_in_schema = False

    @get(paths.WEBHOOKS, name="organiser_webhooks", opt={ACCESS: Access.ADMIN})
    async def page(self, notice: FromQuery[str | None] = None) -> Template:
        """Endpoints, the form for a new one, and the newest deliveries."""
        shown = paths.notice(notice)
        return await _page(notice=_(NOTICES[shown]) if shown in NOTICES else "")

    @post(
        paths.WEBHOOKS,
        name="organiser_webhook_create",
        opt={ACCESS: Access.ADMIN},
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
        data: FormBody,
    ) -> Template:
        """Register an endpoint and show its secret, this once."""
        chosen = [key.removeprefix(TYPE_FIELD) for key in data if key.startswith(TYPE_FIELD)]
        try:
            created = await webhooks.create_endpoint(
                db,
                settings,
                actor,
                url=data.get("url", ""),
                event_types=chosen,
                personal_data=data.get("personal_data") == "on",
                description=data.get("description", ""),
                now=now,
            )
        except EndpointRefused as refused:
            return await _page(
                form=dict(data), error=_(REFUSED[refused.reason]), status_code=HTTP_400_BAD_REQUEST
            )
        return await _page(created=created, status_code=HTTP_201_CREATED)

    @post(paths.WEBHOOK_DELETE, name="organiser_webhook_delete", opt={ACCESS: Access.ADMIN})
    async def delete(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        endpoint_id: FromPath[int],
    ) -> Redirect:
        """Delete an endpoint and its deliveries; back to the page."""
        await webhooks.delete_endpoint(db, actor, endpoint_id, now)
        return Redirect(path=f"{paths.webhooks()}?notice=deleted", status_code=HTTP_303_SEE_OTHER)

    @post(paths.WEBHOOK_SEND_AGAIN, name="organiser_webhook_send_again", opt={ACCESS: Access.ADMIN})
    async def send_again(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        delivery_id: FromPath[int],
    ) -> Redirect:
        """Queue a delivery again, due now; back to the page."""
        await webhooks.send_again(db, actor, delivery_id, now)
        return Redirect(path=f"{paths.webhooks()}?notice=queued", status_code=HTTP_303_SEE_OTHER)
