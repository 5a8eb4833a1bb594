"""Kill the sending process mid-batch (SIGKILL), rerun: everybody gets their message,
nobody gets a sent one twice; only a message caught in flight may arrive once more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from synergia.mail.deliveries import send_pending
from synergia.mail.transports import SmtpTransport
from synergia.registry.tables_mail import MailDelivery
from tests.mail.helpers import PROJECT, SENDER, cfg, enqueue_many
from tests.mail.smtpd import Handler, start_server

SCRIPT = Path(__file__).with_name("crash_sender.py")
N = 8


def spawn(registry, port: int, interval: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), registry.url, str(port), str(interval)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(pred, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the sender")
        time.sleep(0.005)


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def rows(registry) -> dict[int, MailDelivery]:
    with registry.session() as s:
        return {r.id: r for r in s.scalars(select(MailDelivery))}


def rerun(registry, ctl):
    transport = SmtpTransport(host="127.0.0.1", port=ctl.port, sender=SENDER, security="none", timeout=5)
    return send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)


@pytest.mark.slow
def test_kill_while_a_message_is_in_flight_resends_only_that_one(registry):
    # The server takes the 4th message but holds its "250": the client is killed right
    # there - the worst case, where the server has the message and the register cannot know.
    handler = Handler(stall_on=4, stall_seconds=20)
    ctl = start_server(handler)
    try:
        ids = enqueue_many(registry, N)
        proc = spawn(registry, ctl.port, 0.0)
        wait_for(lambda: len(handler.received) >= 4 or proc.poll() is not None)
        kill(proc)
        before = rows(registry)
        assert [before[i].status for i in ids] == ["sent"] * 3 + ["sending"] + ["pending"] * (N - 4)
        in_flight = before[ids[3]].message_id
        assert handler.message_ids() == [before[i].message_id for i in ids[:4]]

        handler.stall_on = None
        report = rerun(registry, ctl)
    finally:
        ctl.stop()

    after = rows(registry)
    assert report.recovered == 1 and report.sent == N - 3 and not report.locked
    assert all(r.status == "sent" for r in after.values())
    counts = Counter(handler.message_ids())
    assert set(counts) == {r.message_id for r in after.values()}  # nobody missed
    assert {mid: n for mid, n in counts.items() if n > 1} == {in_flight: 2}  # exactly the in-flight one, once more
    assert after[ids[3]].recoveries == 1
    assert sum(r.recoveries for r in after.values()) == 1


@pytest.mark.slow
def test_kill_between_messages_then_rerun_delivers_each_once(registry):
    handler = Handler()
    ctl = start_server(handler)
    try:
        enqueue_many(registry, N)
        proc = spawn(registry, ctl.port, 0.15)
        wait_for(lambda: len(handler.received) >= 3 or proc.poll() is not None)
        time.sleep(0.05)  # somewhere inside the pacing gap or the next hand-over
        kill(proc)
        arrived_before = len(handler.received)
        assert 3 <= arrived_before < N
        report = rerun(registry, ctl)
    finally:
        ctl.stop()

    after = rows(registry)
    assert all(r.status == "sent" for r in after.values())
    counts = Counter(handler.message_ids())
    assert set(counts) == {r.message_id for r in after.values()}
    doubled = {mid for mid, n in counts.items() if n > 1}
    recovered = {r.message_id for r in after.values() if r.recoveries}
    # A second copy is only allowed for a row the crash left in "sending", and at most one.
    assert len(recovered) == report.recovered <= 1
    assert doubled <= recovered
    assert all(n <= 2 for n in counts.values())
    assert report.sent == N - (arrived_before - len(doubled))
