"""Organiser sessions: an encrypted cookie, and the guard of the organisers' router.

The session lives in the cookie itself (AES-GCM, key derived from ``SECRET_KEY``), so any number
of processes serve it without a shared store. The middleware only loads the organiser; the guard
on the router of ``/organiser`` (see ``app.asgi``) refuses who is not signed in, so an organiser
route added to that router is protected without anyone remembering to.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware

from app import paths
from app.domain.roles import ACCESS, EVENT_RULES, Access, Permissions, Role
from app.domain.two_factor import TwoFactorMode, must_enrol
from app.services import event_staff, organisers
from app.services.organisers import Organiser
from app.settings import Settings

SESSION_COOKIE = "treffpunkt_session"
SESSION_MAX_AGE = 12 * 60 * 60
#: Where ``next`` may lead after signing in: organiser pages of this site only.
_SAFE_NEXT = re.compile(re.escape(paths.ORGANISER) + r"(?:[/?][A-Za-z0-9\-._~/%?=&+]*)?")


#: Where the app keeps ``ORGANISER_2FA`` in ``app.state``, for the guard.
TWO_FACTOR_STATE_KEY = "organiser_2fa"
#: Route handlers marked with this ``opt`` key stay open to an organiser who must still switch
#: two-factor sign-in on (the enrolment pages and the sign-out).
TWO_FACTOR_ENROLMENT = "two_factor_enrolment"
#: Where the guard leaves the organiser's :class:`Permissions` (``request.state``), for
#: handlers that filter lists and for the templates' ``can()``.
PERMISSIONS = "permissions"


class SignInRequired(NotAuthorizedException):
    """An organiser page asked for without a signed-in organiser."""


class SecondStepRequired(SignInRequired):
    """An organiser page asked for after the password, before the second factor."""


class EnrolmentRequired(NotAuthorizedException):
    """``ORGANISER_2FA=required``: the organiser must switch two-factor sign-in on first."""


class AccessDenied(PermissionDeniedException):
    """The organiser's role (or their place on the event's staff) does not allow the route."""


def route_rule(handler: BaseRouteHandler) -> Access | None:
    """The rule the route declares in its ``opt`` (``opt={ACCESS: Access.EVENT_MANAGE}``)."""
    rule = handler.opt.get(ACCESS)
    return rule if isinstance(rule, Access) else None


async def check_access(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler, organiser: Organiser
) -> None:
    """Refuse (403) unless the route's rule lets ``organiser`` through; a route without a
    rule refuses everyone, so a forgotten rule shows at once and opens nothing.

    For event rules the event is the route's ``event_id`` path parameter.
    """
    rule = route_rule(handler)
    if rule is None:
        raise AccessDenied("the route declares no access rule")
    permissions = await event_staff.permissions(organiser.id, organiser.role)
    connection.state[PERMISSIONS] = permissions
    event_id = None
    if rule in EVENT_RULES:
        event_id = connection.path_params.get("event_id")
        if not isinstance(event_id, int):
            raise AccessDenied("an event rule on a route without an event")
    if not permissions.allows(rule, event_id):
        raise AccessDenied()


async def organiser_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Let signed-in organisers through, as far as the route's declared rule allows (and, under
    ``ORGANISER_2FA=required``, administrators only to the enrolment until they have a second
    factor)."""
    organiser = connection.user
    if not isinstance(organiser, Organiser):
        session = connection.scope.get("session")
        if isinstance(session, dict) and organisers.is_pending(session):
            raise SecondStepRequired()
        raise SignInRequired()
    mode = connection.app.state.get(TWO_FACTOR_STATE_KEY, TwoFactorMode.OPTIONAL)
    if must_enrol(
        mode,
        enabled=organiser.two_factor,
        is_administrator=organiser.role is Role.ADMINISTRATOR,
    ) and not handler.opt.get(TWO_FACTOR_ENROLMENT):
        raise EnrolmentRequired()
    await check_access(connection, handler, organiser)


def request_permissions(connection: ASGIConnection[Any, Any, Any, Any]) -> Permissions | None:
    """The permissions the guard loaded for this request (None outside the organisers' area)."""
    permissions = connection.state.get(PERMISSIONS)
    return permissions if isinstance(permissions, Permissions) else None


def safe_next(target: str | None) -> str:
    """``target`` when it is an organiser page of this site, else the organisers' start page."""
    if target and _SAFE_NEXT.fullmatch(target) and "//" not in target:
        return target
    return paths.organiser_home()


def sign_in_location(path: str, query: str = "") -> str:
    """The sign-in page, remembering where the organiser wanted to go."""
    target = f"{path}?{query}" if query else path
    return f"{paths.sign_in()}?{urlencode({'next': safe_next(target)})}"


def session_secret(secret_key: str) -> bytes:
    """A 32-byte AES key for the session cookie, derived from ``SECRET_KEY``."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"treffpunkt organiser session"
    ).derive(secret_key.encode())


class OrganiserAuthMiddleware(SessionAuthMiddleware):
    """Litestar's session authentication, loading the organiser without refusing anyone."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """The organiser of a valid session, else no user (and an invalid session cleared).

        A session waiting for the second factor is kept as it is: only the code step reads it.
        """
        session = connection.scope.get("session")
        if isinstance(session, dict) and organisers.is_pending(session):
            return AuthenticationResult(user=None, auth=None)
        try:
            return await super().authenticate_request(connection)
        except NotAuthorizedException:
            # The sign-in page is open to all; the guard of every other page refuses.
            return AuthenticationResult(user=None, auth=None)


async def _retrieve_organiser(
    session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]
) -> Organiser | None:
    return await organisers.from_session(session)


def session_auth(settings: Settings) -> SessionAuth[Organiser, ClientSideSessionBackend]:
    """The session middleware, for the organisers' ``Router(middleware=[....middleware])``.

    Added as middleware rather than through ``on_app_init`` so the public API's OpenAPI schema
    does not claim to need the session cookie.
    """
    return SessionAuth[Organiser, ClientSideSessionBackend](
        retrieve_user_handler=_retrieve_organiser,
        session_backend_config=CookieBackendConfig(
            secret=session_secret(settings.secret_key),
            key=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=settings.cookies_secure,
        ),
        authentication_middleware_class=OrganiserAuthMiddleware,
        # Every method is checked, HEAD and OPTIONS included.
        exclude_http_methods=[],
    )
