"""The personal invitation link ``/i/{token}``: the event page with the form filled in.

Never cached (the page holds the invitee's name and address) and, like the other personal
links, sent without a referrer; the token travels on in the form, so an invitation-only event
accepts the person even if they change the address.
"""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app import paths
from app.domain.invitations import split_name
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
        first, last = split_name(invitation.name)
        values = {
            "first_name": first,
            "last_name": last,
            "email": invitation.email,
            "organisation": invitation.organisation,
            "language": invitation.language.value,
            "invitation": invitation.token,
        }
        return event_page(public, now, values=values)
