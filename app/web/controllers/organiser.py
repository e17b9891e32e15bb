"""The organisers' pages: signing in (password, then the second factor if on) and out, and
their start page.

The sign-in and its code step are open to all; the start page and the sign-out sit on the
organisers' router, whose guard (``app.web.auth``) refuses who is not signed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_429_TOO_MANY_REQUESTS,
)

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.domain.two_factor import TwoFactorMode
from app.i18n import _
from app.services import event_admin, organisers, two_factor
from app.services.organisers import Organiser
from app.settings import Settings
from app.web.auth import TWO_FACTOR_ENROLMENT, request_permissions, safe_next
from app.web.organiser_texts import (
    SIGN_IN_FAILED,
    TWO_FACTOR_CODE_WRONG,
    TWO_FACTOR_TOO_MANY_CODES,
)
from app.web.params import FormBody
from app.web.throttling import LOGIN_THROTTLED

#: Wrong codes in the code step per account, from whatever addresses, before it waits: the
#: sign-in throttle counts per address, so someone who has the password could otherwise guess
#: codes from many addresses. The count (app store ``two_factor_failures``, shared through
#: ``REDIS_URL``, see app.web.stores) expires this many seconds after the last wrong code; a
#: right code resets it.
CODE_FAILURES_LIMIT = 10
CODE_FAILURES_WINDOW = 15 * 60
CODE_FAILURES_STORE = "two_factor_failures"


@dataclass(frozen=True, slots=True)
class SignInForm:
    """What the sign-in form shows: the typed email and an error next to the password."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _sign_in_page(
    next_page: str, email: str = "", error: str = "", signed_out: bool = False, status: int = 200
) -> Template:
    return Template(
        template_name="organiser/sign_in.html",
        context={
            "next_page": next_page,
            "form": SignInForm({"email": email}, {"password": error} if error else {}),
            "error": error,
            "signed_out": signed_out,
        },
        status_code=status,
    )


class OrganiserAuthController(Controller):
    """Signing in and out."""

    include_in_schema = False

    @get(paths.SIGN_IN, name="organiser_sign_in")
    async def sign_in_form(
        self,
        next_page: Annotated[str | None, QueryParameter(name="next")] = None,
        signed_out: FromQuery[str | None] = None,
    ) -> Template:
        """The sign-in form."""
        return _sign_in_page(safe_next(next_page), signed_out=signed_out == "1")

    @post(
        paths.SIGN_IN,
        name="organiser_sign_in_submit",
        status_code=HTTP_303_SEE_OTHER,
        opt={LOGIN_THROTTLED: True},
    )
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: FormBody,
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
    ) -> Redirect | Template:
        """Check the password; on success a fresh session and on to ``next``.

        With two-factor sign-in on for the account, the session only waits for the code
        (:meth:`code_form`); it opens no organiser page until the code is right.
        """
        email = data.get("email", "").strip()
        next_page = safe_next(data.get("next"))
        session = await organisers.authenticate(email, data.get("password", ""))
        if session is None:
            # One message for an unknown email and a wrong password.
            return _sign_in_page(
                next_page, email=email, error=_(SIGN_IN_FAILED), status=HTTP_400_BAD_REQUEST
            )
        if settings.organiser_2fa is not TwoFactorMode.OFF and await two_factor.is_enabled(
            organisers.session_organiser_id(session)
        ):
            request.set_session(organisers.pending_session(session, now, next_page))
            return Redirect(path=paths.sign_in_code(), status_code=HTTP_303_SEE_OTHER)
        request.set_session(session)
        return Redirect(path=next_page, status_code=HTTP_303_SEE_OTHER)

    @get(paths.SIGN_IN_CODE, name="organiser_sign_in_code")
    async def code_form(
        self, request: Request[Any, Any, Any], now: NamedDependency[dt.datetime]
    ) -> Redirect | Template:
        """The second step: the code from the app (or a recovery code)."""
        if await _pending_organiser(request, now) is None:
            return _back_to_password(request)
        return _code_page()

    @post(
        paths.SIGN_IN_CODE,
        name="organiser_sign_in_code_submit",
        status_code=HTTP_303_SEE_OTHER,
        opt={LOGIN_THROTTLED: True},
    )
    async def code(
        self,
        request: Request[Any, Any, Any],
        data: FormBody,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[dt.datetime],
    ) -> Redirect | Template:
        """Check the code; on success the full session and on to where the organiser wanted."""
        organiser = await _pending_organiser(request, now)
        if organiser is None:
            return _back_to_password(request)
        failures = request.app.stores.get(CODE_FAILURES_STORE)
        account = str(organiser.id)
        failed = int(await failures.get(account) or 0)
        if failed >= CODE_FAILURES_LIMIT:
            # Not even the right code is looked at until the count has expired.
            return _code_page(
                _(TWO_FACTOR_TOO_MANY_CODES),
                status=HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(CODE_FAILURES_WINDOW)},
            )
        accepted = await two_factor.verify(
            db,
            two_factor.encryption_key(settings.secret_key),
            organiser.id,
            data.get("code", ""),
            actor=Actor(id=organiser.id, name=organiser.name or organiser.email),
            now=now,
        )
        if not accepted:
            await failures.set(account, str(failed + 1), expires_in=CODE_FAILURES_WINDOW)
            return _code_page(_(TWO_FACTOR_CODE_WRONG), status=HTTP_400_BAD_REQUEST)
        await failures.delete(account)
        next_page = safe_next(organisers.pending_next(request.session))
        request.set_session(organisers.completed_session(request.session))
        return Redirect(path=next_page, status_code=HTTP_303_SEE_OTHER)


async def _pending_organiser(request: Request[Any, Any, Any], now: dt.datetime) -> Organiser | None:
    session = request.session
    if not session or not organisers.is_pending(session):
        return None
    return await organisers.from_pending(session, now)


def _back_to_password(request: Request[Any, Any, Any]) -> Redirect:
    """No (or a stale) pending session: the password again, from the start."""
    request.clear_session()
    return Redirect(path=paths.sign_in(), status_code=HTTP_303_SEE_OTHER)


def _code_page(
    error: str = "", status: int = 200, headers: dict[str, str] | None = None
) -> Template:
    return Template(
        template_name="organiser/sign_in_code.html",
        context={"form": SignInForm({}, {"code": error} if error else {}), "error": error},
        status_code=status,
        headers=headers,
    )


class OrganiserController(Controller):
    """The organisers' pages behind the sign-in."""

    include_in_schema = False

    @get(paths.HOME, name="organiser_home", opt={ACCESS: Access.SIGNED_IN})
    async def home(
        self, request: Request[Organiser, Any, Any], now: NamedDependency[dt.datetime]
    ) -> Template:
        """The start page: the drafts, upcoming, past and cancelled events the organiser may see."""
        grouped = await event_admin.grouped_events(now, request_permissions(request))
        groups = [
            ("drafts", _("Entwürfe"), grouped.drafts),
            ("upcoming", _("Kommende"), grouped.upcoming),
            ("past", _("Vergangene"), grouped.past),
            ("cancelled", _("Abgesagte"), grouped.cancelled),
        ]
        return Template(
            template_name="organiser/home.html",
            context={
                "organiser": request.user,
                "groups": groups,
            },
        )

    @post(
        paths.SIGN_OUT,
        name="organiser_sign_out",
        status_code=HTTP_303_SEE_OTHER,
        opt={TWO_FACTOR_ENROLMENT: True, ACCESS: Access.SIGNED_IN},
    )
    async def sign_out(
        self, request: Request[Organiser, Any, Any], db: NamedDependency[Database]
    ) -> Redirect:
        """End every session of the organiser, everywhere, and delete this one's cookie.

        Deleting the cookie alone would leave any copy of it valid until it expires.
        """
        await organisers.end_sessions(db, request.user.id)
        request.clear_session()
        return Redirect(
            path=paths.sign_in(), query_params={"signed_out": "1"}, status_code=HTTP_303_SEE_OTHER
        )
