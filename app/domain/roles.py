"""Who may do what: organiser roles, per-event staff, and the one rule check.

An account has one :class:`Role`. An event has an owner (the organiser who created it) and staff:
co-host managers and door staff (:class:`StaffKind`). Every organiser route names one
:class:`Access` rule; :func:`allows` decides it from the account's role and its relation to the
event of the route. Plain Python: the web layer's guard and the templates both ask here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """An organiser account's role; the values are stored."""

    #: Accounts and everything else.
    ADMINISTRATOR = "administrator"
    #: The events they own or co-host.
    MANAGER = "manager"
    #: Check-in of the events they are assigned to, nothing else.
    DOOR_STAFF = "door_staff"


class StaffKind(enum.StrEnum):
    """How an organiser belongs to an event; the values are stored."""

    #: Created the event.
    OWNER = "owner"
    #: Manages it beside the owner (a co-hosting organisation's organiser).
    CO_HOST = "co_host"
    #: Checks people in at the door.
    DOOR = "door"


class Access(enum.StrEnum):
    """The rule a route declares in its ``opt`` (key :data:`ACCESS`)."""

    #: Any signed-in organiser (the start page, signing out, their own API tokens).
    SIGNED_IN = "signed_in"
    #: Administrators only (accounts, the whole audit log, the outbox of all events).
    ADMIN = "admin"
    #: Administrators and managers (making a new event).
    EVENT_CREATE = "event_create"
    #: Everything about one event: administrators, and managers who own or co-host it.
    EVENT_MANAGE = "event_manage"
    #: The door of one event: whoever may manage it, and its assigned door staff.
    EVENT_CHECK_IN = "event_check_in"


#: The key of the rule in a route's ``opt``: ``opt={ACCESS: Access.EVENT_MANAGE}``.
ACCESS = "access"
#: Rules that concern the event named by the route's ``event_id`` path parameter.
EVENT_RULES = frozenset({Access.EVENT_MANAGE, Access.EVENT_CHECK_IN})
#: Staff kinds that manage an event (the door checks in only).
MANAGING_KINDS = frozenset({StaffKind.OWNER, StaffKind.CO_HOST})


@dataclass(frozen=True, slots=True)
class Permissions:
    """An organiser's role and how they belong to events: all a rule check needs."""

    role: Role
    #: Event id → the organiser's staff kinds there (usually one).
    staff: Mapping[int, frozenset[StaffKind]] = field(default_factory=dict)

    def allows(self, rule: Access, event_id: int | None = None) -> bool:
        """Whether ``rule`` lets this organiser through (for ``event_id`` where it concerns one)."""
        return allows(rule, self.role, self.staff.get(event_id, frozenset()) if event_id else None)

    def sees(self, event_id: int) -> bool:
        """Whether the event belongs in this organiser's lists (manage or check in)."""
        return self.allows(Access.EVENT_CHECK_IN, event_id)


def allows(rule: Access, role: Role, kinds: frozenset[StaffKind] | None) -> bool:
    """The rule check. ``kinds``: the organiser's staff kinds on the route's event (None: no event).

    A manager demoted to door staff keeps their staff rows but no longer manages through them.
    """
    if role is Role.ADMINISTRATOR:
        return True
    if rule is Access.SIGNED_IN:
        return True
    if rule is Access.ADMIN:
        return False
    if rule is Access.EVENT_CREATE:
        return role is Role.MANAGER
    present = kinds or frozenset()
    manages = role is Role.MANAGER and bool(present & MANAGING_KINDS)
    if rule is Access.EVENT_MANAGE:
        return manages
    if rule is Access.EVENT_CHECK_IN:
        return manages or StaffKind.DOOR in present
    return False


def parse_role(value: str) -> Role | None:
    """The role named by ``value`` exactly, else None (a forged value is refused, not guessed)."""
    try:
        return Role(value)
    except ValueError:
        return None


def parse_staff_kind(value: str) -> StaffKind | None:
    """A staff kind that can be assigned (co-host or door; the owner is who created the event)."""
    try:
        kind = StaffKind(value)
    except ValueError:
        return None
    return None if kind is StaffKind.OWNER else kind


def fits_staff_kind(role: Role, kind: StaffKind) -> bool:
    """Whether an account of ``role`` may be assigned as ``kind``: co-hosts must be managers."""
    return kind is StaffKind.DOOR or role in (Role.ADMINISTRATOR, Role.MANAGER)


def leaves_an_administrator(
    accounts: Mapping[int, tuple[Role, bool]], account_id: int, role: Role, active: bool
) -> bool:
    """Whether giving ``account_id`` ``role`` and ``active`` leaves an active administrator.

    ``accounts``: id → (role, active) of every account as it is now.
    """
    after = {**accounts, account_id: (role, active)}
    return any(r is Role.ADMINISTRATOR and a for r, a in after.values())
