"""Outgoing email (invitations, password resets) over SMTP, with aiosmtplib.

``VPSPANEL_SMTP_URL`` names the relay:

- ``smtp://user:password@host:587`` — STARTTLS is required (a relay that does not offer it is an
  error, never a silent fall-back to plain text);
- ``smtps://user:password@host:465`` — TLS from the first byte;
- ``smtp://host:25?starttls=off`` — plain text, for a relay on the same machine or a test server.

User and password are percent-decoded. Without the setting the panel sends nothing, and the
callers show the link to the person who asked instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import structlog

log = structlog.get_logger(__name__)

SEND_TIMEOUT_S = 30.0


class MailNotSent(Exception):
    """The relay refused the message or could not be reached. The message says why, without
    the relay's credentials."""


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpRelay:
        """Raises ``ValueError`` naming what is wrong (never echoing the password)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("VPSPANEL_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("VPSPANEL_SMTP_URL names no host")
        options = parse_qs(parts.query)
        starttls = options.get("starttls", ["on"])[-1].lower()
        if starttls not in ("on", "off"):
            raise ValueError("VPSPANEL_SMTP_URL: starttls must be on or off")
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit_tls,
            start_tls=not implicit_tls and starttls == "on",
        )


class Mailer:
    """Sends plain-text messages through one relay. ``Mailer(None, ...)`` is the unconfigured
    mailer: :attr:`configured` is false and :meth:`send` refuses."""

    def __init__(self, relay: SmtpRelay | None, sender: str) -> None:
        self.relay = relay
        self.sender = sender

    @property
    def configured(self) -> bool:
        return self.relay is not None

    async def send(self, *, to: str, subject: str, text: str) -> None:
        """Deliver one message to ``to``. Raises :class:`MailNotSent`. The body is never logged
        (it may hold a single-use link)."""
        if self.relay is None:
            raise MailNotSent("No SMTP relay is configured (VPSPANEL_SMTP_URL).")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        relay = self.relay
        try:
            await aiosmtplib.send(
                message,
                hostname=relay.host,
                port=relay.port,
                username=relay.username,
                password=relay.password,
                use_tls=relay.use_tls,
                start_tls=relay.start_tls if not relay.use_tls else False,
                timeout=SEND_TIMEOUT_S,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning(
                "mail_not_sent", relay=f"{relay.host}:{relay.port}", error=type(exc).__name__
            )
            raise MailNotSent(
                f"The mail relay {relay.host}:{relay.port} did not take the message "
                f"({type(exc).__name__})."
            ) from exc
        log.info("mail_sent", relay=f"{relay.host}:{relay.port}", subject=subject)
