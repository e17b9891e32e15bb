"""The registrant's own data (Art. 15 and 17 DSGVO): see everything held, as JSON, and delete it.

Behind the personal token like the personal page, so only its owner gets there.
"""

from __future__ import annotations

import datetime as dt
import json

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Response, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.i18n import _
from app.services import retention
from app.web.pages import PageLink, message_page
from app.web.params import FormBody
from app.web.throttling import THROTTLED


class PersonalDataController(Controller):
    """``/r/{token}/data.json`` and ``/r/{token}/delete-data``."""

    include_in_schema = False

    @get(paths.PERSONAL_DATA, name="personal_data")
    async def download(self, token: FromPath[str]) -> Response[bytes]:
        """Everything held on the registrant, as a JSON file."""
        data = await retention.personal_data(token)
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="meine-daten.json"'},
        )

    @post(
        paths.PERSONAL_DATA_DELETE,
        name="personal_data_delete",
        status_code=HTTP_200_OK,
        opt={THROTTLED: True},
    )
    async def delete(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        token: FromPath[str],
        data: FormBody,
    ) -> Template:
        """Cancel (if still registered) and remove every personal datum; the link stops working."""
        if data.get("confirm") != "yes":
            return message_page(
                _("Bitte bestätigen"),
                _("Bitte setzen Sie das Häkchen, um Ihre Daten endgültig zu löschen."),
                status_code=HTTP_400_BAD_REQUEST,
                link=PageLink(
                    href=paths.personal(token) + "#data", label=_("Zurück zu Ihrer Anmeldung")
                ),
            )
        await retention.delete_own_data(db, token, now)
        return message_page(
            _("Ihre Daten sind gelöscht"),
            _(
                "Ihre Anmeldung ist storniert und Ihre Angaben sind gelöscht. Dieser persönliche "
                "Link funktioniert nicht mehr."
            ),
            status_code=HTTP_200_OK,
        )
