"""The delivery register on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from synergia.mail.deliveries import send_pending, sender_lock
from synergia.mail.queue import enqueue
from synergia.mail.transports import SmtpTransport
from synergia.registry.tables_mail import MailDelivery
from tests.mail.helpers import PROJECT, SENDER, cfg, enqueue_many, message
from tests.mail.smtpd import Handler, start_server

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("registry", ["postgresql"], indirect=True)]


def test_enqueue_idempotent_and_concurrent_same_key_makes_one_row(registry):
    first = enqueue_many(registry, 3)
    assert enqueue_many(registry, 3) == first
    # Two transactions enqueue the same key at once: the unique key decides, both get the same id.
    barrier = threading.Barrier(2)
    results: list[int] = []

    def worker():
        with registry.session() as s:
            s.execute(select(func.count()).select_from(MailDelivery))  # open the transaction first
            barrier.wait()
            results.append(enqueue(s, project=PROJECT, kind="certificate", key="SYN/2026/0100#r1", message=message(100), sender=SENDER))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 2 and results[0] == results[1]
    with registry.session() as s:
        assert s.scalar(select(func.count()).select_from(MailDelivery).where(MailDelivery.key == "SYN/2026/0100#r1")) == 1


def test_sending_to_sent_and_advisory_lock(registry):
    handler = Handler(refuse={"uczestnik3@example.org": "550 5.1.1 No such user"})
    ctl = start_server(handler)
    try:
        ids = enqueue_many(registry, 4)
        transport = SmtpTransport(host="127.0.0.1", port=ctl.port, sender=SENDER, security="none", timeout=5)
        with sender_lock(registry, PROJECT) as got:
            assert got
            blocked = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)
        assert blocked.locked and handler.received == []
        report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)
        again = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert (report.sent, report.failed, again.picked) == (3, 1, 0)
    with registry.session() as s:
        by_id = {r.id: r for r in s.scalars(select(MailDelivery))}
    assert [by_id[i].status for i in ids] == ["sent", "sent", "failed", "sent"]
    assert all(by_id[i].sent_at >= by_id[i].sending_at for i in (ids[0], ids[1], ids[3]))
    assert sorted(handler.message_ids()) == sorted(by_id[i].message_id for i in (ids[0], ids[1], ids[3]))
