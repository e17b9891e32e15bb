"""Where composed mail goes: an SMTP server over one kept connection, or ``.eml`` files."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from pathlib import Path
from typing import Protocol

import aiosmtplib

from app.mail.compose import ComposedMail
from app.settings import Settings

logger = logging.getLogger("treffpunkt.mail")

#: A connection unused for this long is probed with NOOP before it carries a message: servers
#: close idle sessions, and a message must not be the thing that finds out.
IDLE_PROBE_SECONDS = 10.0


class DeliveryError(Exception):
    """The message was not delivered; ``temporary`` says whether trying again may help."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


class Transport(Protocol):
    """Delivers one message to one recipient."""

    async def send(self, mail: ComposedMail, *, sender: str) -> None:
        """Deliver, or raise :class:`DeliveryError`."""

    async def close(self) -> None:
        """Release any connection."""


def _answer(code: int, message: str) -> str:
    return f"{code} {message}".strip()


class SmtpTransport:
    """aiosmtplib over one reused connection, opened on first use and after any failure."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "starttls",
        user: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self._password = password
        self.timeout = timeout
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = 0.0
        #: How many connections were opened (the benchmark and tests read it).
        self.connections_opened = 0

    async def _connected(self) -> aiosmtplib.SMTP:
        client = self._client
        if client is not None and client.is_connected:
            if time.monotonic() - self._last_used < IDLE_PROBE_SECONDS:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError):
                await self.close()
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            timeout=self.timeout,
        )
        try:
            await client.connect()
            if self.user:
                await client.login(self.user, self._password)
        except aiosmtplib.SMTPAuthenticationError as error:
            client.close()
            # Wrong credentials are the operator's to fix; the mail waits rather than being lost.
            raise DeliveryError(
                f"login refused: {_answer(error.code, error.message)}", temporary=True
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            client.close()
            raise DeliveryError(f"cannot connect: {error}", temporary=True) from error
        self._client = client
        self.connections_opened += 1
        return client

    async def send(self, mail: ComposedMail, *, sender: str) -> None:
        """Send over the kept connection; 4xx and network trouble are temporary, 5xx final."""
        client = await self._connected()
        try:
            await client.sendmail(sender, [mail.recipient], mail.data)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0] if error.recipients else None
            code = refused.code if refused else 550
            reason = _answer(code, refused.message if refused else "recipient refused")
            await self._reset()
            raise DeliveryError(reason, temporary=400 <= code < 500) from error
        except (
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPConnectError,
            OSError,
        ) as error:
            await self.close()
            raise DeliveryError(f"connection lost: {error}", temporary=True) from error
        except aiosmtplib.SMTPNotSupported as error:
            # E.g. an address beyond ASCII and a server without SMTPUTF8: no retry will help.
            await self._reset()
            raise DeliveryError(f"not supported by the server: {error}", temporary=False) from error
        except aiosmtplib.SMTPResponseException as error:
            await self._reset()
            raise DeliveryError(
                _answer(error.code, error.message), temporary=400 <= error.code < 500
            ) from error
        except aiosmtplib.SMTPException as error:
            await self.close()
            raise DeliveryError(f"SMTP error: {error}", temporary=True) from error
        except asyncio.CancelledError:
            # Cut off mid-command (the sender's lease, a shutdown): the session's state is
            # unknown, so the connection is dropped rather than reused or politely closed.
            self._drop()
            raise
        finally:
            self._last_used = time.monotonic()

    async def _reset(self) -> None:
        # After a refused transaction the session is still usable once reset; if not, start over.
        client = self._client
        if client is None:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        """Say QUIT, or just drop the connection when the server is gone."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class FileTransport:
    """Writes each message to ``<mail_dir>/<time>-<message id>.eml`` (development, no SMTP)."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def send(self, mail: ComposedMail, *, sender: str) -> None:
        """Write the message atomically, so a reader never sees half a file."""
        try:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            stem = _UNSAFE_FILE_CHARACTERS.sub("_", mail.message_id).strip("_")
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}.eml"
            partial = self.mail_dir / f".{name}.partial"
            partial.write_bytes(mail.data)
            os.replace(partial, self.mail_dir / name)
        except OSError as error:
            raise DeliveryError(f"cannot write mail file: {error}", temporary=True) from error

    async def close(self) -> None:
        """Nothing to release."""


def transport_for(settings: Settings) -> Transport:
    """SMTP when ``SMTP_HOST`` is set, otherwise ``.eml`` files under ``MAIL_DIR``."""
    if settings.smtp_host:
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )
    return FileTransport(settings.mail_dir)
