"""Delivery over a real SMTP server (aiosmtpd on loopback): arrival, batching, faults, cap, pacing."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

from pypdf import PdfReader
from sqlalchemy import select

from synergia.mail.deliveries import send_pending, sender_lock
from synergia.mail.reports import list_failures, status_counts
from synergia.mail.transports import SmtpTransport
from synergia.registry.tables_mail import MailDelivery
from tests.mail.helpers import PROJECT, SENDER, SUBJECT, cfg, enqueue_many
from tests.mail.smtpd import Handler, free_port, start_server


def smtp(ctl, **kw) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=ctl.port if hasattr(ctl, "port") else ctl, sender=SENDER, security="none", timeout=5, **kw)


def rows(registry) -> list[MailDelivery]:
    with registry.session() as s:
        return list(s.scalars(select(MailDelivery).order_by(MailDelivery.id)))


def test_messages_arrive_with_pdf_polish_subject_on_one_connection(registry, smtp_server):
    enqueue_many(registry, 5)
    report = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER)

    handler: Handler = smtp_server.handler
    assert report.sent == 5 and report.failed == report.deferred == 0
    assert len(handler.received) == 5
    assert smtp_server.connections == 1 and report.connections == 1
    assert len(handler.sessions) == 1
    stored = rows(registry)
    assert [r.status for r in stored] == ["sent"] * 5
    assert sorted(handler.message_ids()) == sorted(r.message_id for r in stored)
    assert len(set(handler.message_ids())) == 5
    for rec, row in zip(sorted(handler.received, key=lambda r: r.message_id), sorted(stored, key=lambda r: r.message_id)):
        assert rec.rcpt_tos == [row.recipient]
        assert rec.mail_from == SENDER
        raw_subject = rec.data.split(b"\r\nSubject: ", 1)[1].split(b"\r\n", 1)[0]
        assert raw_subject.isascii() and b"=?utf-8?" in raw_subject  # RFC 2047 on the wire
        msg = rec.message
        assert str(make_header(decode_header(msg["Subject"]))) == SUBJECT
        assert msg["Subject"] == SUBJECT
        assert "Fundacja Świętokrzyska" in str(msg["From"])
        assert msg.get_body(("plain",)).get_content().startswith("Dzień dobry")
        assert "<b>SYN/2026/" in msg.get_body(("html",)).get_content()
        (att,) = list(msg.iter_attachments())
        assert att.get_filename().isascii() and att.get_filename().endswith(".pdf")
        number = att.get_filename().removeprefix("zaswiadczenie-").removesuffix(".pdf").replace("-", "/")
        text = PdfReader(io.BytesIO(att.get_content())).pages[0].extract_text()
        assert f"Certificate {number}" in text


def test_batch_size_bounds_messages_per_connection(registry, smtp_server):
    enqueue_many(registry, 5)
    report = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(batch_size=2), sender=SENDER)
    assert report.sent == 5
    assert smtp_server.connections == 3 == report.connections
    per_session = Counter(r.session for r in smtp_server.handler.received)
    assert sorted(per_session.values()) == [1, 2, 2]


def test_rerun_sends_nothing_twice(registry, smtp_server):
    enqueue_many(registry, 3)
    send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    enqueue_many(registry, 3)  # same keys: idempotent
    again = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    assert again.sent == 0 and again.picked == 0
    assert len(smtp_server.handler.received) == 3
    assert smtp_server.connections == 1  # nothing due: no connection at all


def test_421_mid_batch_is_retried_nobody_lost_nobody_doubled(registry):
    handler = Handler(data_replies={3: "421 4.3.2 Service shutting down, try later"})
    ctl = start_server(handler)
    try:
        enqueue_many(registry, 6)
        report = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert report.sent == 6 and report.retries == 1 and report.deferred == 0
    ids = handler.message_ids()
    assert len(ids) == 6 and len(set(ids)) == 6
    assert sorted(ids) == sorted(r.message_id for r in rows(registry))
    assert ctl.connections == 2  # smtplib drops the connection on 421; one reconnect
    assert all(r.status == "sent" for r in rows(registry))


def test_550_for_one_recipient_fails_only_that_one(registry):
    handler = Handler(refuse={"uczestnik2@example.org": "550 5.1.1 Mailbox unavailable"})
    ctl = start_server(handler)
    try:
        ids = enqueue_many(registry, 4)
        report = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert (report.sent, report.failed, report.deferred) == (3, 1, 0)
    assert ctl.connections == 1  # a refused recipient does not cost the connection
    by_id = {r.id: r for r in rows(registry)}
    assert by_id[ids[1]].status == "failed" and by_id[ids[1]].last_error == "smtp-550"
    assert [by_id[i].status for i in (ids[0], ids[2], ids[3])] == ["sent"] * 3
    with registry.session() as s:
        failures = list_failures(s, project=PROJECT)
    assert [(f.delivery_id, f.kind, f.key, f.code) for f in failures] == [(ids[1], "certificate", "SYN/2026/0002#r1", "smtp-550")]
    assert "@" not in repr(failures)
    # a later run does not try the failed one again
    ctl = start_server(Handler())
    try:
        again = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert again.picked == 0 and ctl.handler.received == []


def test_temporary_4xx_for_one_recipient_is_deferred_then_sent(registry):
    handler = Handler(refuse={"uczestnik1@example.org": "452 4.2.2 Mailbox full"})
    ctl = start_server(handler)
    try:
        ids = enqueue_many(registry, 3)
        t0 = datetime.now(UTC)
        report = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(retry_attempts=2, defer_minutes=30), sender=SENDER, now=t0)
        assert (report.sent, report.deferred, report.retries) == (2, 1, 2)
        row = {r.id: r for r in rows(registry)}[ids[0]]
        assert row.status == "deferred" and row.last_error == "smtp-452" and row.attempts == 3
        # not due yet
        early = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER, now=t0 + timedelta(minutes=5))
        assert early.picked == 0
        handler.refuse.clear()
        later = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER, now=t0 + timedelta(minutes=31))
        assert later.sent == 1
    finally:
        ctl.stop()
    assert len(set(handler.message_ids())) == len(handler.message_ids()) == 3


def test_server_down_defers_everything_and_next_run_sends(registry):
    port = free_port()  # nothing listens here
    enqueue_many(registry, 4)
    t0 = datetime.now(UTC)
    report = send_pending(registry, smtp(port), project=PROJECT, mail_cfg=cfg(retry_attempts=2), sender=SENDER, now=t0)
    assert report.sent == 0 and report.deferred == 4 and report.stopped == "connection-refused"
    assert report.retries == 2
    assert {r.status for r in rows(registry)} == {"deferred"}
    assert all(r.attempts == 0 for r in rows(registry))  # nothing was ever handed over
    ctl = start_server(Handler())
    try:
        soon = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER, now=t0 + timedelta(minutes=1))
        assert soon.picked == 0  # deferred rows wait for their time
        later = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER, now=t0 + timedelta(hours=1))
    finally:
        ctl.stop()
    assert later.sent == 4 and ctl.connections == 1
    assert {r.status for r in rows(registry)} == {"sent"}


def test_daily_cap_leaves_the_rest_for_tomorrow(registry, smtp_server):
    enqueue_many(registry, 5)
    # 10:00 Warsaw time
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(daily_cap=3), sender=SENDER, now=t0)
    assert (first.sent, first.still_pending, first.cap_remaining) == (3, 2, 0)
    same_day = send_pending(
        registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(daily_cap=3), sender=SENDER, now=t0 + timedelta(hours=13, minutes=30)
    )  # 23:30 Warsaw, still the same day
    assert same_day.sent == 0 and same_day.still_pending == 2
    next_day = send_pending(
        registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(daily_cap=3), sender=SENDER, now=t0 + timedelta(hours=14, minutes=30)
    )  # 00:30 Warsaw next day (23:30 UTC)
    assert next_day.sent == 2 and next_day.cap_remaining == 1
    assert len(smtp_server.handler.received) == 5
    with registry.session() as s:
        assert status_counts(s, project=PROJECT) == {"sent": 5}


def test_min_interval_paces_messages(registry, smtp_server):
    enqueue_many(registry, 4)
    send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(min_interval_seconds=0.15), sender=SENDER)
    times = [r.at for r in smtp_server.handler.received]
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    # Arrival times carry scheduling noise on a busy machine; without pacing all four arrive within ms.
    assert len(gaps) == 3 and times[-1] - times[0] >= 0.3 and gaps[1] >= 0.1


def test_second_sender_of_the_same_project_does_nothing(registry, smtp_server):
    enqueue_many(registry, 2)
    with sender_lock(registry, PROJECT) as got:
        assert got
        report = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    assert report.locked and report.sent == 0
    assert smtp_server.handler.received == []
    assert send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER).sent == 2


def test_international_addresses_idna_domain_sent_utf8_local_part_failed(registry, smtp_server):
    ids = enqueue_many(registry, 3, to={1: "jozef@żółw.pl", 2: "józef@poczta.pl"})
    report = send_pending(registry, smtp(smtp_server), project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    assert (report.sent, report.failed) == (2, 1)
    by_id = {r.id: r for r in rows(registry)}
    assert by_id[ids[1]].status == "failed" and by_id[ids[1]].last_error == "invalid-address"
    (idn,) = [r for r in smtp_server.handler.received if r.rcpt_tos[0].startswith("jozef@")]
    assert idn.rcpt_tos == ["jozef@" + "żółw.pl".encode("idna").decode()]
    assert idn.message["To"] == idn.rcpt_tos[0]


def test_persistent_421_stops_the_run_and_defers_the_rest(registry):
    handler = Handler(refuse={"uczestnik2@example.org": "421 4.7.0 Too many messages, closing"})
    ctl = start_server(handler)
    try:
        enqueue_many(registry, 3)
        t0 = datetime.now(UTC)
        report = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(retry_attempts=1), sender=SENDER, now=t0)
        # 421 = the server closes (typically rate limiting): one reconnect and retry, then the run
        # stops and everything left waits for a later run instead of hammering the server.
        assert (report.sent, report.deferred, report.retries, report.stopped) == (1, 2, 1, "smtp-421")
        assert ctl.connections == 2
        handler.refuse.clear()
        later = send_pending(registry, smtp(ctl), project=PROJECT, mail_cfg=cfg(), sender=SENDER, now=t0 + timedelta(hours=1))
    finally:
        ctl.stop()
    assert later.sent == 2
    assert sorted(handler.message_ids()) == sorted(r.message_id for r in rows(registry))
