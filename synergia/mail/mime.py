"""Turn an OutgoingMessage into one RFC 5322 message, the same bytes for outbox and SMTP.

Structure: multipart/mixed[ multipart/alternative[ text/plain,
(multipart/related[ text/html, images ] | text/html) ], attachments ].
``email.policy.SMTP`` encodes the Polish subject and sender name as RFC 2047
words and uses CRLF line ends, as SMTP requires.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from synergia.mail.messages import OutgoingMessage

DEFAULT_MSGID_DOMAIN = "synergia.invalid"


def msgid_domain(sender: str) -> str:
    """Message-IDs use the sender's domain: stable, and what receivers expect."""
    domain = sender.rpartition("@")[2].strip().lower()
    return domain if re.fullmatch(r"[a-z0-9.-]+\.[a-z0-9-]+", domain) else DEFAULT_MSGID_DOMAIN


def new_message_id(sender: str) -> str:
    return make_msgid(domain=msgid_domain(sender))


class AddressError(ValueError):
    """The recipient cannot be written on the wire (non-ASCII local part, bad domain)."""


def wire_address(address: str) -> str:
    """ASCII form for SMTP and the To header: the domain as IDNA (żółw.pl → xn--w-uga1v8h.pl).

    A non-ASCII local part needs SMTPUTF8, which many relays lack; such an
    address fails permanently instead of being mangled.
    """
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise AddressError("non-ASCII local part")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise AddressError("invalid international domain") from None
    return f"{local}@{domain}"


def build_mime(
    message: OutgoingMessage,
    *,
    message_id: str,
    sender: str,
    sender_name: str | None = None,
    reply_to: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = wire_address(message.to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies loops
    msg.set_content(message.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if message.inline_images:
        html_part = msg.get_payload()[1]
        for image in message.inline_images:
            maintype, subtype = image.mime.split("/", 1)
            html_part.add_related(
                image.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=f"{image.cid}.{subtype.split('+')[0]}",
            )
    for att in message.attachments:
        maintype, subtype = att.mime.split("/", 1)
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg
