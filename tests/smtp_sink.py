"""A real SMTP server for tests and benchmarks: aiosmtpd in its own thread, with scripted answers.

It can refuse (``answers`` queue: ``"451 ..."``, ``"550 ..."``, ``"421 ..."``), refuse given
recipients, and be stopped and started again on the same port to play a server that is down.
"""

from __future__ import annotations

import collections
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One accepted message."""

    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The message, parsed with the modern policy."""
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SinkHandler:
    """aiosmtpd handler: records what it accepts, answers what it is told to."""

    received: list[Received] = field(default_factory=list)
    #: Answers to the next DATA commands, in order; when empty: ``250 OK``.
    answers: collections.deque[str] = field(default_factory=collections.deque)
    #: Recipients refused at RCPT with this answer.
    refused_recipients: dict[str, str] = field(default_factory=dict)
    #: Every DATA attempt, accepted or not (a refused one is not delivered).
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """Refuse the configured recipients, accept the rest."""
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Accept, or give the next scripted answer."""
        with self.lock:
            self.attempts += 1
            answer = self.answers.popleft() if self.answers else "250 OK"
            if answer.startswith("250"):
                self.received.append(
                    Received(
                        mail_from=envelope.mail_from,
                        recipients=list(envelope.rcpt_tos),
                        data=bytes(envelope.original_content or envelope.content),
                    )
                )
        return answer


class SmtpSink:
    """An SMTP server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = SinkHandler()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        """Listen (again)."""
        if self._controller is None:
            controller = Controller(
                self.handler,
                hostname="127.0.0.1",
                port=self.port,
                enable_SMTPUTF8=True,
                # Large batches in the benchmark: no per-session message limit.
                data_size_limit=None,
            )
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening; connected clients are cut off."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        """Every accepted message so far."""
        with self.handler.lock:
            return list(self.handler.received)

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, repeats included."""
        return [str(item.message["Message-ID"]) for item in self.received]
