"""Plain message types every mail producer builds (certificates, monthly summary).

They carry no headers: sender, Message-ID and date are added by the delivery
register at send time, so producers cannot break exactly-once delivery by
accident. Validation here keeps headers injection-free and attachment names
ASCII (old mail clients and Windows mangle encoded file names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A bare address: no display name, no list, no whitespace, exactly one "@".
_PLAIN_ADDRESS = re.compile(r"^[^\s@<>,;\"()\[\]\\]+@[^\s@<>,;\"()\[\]\\]+\.[^\s@<>,;\"()\[\]\\]+$")
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,150}$")
_SAFE_CID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,120}$")
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")


def _check_mime(mime: str) -> None:
    if not _MIME.match(mime):
        raise ValueError("invalid MIME type (expected e.g. application/pdf)")


@dataclass(frozen=True)
class Attachment:
    """A file attached to the message; ``filename`` must be ASCII (e.g. zaswiadczenie-SYN-2026-0001.pdf)."""

    filename: str
    content: bytes
    mime: str = "application/pdf"

    def __post_init__(self) -> None:
        if not _SAFE_FILENAME.match(self.filename) or ".." in self.filename:
            raise ValueError("attachment file name must be plain ASCII letters, digits, '.', '_', '-', ' '")
        if not isinstance(self.content, bytes):
            raise TypeError("attachment content must be bytes")
        _check_mime(self.mime)


@dataclass(frozen=True)
class InlineImage:
    """An image shown inside the HTML part, referenced there as ``cid:<cid>``."""

    cid: str
    content: bytes
    mime: str = "image/png"

    def __post_init__(self) -> None:
        if not _SAFE_CID.match(self.cid):
            raise ValueError("inline image cid must be ASCII letters, digits, '.', '_', '-', '@'")
        if not isinstance(self.content, bytes):
            raise TypeError("inline image content must be bytes")
        _check_mime(self.mime)
        if not self.mime.startswith("image/"):
            raise ValueError("inline image must have an image/* MIME type")


@dataclass(frozen=True)
class OutgoingMessage:
    """One e-mail to one recipient: Polish subject, text and HTML parts, files."""

    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    inline_images: tuple[InlineImage, ...] = ()

    def __post_init__(self) -> None:
        # Messages never echo the address: it is personal data and errors end up in logs.
        if not isinstance(self.to, str) or not _PLAIN_ADDRESS.match(self.to.strip()) or self.to != self.to.strip():
            raise ValueError("recipient must be one plain e-mail address (no display name, no list)")
        if not self.subject.strip() or "\n" in self.subject or "\r" in self.subject:
            raise ValueError("subject must be one non-empty line")
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "inline_images", tuple(self.inline_images))
        cids = [i.cid for i in self.inline_images]
        if len(set(cids)) != len(cids):
            raise ValueError("inline image cids must be unique")
