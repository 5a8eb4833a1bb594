"""The mail seam: ``.eml`` outbox by default, SMTP via yagmail in production.

A transport hands out *connections*; the delivery register opens one per
batch and sends every message of the batch over it. yagmail's own ``send()``
calls ``login()`` - a new TCP connection and AUTH - for every message and
retries ``sendmail`` by itself after a disconnect, which would hide failures
from the exactly-once register. So yagmail is used for what it does well
(connect with SSL / STARTTLS / plain, log in, quit) and each message, built
by :mod:`synergia.mail.mime`, goes over the already logged-in ``smtplib``
connection (``client.smtp``) with ``sendmail``. yagmail's message builder
is not used: it would turn the text part into HTML source, needs attachments
as files and derives inline Content-IDs from Python's ``hash``.

Errors are classified, never echoing addresses or server text (which often
quotes the address): :class:`TemporaryFailure` (4xx, connection loss -
retry later) and :class:`PermanentFailure` (5xx for this recipient).
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import yagmail


class TransportError(Exception):
    """A classified delivery failure; ``code`` is safe to store and log."""

    def __init__(self, code: str, *, connection_lost: bool = False, maybe_delivered: bool = False):
        super().__init__(code)
        self.code = code
        self.connection_lost = connection_lost
        self.maybe_delivered = maybe_delivered


class TemporaryFailure(TransportError):
    """Try again later (421, 450, 451, 452, timeouts, connection refused/lost)."""


class PermanentFailure(TransportError):
    """The server refused this message for good (5xx); retrying will not help."""


@dataclass(frozen=True)
class Envelope:
    """A message ready for the wire: SMTP envelope recipient and the RFC 5322 bytes."""

    recipient: str
    message_id: str
    data: bytes

    @classmethod
    def of(cls, message: EmailMessage) -> Envelope:
        return cls(_addr(message, "To"), str(message["Message-ID"]), message.as_bytes())


class Connection(Protocol):
    def send(self, envelope: Envelope) -> None: ...

    def close(self) -> None: ...


class Transport(Protocol):
    name: str

    def connect(self) -> Connection:
        """Open one connection for a batch (may raise TemporaryFailure/PermanentFailure)."""
        ...


def _addr(message: EmailMessage, header: str) -> str:
    value = message[header]
    if value is None:
        raise ValueError(f"message has no {header} header")
    return value.addresses[0].addr_spec if hasattr(value, "addresses") else str(value)


# --------------------------------------------------------------------------- outbox


def outbox_filename(message_id: str) -> str:
    """File name of a message in the outbox: its Message-ID made filesystem-safe."""
    core = message_id.strip().strip("<>")
    return re.sub(r"[^A-Za-z0-9._@-]", "_", core) + ".eml"


class _OutboxConnection:
    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, envelope: Envelope) -> None:
        target = self.directory / outbox_filename(envelope.message_id)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(envelope.data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic: a reader never sees half a message; a resend overwrites
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        pass


class OutboxTransport:
    """Writes one ``.eml`` per message into a folder (demo, tests, manual review)."""

    name = "outbox"

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def connect(self) -> _OutboxConnection:
        self.directory.mkdir(parents=True, exist_ok=True)
        return _OutboxConnection(self.directory)


# --------------------------------------------------------------------------- SMTP


def _classify(exc: BaseException, *, stage: str) -> TransportError:
    """Map smtplib/socket errors to safe codes. ``stage`` = connect | send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _msg in exc.recipients.values()]
        code = codes[0] if codes else 550
        if code == 421:  # the server is closing the connection, not judging this recipient
            return TemporaryFailure("smtp-421", connection_lost=True)
        cls = TemporaryFailure if 400 <= code < 500 else PermanentFailure
        return cls(f"smtp-{code}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # Lost while the DATA terminator was in flight the server may have accepted it.
        return TemporaryFailure("disconnected", connection_lost=True, maybe_delivered=stage == "send")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return PermanentFailure(f"smtp-auth-{exc.smtp_code}", connection_lost=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = int(exc.smtp_code)
        if code == 421 or code < 0:
            return TemporaryFailure(f"smtp-{code}", connection_lost=True)
        if 400 <= code < 500:
            return TemporaryFailure(f"smtp-{code}")
        if stage == "connect":
            # e.g. 554 greeting or 530 needing TLS: a configuration problem, not the recipient's.
            return TemporaryFailure(f"smtp-{code}", connection_lost=True)
        return PermanentFailure(f"smtp-{code}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return TemporaryFailure("smtp-not-supported", connection_lost=True)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return TemporaryFailure("timeout", connection_lost=True, maybe_delivered=stage == "send")
    if isinstance(exc, ssl.SSLError):
        return TemporaryFailure("tls", connection_lost=True)
    if isinstance(exc, ConnectionRefusedError):
        return TemporaryFailure("connection-refused", connection_lost=True)
    if isinstance(exc, OSError):
        return TemporaryFailure("connection", connection_lost=True, maybe_delivered=stage == "send")
    if isinstance(exc, smtplib.SMTPException):
        return TemporaryFailure("smtp-error", connection_lost=True)
    if isinstance(exc, UnicodeError) and stage == "send":
        return PermanentFailure("invalid-address")  # smtplib cannot put it on the wire
    raise exc


class _SmtpConnection:
    def __init__(self, client: yagmail.SMTP, envelope_from: str):
        self.client = client
        self.envelope_from = envelope_from

    def send(self, envelope: Envelope) -> None:
        try:
            refused = self.client.smtp.sendmail(self.envelope_from, [envelope.recipient], envelope.data)
        except Exception as exc:
            raise _classify(exc, stage="send") from None
        if refused:  # only possible with several recipients; kept for safety
            code = next(iter(refused.values()))[0]
            raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(f"smtp-{code}")

    def close(self) -> None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.client.close()  # QUIT; ignores an already dropped connection
        if self.client.smtp is not None:
            with contextlib.suppress(OSError):
                self.client.smtp.close()


class SmtpTransport:
    """SMTP through yagmail with one connection (one login) per batch.

    ``security``: ``ssl`` (implicit TLS, usually port 465), ``starttls``
    (usually 587) or ``none`` (a local relay). Certificates are verified with
    the system trust store (``SSL_CERT_FILE`` works) unless ``ssl_context``
    is given. Without ``user`` no AUTH is attempted.
    """

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        if security not in ("ssl", "starttls", "none"):
            raise ValueError("security must be ssl, starttls or none")
        if user is not None and password is None:
            # yagmail would fall back to keyring or an interactive prompt.
            raise ValueError("SYNERGIA_SMTP_PASSWORD is required when SYNERGIA_SMTP_USER is set")
        if password is not None and not password.isascii():
            # smtplib encodes AUTH PLAIN/LOGIN as ASCII and would fail mid-run.
            raise ValueError("hasło SMTP może zawierać tylko znaki ASCII (SMTP password must be ASCII: use an app password)")
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password = user, password
        self.security, self.timeout = security, timeout
        self.ssl_context = ssl_context

    def __repr__(self) -> str:  # never the password
        return f"SmtpTransport(host={self.host!r}, port={self.port}, security={self.security!r}, auth={self.user is not None})"

    def _client(self) -> yagmail.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        kwargs: dict = {"timeout": self.timeout}
        if self.security == "ssl":
            kwargs["context"] = context  # passed on to smtplib.SMTP_SSL
        starttls: bool | dict = {"context": context} if self.security == "starttls" else False
        client = yagmail.SMTP(
            user=self.user or self.sender,
            password=self._password,
            host=self.host,
            port=self.port,
            smtp_ssl=self.security == "ssl",
            smtp_starttls=starttls,
            smtp_skip_login=self.user is None,
            soft_email_validation=False,
            **kwargs,
        )
        client.set_logging(None)  # no console handler; nothing personal reaches logs
        if self.user is not None:
            client.user = self.user  # yagmail appends "@gmail.com" to logins without "@" (e.g. "apikey")
        return client

    def connect(self) -> _SmtpConnection:
        client = self._client()
        try:
            client.login()
        except Exception as exc:
            err = _classify(exc, stage="connect")
            _SmtpConnection(client, self.sender).close()
            raise err from None
        _no_delay(client.smtp)
        return _SmtpConnection(client, self.sender)


def _no_delay(smtp: smtplib.SMTP) -> None:
    """Disable Nagle on a connection that carries many messages.

    SMTP is request/response: the last small segment of a message (the final
    ``.``) otherwise waits for the ACK the server delays by ~40 ms, so a TLS
    connection kept for a batch would manage ~20 messages/s (measured against
    aiosmtpd: 44 ms per message instead of 2-3 ms).
    """
    sock = getattr(smtp, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
