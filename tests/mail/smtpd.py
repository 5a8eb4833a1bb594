"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrived and can misbehave on cue."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    session: int  # which connection carried it
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Handler:
    """Records accepted messages. Faults: ``refuse`` address -> reply code; ``data_replies``
    maps the n-th DATA (1-based, counted over the server's life) to a reply instead of 250;
    ``stall_on`` = n: record the n-th message, then hold the 250 reply for ``stall_seconds``."""

    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: dict[int, str] = field(default_factory=dict)
    stall_on: int | None = None
    stall_seconds: float = 30.0
    received: list[Received] = field(default_factory=list)
    data_count: int = 0
    sessions: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.data_count += 1
            n = self.data_count
        if n in self.data_replies:
            return self.data_replies[n]
        with self.lock:
            self.sessions.add(id(session))
            content = bytes(envelope.original_content or envelope.content)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), content, id(session), time.monotonic()))
        if self.stall_on == n:
            await asyncio.sleep(self.stall_seconds)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.received]


class CountingController(Controller):
    """Counts SMTP connections (one ``SMTP`` protocol instance per TCP connection)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = 0

    def factory(self) -> SMTP:
        self.connections += 1
        return SMTP(self.handler, **self.SMTP_kwargs)

    def start(self) -> None:
        super().start()
        self.connections = 0  # the controller's own readiness probe is not a client connection


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (cert.pem, key.pem); trust it via the cert file."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def server_tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


class PasswordAuth:
    """aiosmtpd authenticator for one login; records (login, ok) per attempt."""

    def __init__(self, user: str, password: str):
        self.user, self.password = user, password
        self.logins: list[tuple[str, bool]] = []

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object) -> AuthResult:
        from aiosmtpd.smtp import LoginPassword

        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        self.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 235 / 535


def start_server(handler: Handler | None = None, **kwargs) -> CountingController:
    handler = handler or Handler()
    ctl = CountingController(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    ctl.start()
    return ctl
