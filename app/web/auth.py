"""Organiser sessions: an encrypted cookie, and a guard over every path under ``/organisation``.

The session lives in the cookie itself (AES-GCM, key derived from ``SECRET_KEY``), so any number
of processes serve it without a shared store. The guard goes by path, not by route handler: an
organiser route added later is protected without anyone remembering to.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AuthenticationResult
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware

from app.services import organisers
from app.services.organisers import Organiser
from app.settings import Settings

ORGANISER_PREFIX = "/organisation"
SIGN_IN_PATH = "/organisation/anmelden"
SIGN_OUT_PATH = "/organisation/abmelden"
HOME_PATH = "/organisation/"
SESSION_COOKIE = "treffpunkt_session"
SESSION_MAX_AGE = 12 * 60 * 60
#: Where ``weiter`` may lead after signing in: organiser pages of this site only.
_SAFE_NEXT = re.compile(r"/organisation(?:[/?][A-Za-z0-9\-._~/%?=&+]*)?")


def is_guarded(path: str) -> bool:
    """Whether ``path`` is an organiser page that needs a signed-in organiser."""
    if path.rstrip("/") == SIGN_IN_PATH:
        return False
    return path == ORGANISER_PREFIX or path.startswith(ORGANISER_PREFIX + "/")


def safe_next(target: str | None) -> str:
    """``target`` when it is an organiser page of this site, else the organisers' start page."""
    if target and _SAFE_NEXT.fullmatch(target) and "//" not in target:
        return target
    return HOME_PATH


def sign_in_location(path: str, query: str = "") -> str:
    """The sign-in page, remembering where the organiser wanted to go."""
    target = f"{path}?{query}" if query else path
    return f"{SIGN_IN_PATH}?{urlencode({'weiter': safe_next(target)})}"


def session_secret(secret_key: str) -> bytes:
    """A 32-byte AES key for the session cookie, derived from ``SECRET_KEY``."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"treffpunkt organiser session"
    ).derive(secret_key.encode())


class OrganiserAuthMiddleware(SessionAuthMiddleware):
    """Litestar's session authentication, applied to the organiser pages only."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """Public pages pass without a user; organiser pages need a valid session."""
        if not is_guarded(connection.scope["path"]):
            return AuthenticationResult(user=None, auth=None)
        return await super().authenticate_request(connection)


async def _retrieve_organiser(
    session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]
) -> Organiser | None:
    return await organisers.from_session(session)


def session_auth(settings: Settings) -> SessionAuth[Organiser, ClientSideSessionBackend]:
    """The session middleware and the guard, for ``Litestar(middleware=[....middleware])``.

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
