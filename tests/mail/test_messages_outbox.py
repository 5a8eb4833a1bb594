"""Message validation, MIME building and the .eml outbox transport."""

from __future__ import annotations

import os
from datetime import UTC
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from synergia.mail.deliveries import send_pending
from synergia.mail.messages import Attachment, InlineImage, OutgoingMessage
from synergia.mail.mime import build_mime, msgid_domain, new_message_id
from synergia.mail.queue import enqueue, purge_content, stored_message
from synergia.mail.transports import OutboxTransport, outbox_filename
from synergia.registry.tables_mail import MailDelivery
from tests.mail.helpers import PROJECT, SENDER, SUBJECT, cfg, enqueue_many, message, tiny_pdf

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.mark.parametrize(
    "to",
    [
        "Jan Kowalski <jan@example.org>",
        "a@example.org, b@example.org",
        "brak-malpy",
        " jan@example.org",
        "jan@example.org\r\nBcc: x@example.org",
    ],
)
def test_recipient_must_be_one_plain_address(to):
    with pytest.raises(ValueError) as err:
        OutgoingMessage(to=to, subject="Temat", text="t", html="h")
    assert "@" not in str(err.value)  # the address never leaks into error text


@pytest.mark.parametrize("name", ["zaświadczenie.pdf", "../etc/passwd", "a/b.pdf", "", "x\r\n.pdf"])
def test_attachment_names_must_be_plain_ascii(name):
    with pytest.raises(ValueError):
        Attachment(name, b"%PDF-1.4")


def test_subject_one_line_and_unique_cids():
    with pytest.raises(ValueError):
        OutgoingMessage(to="a@example.org", subject="a\nBcc: b@example.org", text="t", html="h")
    img = InlineImage("wykres", PNG)
    with pytest.raises(ValueError):
        OutgoingMessage(to="a@example.org", subject="s", text="t", html="h", inline_images=(img, img))
    with pytest.raises(ValueError):
        InlineImage("wykres", b"%PDF", mime="application/pdf")


def test_mime_structure_with_inline_image_and_attachment():
    msg = OutgoingMessage(
        to="koordynator@example.org",
        subject="Podsumowanie miesiąca – październik",
        text="Wykres w załączeniu.",
        html='<p>Wskaźniki: <img src="cid:wykres-2026-10"></p>',
        attachments=(Attachment("raport.pdf", tiny_pdf("r")),),
        inline_images=(InlineImage("wykres-2026-10", PNG),),
    )
    mid = new_message_id(SENDER)
    assert mid.endswith("@fundacja.example.org>")
    raw = build_mime(msg, message_id=mid, sender=SENDER, sender_name="Fundacja Żółć", reply_to="biuro@example.org").as_bytes()
    assert raw.isascii() and b"\r\n" in raw  # 7-bit clean, CRLF: safe for any SMTP server
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == mid and parsed["Subject"] == msg.subject
    assert parsed["Reply-To"] == "biuro@example.org" and parsed["To"] == "koordynator@example.org"
    assert parsed.get_content_type() == "multipart/mixed"
    related = parsed.get_payload()[0].get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert "cid:wykres-2026-10" in html.get_content()
    assert image["Content-ID"] == "<wykres-2026-10>" and image.get_content() == PNG
    assert parsed.get_body(("plain",)).get_content().strip() == "Wykres w załączeniu."
    (att,) = parsed.iter_attachments()
    assert att.get_filename() == "raport.pdf" and att.get_content() == tiny_pdf("r")


def test_msgid_domain_falls_back_for_odd_senders():
    assert msgid_domain("biuro@Fundacja.PL") == "fundacja.pl"
    assert msgid_domain("localhost") == "synergia.invalid"


def test_enqueue_is_idempotent_and_stores_the_message(registry):
    first = enqueue_many(registry, 2)
    with registry.session() as s:
        again = enqueue(
            s, project=PROJECT, kind="certificate", key="SYN/2026/0001#r1", message=message(99, "ktos-inny@example.org"), sender=SENDER
        )
        other_kind = enqueue(s, project=PROJECT, kind="summary", key="SYN/2026/0001#r1", message=message(1), sender=SENDER)
        other_project = enqueue(s, project="inny", kind="certificate", key="SYN/2026/0001#r1", message=message(1), sender=SENDER)
    assert again == first[0]
    assert len({first[0], first[1], other_kind, other_project}) == 4
    with registry.session() as s:
        row = s.get(MailDelivery, first[0])
        assert stored_message(row) == message(1)  # the original stays; a changed certificate gets a new key
        assert row.status == "pending" and row.message_id.endswith("@fundacja.example.org>")
        assert len({r.message_id for r in s.scalars(select(MailDelivery))}) == 4


def test_outbox_writes_parseable_eml_once(registry, tmp_path):
    outbox = tmp_path / "outbox"
    enqueue_many(registry, 3)
    report = send_pending(registry, OutboxTransport(outbox), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    assert report.sent == 3
    files = sorted(os.listdir(outbox))
    with registry.session() as s:
        mids = sorted(r.message_id for r in s.scalars(select(MailDelivery)))
    assert files == sorted(outbox_filename(m) for m in mids)
    for name in files:
        parsed = message_from_bytes((outbox / name).read_bytes(), policy=policy.default)
        assert parsed["Subject"] == SUBJECT
        assert outbox_filename(parsed["Message-ID"]) == name
        (att,) = parsed.iter_attachments()
        assert att.get_content().startswith(b"%PDF")
    again = send_pending(registry, OutboxTransport(outbox), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    assert again.sent == 0 and sorted(os.listdir(outbox)) == files  # rerun adds nothing, no temp files left


def test_purge_keeps_the_sent_marker_but_drops_personal_data(registry, tmp_path):
    enqueue_many(registry, 2)
    send_pending(registry, OutboxTransport(tmp_path / "o"), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    from datetime import datetime, timedelta

    with registry.session() as s:
        assert purge_content(s, project=PROJECT, sent_before=datetime.now(UTC) + timedelta(seconds=1)) == 2
    with registry.session() as s:
        for row in s.scalars(select(MailDelivery)):
            assert row.recipient is None and row.body_html is None and row.parts == [] and row.status == "sent"
    enqueue_many(registry, 2)  # same keys: still known, nothing new to send
    assert send_pending(registry, OutboxTransport(tmp_path / "o"), project=PROJECT, mail_cfg=cfg(), sender=SENDER).picked == 0
