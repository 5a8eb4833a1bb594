"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrived and can misbehave on cue."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


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

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802, ANN001
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001
        with self.lock:
            self.data_count += 1
            n = self.data_count
        if n in self.data_replies:
            return self.data_replies[n]
        with self.lock:
            self.sessions.add(id(session))
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content), id(session), time.monotonic()))
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

    def factory(self):  # noqa: ANN201
        self.connections += 1
        return SMTP(self.handler, **self.SMTP_kwargs)

    def start(self) -> None:
        super().start()
        self.connections = 0  # the controller's own readiness probe is not a client connection


def start_server(handler: Handler | None = None, **kwargs) -> CountingController:
    handler = handler or Handler()
    ctl = CountingController(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    ctl.start()
    return ctl
