"""Domain errors; the web layer maps them to responses in one place."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error the rules raise."""


class NotFound(DomainError):
    """No such event or registration (or the token does not match)."""


class RegistrationClosed(DomainError):
    """The event does not take this registration; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidInput(DomainError):
    """Submitted data broke the rules; ``errors`` maps each field to an error code."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class CapacityConflict(DomainError):
    """The database refused a seat the rules thought free: a bug, never a normal outcome."""
