"""The organisers' page for their personal API tokens: list, make, revoke.

On the organisers' router, so its guard (``app.web.auth``) covers every handler here. A new
token's secret is in the one response that makes it and nowhere else (the page is ``no-store``
like every organiser page).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.errors import InvalidInput
from app.domain.roles import ACCESS, Access
from app.domain.validation import TOO_LONG
from app.i18n import N_, _
from app.services import api_tokens
from app.services.api_tokens import MAX_NAME, NewToken
from app.services.organisers import Organiser
from app.web.params import FormBody

_NAME_ERROR = N_("Bitte geben Sie dem Token einen Namen, z. B. „Excel-Abgleich“.")
NOTICES = {
    "revoked": N_("Das Token wurde widerrufen; Programme, die es nutzen, werden abgewiesen."),
    "already-revoked": N_("Dieses Token war schon widerrufen."),
}


async def _page(
    organiser: Organiser,
    *,
    created: NewToken | None = None,
    name: str = "",
    error: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        template_name="organiser/api_tokens.html",
        context={
            "tokens": await api_tokens.list_for(organiser.id),
            "created": created,
            "name": name,
            "error": error,
            "notice": notice,
            "max_name": MAX_NAME,
        },
        status_code=status_code,
    )


class OrganiserApiTokensController(Controller):
    """``/organiser/api-tokens``."""

    include_in_schema = False

    @get(paths.API_TOKENS, name="organiser_api_tokens", opt={ACCESS: Access.SIGNED_IN})
    async def tokens(
        self, request: Request[Organiser, Any, Any], notice: FromQuery[str | None] = None
    ) -> Template:
        """The organiser's tokens and the form for a new one."""
        shown = paths.notice(notice)
        notice_text = _(NOTICES[shown]) if shown in NOTICES else ""
        return await _page(request.user, notice=notice_text)

    @post(
        paths.API_TOKENS,
        name="organiser_api_token_create",
        opt={ACCESS: Access.SIGNED_IN},
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        actor: NamedDependency[Actor],
        request: Request[Organiser, Any, Any],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        data: FormBody,
    ) -> Template:
        """Make a token and show its secret, this once."""
        name = data.get("name", "")
        try:
            created = await api_tokens.create(db, request.user.id, name, now, actor=actor)
        except InvalidInput as error:
            if error.errors.get("name") == TOO_LONG:
                message = _("Bitte höchstens %(max)d Zeichen.") % {"max": MAX_NAME}
            else:
                message = _(_NAME_ERROR)
            return await _page(
                request.user, name=name, error=message, status_code=HTTP_400_BAD_REQUEST
            )
        return await _page(request.user, created=created, status_code=HTTP_201_CREATED)

    @post(paths.API_TOKEN_REVOKE, name="organiser_api_token_revoke", opt={ACCESS: Access.SIGNED_IN})
    async def revoke(
        self,
        actor: NamedDependency[Actor],
        request: Request[Organiser, Any, Any],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        token_id: FromPath[int],
    ) -> Redirect:
        """Revoke one of the organiser's own tokens (another's is 404); back to the list."""
        changed = await api_tokens.revoke(db, request.user.id, token_id, now, actor=actor)
        notice = "revoked" if changed else "already-revoked"
        return Redirect(
            path=f"{paths.api_tokens()}?notice={notice}", status_code=HTTP_303_SEE_OTHER
        )
