"""Accounts and roles (administrators only), and an event's team: co-hosts and door staff.

Forms name roles and staff kinds by their stored values; anything else is refused next to the
field and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.errors import InvalidInput, NotFound
from app.domain.roles import ACCESS, Access, Role, StaffKind, parse_role, parse_staff_kind
from app.i18n import N_, _
from app.services import event_staff, organisers
from app.services.events import get_with_access
from app.services.organisers import Organiser
from app.web.params import FormBody

ROLE_LABELS = {
    Role.ADMINISTRATOR: N_("Administration"),
    Role.MANAGER: N_("Veranstaltungsleitung"),
    Role.DOOR_STAFF: N_("Einlass"),
}
ROLE_HINTS = {
    Role.ADMINISTRATOR: N_("Konten und alle Veranstaltungen."),
    Role.MANAGER: N_("Eigene und mitveranstaltete Veranstaltungen."),
    Role.DOOR_STAFF: N_("Nur der Einlass der zugewiesenen Veranstaltungen."),
}
KIND_LABELS = {
    StaffKind.OWNER: N_("Hat die Veranstaltung angelegt"),
    StaffKind.CO_HOST: N_("Mitveranstaltung (Leitung)"),
    StaffKind.DOOR: N_("Einlass"),
}
_NOTICES = {
    "created": N_("Das Konto ist angelegt."),
    "changed": N_("Das Konto ist geändert."),
    "assigned": N_("Zur Veranstaltung eingeteilt."),
    "removed": N_("Von der Veranstaltung entfernt."),
}
_FORGED_ROLE = N_("Bitte wählen Sie eine der angebotenen Rollen.")
_FORGED_KIND = N_("Bitte wählen Sie eine der angebotenen Aufgaben.")
_LAST_ADMINISTRATOR = N_(
    "Das ist das letzte aktive Administrationskonto: Es kann weder eine andere Rolle bekommen "
    "noch deaktiviert werden. Legen Sie zuerst ein weiteres an."
)
_STAFF_ERRORS = {
    event_staff.NO_SUCH_ACCOUNT: N_("Es gibt kein aktives Konto mit dieser E-Mail-Adresse."),
    event_staff.ROLE_DOES_NOT_FIT: N_(
        "Mitveranstaltende brauchen die Rolle Veranstaltungsleitung; Einlass-Konten können nur "
        "für den Einlass eingeteilt werden."
    ),
    event_staff.ALREADY_STAFF: N_("Dieses Konto gehört schon zum Team der Veranstaltung."),
}


def _labels(labels: dict[Any, str]) -> dict[str, str]:
    return {key.value: _(label) for key, label in labels.items()}


def _notice(value: str | None) -> str:
    return _(_NOTICES[value]) if value in _NOTICES else ""


async def _accounts_page(
    me: Organiser,
    *,
    notice: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        template_name="organiser/accounts.html",
        context={
            "accounts": await organisers.accounts(),
            "me": me,
            "roles": list(Role),
            "role_labels": _labels(ROLE_LABELS),
            "role_hints": _labels(ROLE_HINTS),
            "notice": notice,
            "values": values or {"role": Role.MANAGER.value},
            "errors": errors or {},
        },
        status_code=status_code,
    )


async def _staff_page(
    event_id: int,
    *,
    notice: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        template_name="organiser/staff.html",
        context={
            "event": await get_with_access(event_id),
            "event_id": event_id,
            "staff": await event_staff.staff_of(event_id),
            "kinds": [StaffKind.CO_HOST, StaffKind.DOOR],
            "kind_labels": _labels(KIND_LABELS),
            "notice": notice,
            "values": values or {"kind": StaffKind.DOOR.value},
            "errors": errors or {},
        },
        status_code=status_code,
    )


class OrganiserAccountsController(Controller):
    """``/organiser/accounts`` and ``/organiser/events/{id}/staff``."""

    include_in_schema = False

    @get(paths.ACCOUNTS, name="organiser_accounts", opt={ACCESS: Access.ADMIN})
    async def accounts(
        self, request: Request[Organiser, Any, Any], notice: FromQuery[str | None] = None
    ) -> Template:
        """Every account with its role and state, and the form for a new one."""
        return await _accounts_page(request.user, notice=_notice(notice))

    @post(paths.ACCOUNTS, name="organiser_account_create", opt={ACCESS: Access.ADMIN})
    async def create(
        self,
        actor: NamedDependency[Actor],
        request: Request[Organiser, Any, Any],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        data: FormBody,
    ) -> Redirect | Template:
        """Make an account with the chosen role; refused with the form as typed."""
        values = {key: data.get(key, "") for key in ("email", "name", "role")}
        role = parse_role(values["role"])
        if role is None:
            return await _accounts_page(
                request.user,
                values=values,
                errors={"role": _(_FORGED_ROLE)},
                status_code=HTTP_400_BAD_REQUEST,
            )
        try:
            await organisers.create_organiser(
                db,
                values["email"],
                data.get("password", ""),
                values["name"],
                role=role,
                actor=actor,
                now=now,
            )
        except organisers.OrganiserError as error:
            field = "email" if str(error) in _ACCOUNT_ERRORS else "password"
            return await _accounts_page(
                request.user,
                values=values,
                errors={field: _account_error(error)},
                status_code=HTTP_400_BAD_REQUEST,
            )
        return Redirect(
            path=paths.accounts(),
            query_params={"notice": "created"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(paths.ACCOUNT, name="organiser_account_change", opt={ACCESS: Access.ADMIN})
    async def change(
        self,
        actor: NamedDependency[Actor],
        request: Request[Organiser, Any, Any],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        organiser_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """A new role (``role``) and/or the account (de)activated (``active`` = yes/no)."""
        role = None
        if "role" in data:
            role = parse_role(data["role"])
            if role is None:
                return await _accounts_page(
                    request.user,
                    errors={f"role-{organiser_id}": _(_FORGED_ROLE)},
                    status_code=HTTP_400_BAD_REQUEST,
                )
        active = {"yes": True, "no": False}.get(data.get("active", ""))
        if "active" in data and active is None:
            return await _accounts_page(
                request.user,
                errors={f"role-{organiser_id}": _(_FORGED_ROLE)},
                status_code=HTTP_400_BAD_REQUEST,
            )
        try:
            await organisers.change_account(
                db, organiser_id, role=role, active=active, actor=actor, now=now
            )
        except organisers.LastAdministrator:
            return await _accounts_page(
                request.user,
                errors={f"role-{organiser_id}": _(_LAST_ADMINISTRATOR)},
                status_code=HTTP_400_BAD_REQUEST,
            )
        except organisers.OrganiserError as error:
            raise NotFound("organiser") from error
        return Redirect(
            path=paths.accounts(),
            query_params={"notice": "changed"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @get(paths.EVENT_STAFF, name="organiser_event_staff", opt={ACCESS: Access.EVENT_MANAGE})
    async def staff(
        self, event_id: FromPath[int], notice: FromQuery[str | None] = None
    ) -> Template:
        """The event's owner, co-hosts and door staff, and the form to add someone."""
        return await _staff_page(event_id, notice=_notice(notice))

    @post(paths.EVENT_STAFF, name="organiser_event_staff_add", opt={ACCESS: Access.EVENT_MANAGE})
    async def add_staff(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Add an account, by its email, as co-host or door staff."""
        values = {key: data.get(key, "") for key in ("email", "kind")}
        kind = parse_staff_kind(values["kind"])
        if kind is None:
            return await _staff_page(
                event_id,
                values=values,
                errors={"kind": _(_FORGED_KIND)},
                status_code=HTTP_400_BAD_REQUEST,
            )
        try:
            await event_staff.assign(db, event_id, values["email"], kind, actor=actor, now=now)
        except InvalidInput as error:
            code = next(iter(error.errors.values()))
            return await _staff_page(
                event_id,
                values=values,
                errors={"email": _(_STAFF_ERRORS.get(code, _FORGED_KIND))},
                status_code=HTTP_400_BAD_REQUEST,
            )
        return Redirect(
            path=paths.event_staff(event_id),
            query_params={"notice": "assigned"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        paths.EVENT_STAFF_REMOVE,
        name="organiser_event_staff_remove",
        opt={ACCESS: Access.EVENT_MANAGE},
    )
    async def remove_staff(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        organiser_id: FromPath[int],
    ) -> Redirect:
        """Take a co-host or door account off the event (the owner stays)."""
        await event_staff.remove(db, event_id, organiser_id, actor=actor, now=now)
        return Redirect(
            path=paths.event_staff(event_id),
            query_params={"notice": "removed"},
            status_code=HTTP_303_SEE_OTHER,
        )


_ACCOUNT_ERRORS = {
    "not an email address": N_("Bitte geben Sie eine gültige E-Mail-Adresse an."),
    "an organiser with this email exists already": N_(
        "Es gibt schon ein Konto mit dieser E-Mail-Adresse."
    ),
}
_WEAK_PASSWORD = N_("Das Passwort braucht mindestens %(min)d Zeichen.")


def _account_error(error: organisers.OrganiserError) -> str:
    message = str(error)
    if message in _ACCOUNT_ERRORS:
        return _(_ACCOUNT_ERRORS[message])
    return _(_WEAK_PASSWORD) % {"min": organisers.MIN_PASSWORD_LENGTH}
