"""Organisers delete one registration's personal data at once (a request under Art. 17 DSGVO).

On the organisers' router, so its guard (``app.web.auth``) covers it.
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.roles import ACCESS, Access
from app.services import retention


class OrganiserDataController(Controller):
    """``…/registrations/{id}/delete-data``."""

    include_in_schema = False

    @post(
        paths.REGISTRATION_DELETE_DATA,
        name="organiser_delete_data",
        opt={ACCESS: Access.EVENT_MANAGE},
        status_code=HTTP_303_SEE_OTHER,
    )
    async def delete(
        self,
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        registration_id: FromPath[int],
    ) -> Redirect:
        """Cancel if needed (the seat moves on), then anonymise; back to the list."""
        await retention.delete_registration_data(db, event_id, registration_id, now, actor=actor)
        return Redirect(
            path=paths.registrations(event_id),
            query_params={"notice": "data-deleted"},
            status_code=HTTP_303_SEE_OTHER,
        )
