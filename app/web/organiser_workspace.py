"""The organisers' workspace: its navigation, an event's tabs and the breadcrumbs, as data.

Every entry is declared once here — a key, a German label and the route it leads to — so the
layout (``templates/organiser/_layout.html``) only draws them, and a later rule (roles: which
organiser may see what) filters one list instead of editing templates. :func:`workspace` builds
what one page shows from the route Litestar matched (its path template) and its path values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from app import paths
from app.domain.roles import Access
from app.i18n import N_, _
from app.web.organiser_texts import pgettext

_TYPED = re.compile(r"\{(\w+):\w+\}")


def _plain(template: str) -> str:
    """``template`` as Litestar's ``path_template`` has it: ``{event_id}``, no trailing slash."""
    return _TYPED.sub(r"{\1}", template).rstrip("/")


def _absolute(route: str) -> str:
    """An organiser route template, absolute and plain (see :func:`_plain`)."""
    return _plain(paths.ORGANISER + route)


class Entry(msgspec.Struct, frozen=True):
    """One place in the workspace: a navigation entry or an event's tab.

    ``route`` is an organiser path template (relative to :data:`app.paths.ORGANISER`); the
    entry is the current one on that route and on the routes in ``also`` (pages that belong to
    it, such as "add registration" to "registrations").
    """

    key: str
    #: German; translated when the page is drawn.
    label: str
    route: str
    also: tuple[str, ...] = ()
    #: Who sees the entry: the rule its route declares (``app.domain.roles``).
    rule: Access = Access.SIGNED_IN

    def routes(self) -> tuple[str, ...]:
        """Every route template (absolute) on which this entry is the current one."""
        return tuple(_absolute(route) for route in (self.route, *self.also))

    def href(self, values: Mapping[str, object]) -> str:
        """The entry's address, its ``{…}`` filled from ``values`` (the page's path values)."""
        return paths.organiser(self.route, **values)


#: The workspace's own navigation, in its order. "Events" stays current on every event page.
NAVIGATION: tuple[Entry, ...] = (
    Entry(
        "events",
        N_("Veranstaltungen"),
        paths.HOME,
        also=(
            paths.NEW_EVENT,
            paths.EVENT_OVERVIEW,
            paths.EVENT_EDIT,
            paths.EVENT_CANCEL,
            paths.EVENT_MATERIALS,
            paths.REGISTRATIONS,
            paths.NEW_REGISTRATION,
            paths.FUNDER_REPORT,
            paths.CHECK_IN,
            paths.MESSAGE,
            paths.MESSAGE_PREVIEW,
            paths.EVENT_AUDIT,
            paths.EVENT_STAFF,
            paths.ATTENDANCE,
            paths.EVENT_ZOOM,
            paths.REGISTRATIONS_BULK,
            paths.INVITATIONS,
            paths.INVITATIONS_SEND,
        ),
    ),
    Entry("outbox", N_("Postausgang"), paths.OUTBOX, rule=Access.ADMIN),
    Entry("accounts", N_("Konten"), paths.ACCOUNTS, rule=Access.ADMIN),
    Entry("api_tokens", N_("API-Zugang"), paths.API_TOKENS),
    Entry("webhooks", N_("Webhooks"), paths.WEBHOOKS, rule=Access.ADMIN),
    Entry("two_factor", N_("Zwei-Faktor-Anmeldung"), paths.TWO_FACTOR),
    Entry("audit", N_("Protokoll"), paths.AUDIT, rule=Access.ADMIN),
)

#: The sections of one event, as tabs on each of its pages, in their order.
_MANAGE = Access.EVENT_MANAGE
EVENT_TABS: tuple[Entry, ...] = (
    Entry(
        "overview",
        N_("Überblick"),
        paths.EVENT_OVERVIEW,
        also=(paths.EVENT_CANCEL, paths.EVENT_ZOOM),
        rule=_MANAGE,
    ),
    Entry("edit", N_("Bearbeiten"), paths.EVENT_EDIT, rule=_MANAGE),
    Entry(
        "registrations",
        N_("Anmeldungen"),
        paths.REGISTRATIONS,
        also=(paths.NEW_REGISTRATION, paths.REGISTRATIONS_BULK),
        rule=_MANAGE,
    ),
    Entry(
        "invitations",
        N_("Einladungen"),
        paths.INVITATIONS,
        also=(paths.INVITATIONS_SEND,),
        rule=_MANAGE,
    ),
    Entry("check_in", N_("Einlass"), paths.CHECK_IN, rule=Access.EVENT_CHECK_IN),
    Entry("attendance", N_("Online-Teilnahme"), paths.ATTENDANCE, rule=_MANAGE),
    Entry("message", N_("Nachricht"), paths.MESSAGE, also=(paths.MESSAGE_PREVIEW,), rule=_MANAGE),
    Entry("materials", N_("Nach der Veranstaltung"), paths.EVENT_MATERIALS, rule=_MANAGE),
    Entry("report", N_("Bericht"), paths.FUNDER_REPORT, rule=_MANAGE),
    Entry("team", N_("Team"), paths.EVENT_STAFF, rule=_MANAGE),
    Entry("audit", N_("Protokoll"), paths.EVENT_AUDIT, rule=_MANAGE),
)

#: Pages below an event's tab with a name of their own in the breadcrumbs (German).
_SUBPAGES: dict[str, str] = {
    _absolute(paths.NEW_REGISTRATION): N_("Anmeldung hinzufügen"),
    _absolute(paths.EVENT_CANCEL): N_("Absagen"),
    _absolute(paths.MESSAGE_PREVIEW): N_("Vorschau"),
    _absolute(paths.INVITATIONS_SEND): N_("Einladungen senden"),
}
_NEW_EVENT = _absolute(paths.NEW_EVENT)


class Link(msgspec.Struct, frozen=True):
    """An entry as one page draws it: translated, with its address, current or not."""

    key: str
    label: str
    href: str
    #: ``aria-current``: ``"page"`` on the entry's own page, ``"true"`` on a page below it
    #: (an event's page under "events", "add registration" under "registrations"), else ``None``.
    current: str | None


class Crumb(msgspec.Struct, frozen=True):
    """One step of the breadcrumbs; the last one (the page itself) has no address."""

    label: str
    href: str | None = None


class Workspace(msgspec.Struct, frozen=True):
    """What the organiser layout draws around one page."""

    navigation: tuple[Link, ...]
    #: Empty on pages that are not about one event.
    tabs: tuple[Link, ...]
    breadcrumbs: tuple[Crumb, ...]
    #: The sign-out button's label ("Abmelden" also means cancelling a registration).
    sign_out: str


#: Which entries an organiser may see (the templates pass the guard's own check, ``can``).
Visible = Callable[[Entry], bool]


def _everything(_: Entry) -> bool:
    return True


def _links(
    entries: tuple[Entry, ...], template: str, values: Mapping[str, object], visible: Visible
) -> tuple[Link, ...]:
    return tuple(
        Link(entry.key, _(entry.label), entry.href(values), _current(entry, template))
        for entry in entries
        if visible(entry)
    )


def _current(entry: Entry, template: str) -> str | None:
    if template == _absolute(entry.route):
        return "page"
    if template in entry.routes():
        return "true"
    return None


def workspace(
    template: str,
    path_values: Mapping[str, Any],
    event_title: str | None = None,
    visible: Visible = _everything,
) -> Workspace:
    """The navigation, tabs and breadcrumbs of the page at route ``template`` (absolute).

    ``path_values`` are the page's path parameters; an ``event_id`` among them makes it an event
    page with tabs, named ``event_title`` in the breadcrumbs.
    """
    template = _plain(template)
    event_id = path_values.get("event_id")
    values = {"event_id": event_id} if event_id is not None else {}
    navigation = _links(NAVIGATION, template, {}, visible)
    home = Crumb(_("Veranstaltungen"), paths.organiser_home())
    if event_id is None:
        tabs: tuple[Link, ...] = ()
        current = next((link for link in navigation if link.current), None)
        crumbs: tuple[Crumb, ...]
        if template == _NEW_EVENT:
            crumbs = (home, Crumb(_("Neue Veranstaltung")))
        elif current is None or current.key == "events":
            crumbs = (Crumb(_("Veranstaltungen")),)
        else:
            crumbs = (home, Crumb(current.label))
        return Workspace(navigation, tabs, crumbs, _sign_out())
    tabs = _links(EVENT_TABS, template, values, visible)
    title = event_title or _("Veranstaltung %(number)s") % {"number": event_id}
    crumbs_list = [home]
    tab = next((link for link in tabs if link.current), None)
    subpage = _SUBPAGES.get(template)
    if tab is None or (tab.key == "overview" and subpage is None):
        crumbs_list.append(Crumb(title))
    else:
        crumbs_list.append(Crumb(title, paths.event_overview(int(event_id))))
        if subpage is None:
            crumbs_list.append(Crumb(tab.label))
        else:
            if tab.key != "overview":
                crumbs_list.append(Crumb(tab.label, tab.href))
            crumbs_list.append(Crumb(_(subpage)))
    return Workspace(navigation, tabs, tuple(crumbs_list), _sign_out())


def _sign_out() -> str:
    return pgettext("organiser", "Abmelden")
