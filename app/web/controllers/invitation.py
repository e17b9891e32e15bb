"""The personal invitation link ``/i/{token}``: the event page with the form filled in.

Never cached (the page holds the invitee's name and address) and, like the other personal
links, sent without a referrer (``app.web.security``). The link only fills the form in: an
invitation-only event decides by the address submitted (``app.services.invitations``).
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app import paths
from app.services import events as event_service
from app.services import invitations
from app.web.pages import event_page


class InvitationController(Controller):
    """An invitee's way to the registration form."""

    include_in_schema = False

    @get(paths.INVITATION, name="invitation")
    async def invitation(self, token: FromPath[str], now: NamedDependency[dt.datetime]) -> Template:
        """The invitation's event page, its form filled with what the invitation names."""
        invitation = await invitations.invitation_view(token)
        public = await event_service.get_public(invitation.event.slug)
        values = {
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "email": invitation.email,
            "organisation": invitation.organisation,
            "language": invitation.language.value,
        }
        return event_page(public, now, values=values)
