"""The organiser's own two-factor sign-in: switch it on (secret, QR code, a code to confirm,
then the recovery codes once) and off (with a current code or the password).

On the organisers' router, so its guard covers every handler; the page and switching on stay
open to an organiser whom ``ORGANISER_2FA=required`` sends here before anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST
from markupsafe import Markup

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access, Role
from app.domain.two_factor import TwoFactorMode, must_enrol
from app.i18n import N_, _
from app.services import organisers, two_factor
from app.services.organisers import Organiser
from app.settings import Settings
from app.web.auth import TWO_FACTOR_ENROLMENT
from app.web.organiser_texts import TWO_FACTOR_CODE_WRONG, pgettext
from app.web.params import FormBody
from app.web.throttling import LOGIN_THROTTLED

_ERRORS = {
    two_factor.WRONG_CODE: TWO_FACTOR_CODE_WRONG,
    two_factor.WRONG_PASSWORD: N_("Das Passwort stimmt nicht."),
    two_factor.ALREADY_ENABLED: N_("Die Zwei-Faktor-Anmeldung ist schon eingeschaltet."),
    two_factor.NOT_ENABLED: N_("Die Zwei-Faktor-Anmeldung ist nicht eingeschaltet."),
}
NOTICES = {
    "disabled": N_("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."),
}


def _qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG: paths only, no style attributes (the CSP)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, light="#fff", svgclass="qr-code", lineclass=None, title=_("QR-Code für die App")
    )
    # segno's own markup, from our own data: nothing typed by anyone is in it.
    return Markup(svg)  # noqa: S704


async def _page(
    request: Request[Organiser, Any, Any],
    db: Database,
    settings: Settings,
    *,
    error: str = "",
    notice: str = "",
    status_code: int = HTTP_200_OK,
) -> Template:
    organiser = request.user
    state = await two_factor.status(organiser.id)
    context: dict[str, Any] = {
        "organiser": organiser,
        "enabled": state.enabled,
        "codes_left": state.recovery_codes_left,
        "available": settings.organiser_2fa is not TwoFactorMode.OFF,
        "must_enrol": must_enrol(
            settings.organiser_2fa,
            enabled=state.enabled,
            is_administrator=organiser.role is Role.ADMINISTRATOR,
        ),
        "error": error,
        "notice": notice,
        "sign_out": pgettext("organiser", "Abmelden"),
    }
    if not state.enabled and context["available"]:
        enrolment = await two_factor.start_enrolment(
            db, two_factor.encryption_key(settings.secret_key), organiser.id, organiser.email
        )
        context["secret"] = " ".join(
            enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)
        )
        context["qr"] = _qr_svg(enrolment.uri)
    return Template(
        template_name="organiser/two_factor.html", context=context, status_code=status_code
    )


def _actor(organiser: Organiser) -> Actor:
    return Actor(id=organiser.id, name=organiser.name or organiser.email)


class OrganiserTwoFactorController(Controller):
    """``/organiser/account/two-factor``."""

    include_in_schema = False

    @get(
        paths.TWO_FACTOR,
        name="organiser_two_factor",
        opt={TWO_FACTOR_ENROLMENT: True, ACCESS: Access.SIGNED_IN},
    )
    async def page(
        self,
        request: Request[Organiser, Any, Any],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        """The state, and the form to switch on (secret and QR code) or off."""
        shown = paths.notice(notice)
        return await _page(
            request, db, settings, notice=_(NOTICES[shown]) if shown in NOTICES else ""
        )

    @post(
        paths.TWO_FACTOR_ENABLE,
        name="organiser_two_factor_enable",
        status_code=HTTP_200_OK,
        opt={TWO_FACTOR_ENROLMENT: True, ACCESS: Access.SIGNED_IN},
    )
    async def enable(
        self,
        request: Request[Organiser, Any, Any],
        data: FormBody,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
    ) -> Template:
        """Switch on with a code from the app; the recovery codes are shown this once, and every
        other session of the organiser ends."""
        if settings.organiser_2fa is TwoFactorMode.OFF:
            return await _page(request, db, settings, status_code=HTTP_400_BAD_REQUEST)
        try:
            codes = await two_factor.confirm_enrolment(
                db,
                two_factor.encryption_key(settings.secret_key),
                request.user.id,
                data.get("code", ""),
                actor=_actor(request.user),
                now=now,
            )
        except two_factor.TwoFactorError as error:
            return await _page(request, db, settings, error=_(_ERRORS[error.code]), status_code=400)
        # Sessions opened with the password alone (elsewhere, perhaps not by the organiser) end;
        # this one goes on with a new version.
        renewed = await organisers.renewed_session(db, request.user.id)
        if renewed is None:
            request.clear_session()
        else:
            request.set_session(renewed)
        return Template(
            template_name="organiser/two_factor_codes.html",
            context={"codes": codes, "next_page": paths.organiser_home()},
        )

    @post(
        paths.TWO_FACTOR_DISABLE,
        name="organiser_two_factor_disable",
        status_code=HTTP_303_SEE_OTHER,
        # A password or a code is checked here: guesses count like sign-in attempts, or a
        # stolen session could try passwords at full speed.
        opt={ACCESS: Access.SIGNED_IN, LOGIN_THROTTLED: True},
    )
    async def disable(
        self,
        request: Request[Organiser, Any, Any],
        data: FormBody,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
    ) -> Redirect | Template:
        """Switch off, proven by a current code or the password."""
        try:
            await two_factor.disable(
                db,
                two_factor.encryption_key(settings.secret_key),
                request.user.id,
                code=data.get("code", ""),
                password=data.get("password", ""),
                actor=_actor(request.user),
                now=now,
            )
        except two_factor.TwoFactorError as error:
            return await _page(request, db, settings, error=_(_ERRORS[error.code]), status_code=400)
        return Redirect(
            path=paths.two_factor(),
            query_params={"notice": "disabled"},
            status_code=HTTP_303_SEE_OTHER,
        )
