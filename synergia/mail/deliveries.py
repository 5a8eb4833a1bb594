"""Exactly-once delivery register: send what is due, record the outcome.

Messages enter the register with ``queue.enqueue``; ``reports`` lists what it holds.

Life of a delivery (one row per ``(project, kind, key)``)::

    pending ──► sending ──► sent
       ▲           │  └───► failed      (5xx for this recipient, or too many attempts)
       └─ deferred ◄┘                   (4xx / connection loss after in-run retries)

* ``enqueue`` stores the whole message and assigns its ``Message-ID`` in the
  caller's transaction, so the ID is committed long before the message leaves.
* ``send_pending`` commits ``sending`` *before* handing a message to the
  transport and ``sent`` right after the server accepted it. A rerun never
  picks a ``sent`` row, so a sent certificate is never sent again.
* Only one sender runs per project at a time (a PostgreSQL advisory lock, or
  an ``flock`` next to the SQLite file; both vanish with a killed process).
  A row the lock holder finds in ``sending`` was therefore left by a run that
  died between "sending" and "sent": the server may or may not have accepted
  it. It is sent once more, with the same Message-ID.

Trade-off: this is *at-most-once-more*, not at-most-once. The alternative -
never resending a row stuck in ``sending`` - would silently lose the
certificate when the crash came before the server accepted it, and nobody
would notice. A duplicate is the lesser harm, is bounded to the messages in
flight when a process died (one per crash with a single sender) and carries
the same Message-ID, so mail systems that deduplicate by Message-ID
(Gmail does) show it once. The same holds for a connection lost after the
final ``.`` of DATA but before the server's reply: the message is retried.
An answer from the server (250, 421, 4xx, 5xx) is never ambiguous and never
causes a duplicate.

Cost: one commit per message - a row's "sent" is committed together with the
next row's "sending" (still before that next hand-over), or on its own before
any wait (pacing, reconnect, end of run). SMTP sockets run with TCP_NODELAY
(see ``transports._no_delay``).

Daily cap: messages accepted since local midnight (project time zone) count
against ``daily_cap``; what does not fit stays pending for the next run.
Only counts, codes and internal ids are ever logged or returned.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from synergia.counts import Counts
from synergia.mail.messages import OutgoingMessage
from synergia.mail.mime import AddressError, build_mime
from synergia.mail.queue import naive_utc, stored_message
from synergia.mail.transports import Connection, Envelope, PermanentFailure, Transport, TransportError
from synergia.registry.base import utcnow
from synergia.registry.tables_mail import MailDelivery

if TYPE_CHECKING:
    from config.mail import MailConfig
    from synergia.registry.db import Registry

try:  # POSIX only; elsewhere SQLite runs without the cross-process guard
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Europe/Warsaw"


@dataclass
class DeliveryReport(Counts, step="mail"):
    """Counts of one ``send_pending`` run (no personal data)."""

    picked: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    recovered: int = 0  # rows found stuck in "sending" and sent once more
    retries: int = 0  # in-run retries after temporary failures
    connections: int = 0
    still_pending: int = 0  # due but left for a later run (cap, server down)
    cap_remaining: int = 0
    locked: bool = False  # another sender of this project was running; nothing done
    stopped: str | None = None  # failure code that ended the run early


def day_start_utc(now_utc: datetime, tz: str) -> datetime:
    """Naive UTC instant of local midnight (project time zone) of the day containing ``now_utc``."""
    local = now_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).replace(tzinfo=None)


@contextmanager
def sender_lock(registry: Registry, project: str) -> Iterator[bool]:
    """Hold the per-project sender lock; yields False if another live process holds it."""
    url = registry.engine.url
    if url.get_backend_name() == "postgresql":
        lock_key = int.from_bytes(hashlib.sha256(f"synergia-mail:{project}".encode()).digest()[:8], "big", signed=True)
        with registry.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                    conn.commit()
        return
    database = url.database if url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        yield True
        return
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in project)
    path = Path(f"{database}.mail-{safe}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass
class _Pending:
    """What one delivery needs to be sent, loaded ahead in chunks."""

    status: str
    attempts: int
    message_id: str
    message: OutgoingMessage | None


@dataclass
class _Run:
    registry: object
    transport: Transport
    project: str
    cfg: object  # config.mail.MailConfig
    sender: str
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    report: DeliveryReport = field(default_factory=DeliveryReport)
    conn: object | None = None
    in_batch: int = 0
    last_handoff: float | None = None
    # Accepted by the server, "sent" not yet committed. It is committed together with the
    # next row's "sending" (one commit per message instead of two), or on its own before
    # anything that can take time (pacing sleep, reconnect, end of run). At any moment at
    # most one row is between "sending" committed and "sent" committed, as before.
    accepted: tuple[int, datetime] | None = None

    # -- connection
    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
                self.in_batch = 0

    def connection(self) -> Connection:
        if self.conn is None:
            self.flush()
            self.conn = self.transport.connect()
            self.report.connections += 1
            self.in_batch = 0
        return self.conn

    def pace(self) -> None:
        gap = float(self.cfg.min_interval_seconds)
        if gap > 0 and self.last_handoff is not None:
            wait = gap - (time.monotonic() - self.last_handoff)
            if wait > 0:
                self.flush()
                self.sleep(wait)

    # -- state changes, committed before the next step
    def _record_accepted(self, s: Session) -> None:
        if self.accepted is not None:
            delivery_id, at = self.accepted
            s.execute(
                update(MailDelivery)
                .where(MailDelivery.id == delivery_id)
                .values(status="sent", sent_at=at, last_error=None, next_attempt_at=None, updated_at=at)
            )
            self.accepted = None

    def flush(self) -> None:
        if self.accepted is not None:
            with self.registry.session() as s:
                self._record_accepted(s)

    def mark(self, delivery_id: int, **changes: object) -> None:
        """Commit a state change (plain UPDATEs: one round trip each, no ORM load)."""
        with self.registry.session() as s:
            self._record_accepted(s)
            s.execute(update(MailDelivery).where(MailDelivery.id == delivery_id).values(updated_at=self.clock(), **changes))

    def defer_delay(self, attempts: int) -> timedelta:
        per_run = int(self.cfg.retry_attempts) + 1
        return timedelta(minutes=float(self.cfg.defer_minutes) * 2 ** min(max(attempts // per_run - 1, 0), 6))

    def load(self, ids: list[int]) -> dict[int, _Pending]:
        with self.registry.session() as s:
            rows = s.scalars(select(MailDelivery).where(MailDelivery.id.in_(ids)).options(selectinload(MailDelivery.parts)))
            out = {}
            for row in rows:
                try:
                    message = stored_message(row)
                except ValueError:
                    message = None
                out[row.id] = _Pending(row.status, row.attempts, row.message_id, message)
            return out

    # -- one delivery
    def prepare(self, item: _Pending) -> Envelope | str:
        """MIME bytes of a delivery, or the code of why it can never be sent.

        Built before the "sending" commit so nothing slow sits in between. A
        message that cannot be built fails alone instead of stopping every run.
        """
        if item.message is None:
            return "invalid-message"
        try:
            return Envelope.of(
                build_mime(
                    item.message,
                    message_id=item.message_id,
                    sender=self.sender,
                    sender_name=self.cfg.sender_name,
                    reply_to=self.cfg.reply_to,
                    date=self.clock().replace(tzinfo=UTC),
                )
            )
        except AddressError:
            return "invalid-address"
        except (ValueError, TypeError, UnicodeError, LookupError):
            return "invalid-message"

    def deliver(self, delivery_id: int, item: _Pending, envelope: Envelope | str) -> bool:
        """Send one delivery; returns False when the run must stop (server unreachable)."""
        status, attempts = item.status, item.attempts
        if status in ("sent", "failed"):  # settled meanwhile
            return True
        if isinstance(envelope, str):
            self.mark(delivery_id, status="failed", last_error=envelope, failed_at=self.clock())
            self.report.failed += 1
            return True
        tries = 0
        handed_over = False
        while True:
            try:
                conn = self.connection()
            except TransportError as exc:
                err: TransportError = exc
                connect_failed = True
            else:
                connect_failed = False
                self.pace()
                attempts += 1
                recovering = status == "sending" and not handed_over
                handed_over = True
                if recovering:
                    self.report.recovered += 1
                    log.warning("delivery %s was left in 'sending' by a crashed run; sending it once more (same Message-ID)", delivery_id)
                self.mark(
                    delivery_id,
                    status="sending",
                    sending_at=self.clock(),
                    attempts=attempts,
                    recoveries=MailDelivery.recoveries + (1 if recovering else 0),
                )
                self.last_handoff = time.monotonic()
                try:
                    conn.send(envelope)
                except TransportError as exc:
                    err = exc
                else:
                    self.accepted = (delivery_id, self.clock())
                    self.report.sent += 1
                    self.in_batch += 1
                    if self.in_batch >= int(self.cfg.batch_size):
                        self.flush()
                        self.close()
                    return True
            # a failure
            if isinstance(err, PermanentFailure) and not connect_failed:
                self.mark(delivery_id, status="failed", last_error=err.code, failed_at=self.clock())
                self.report.failed += 1
                log.info("delivery %s failed permanently: %s", delivery_id, err.code)
                return True
            if err.connection_lost or connect_failed:
                self.close()
            tries += 1
            if tries <= int(self.cfg.retry_attempts):
                self.report.retries += 1
                self.sleep(float(self.cfg.retry_backoff_seconds) * 2 ** (tries - 1))
                continue
            give_up = attempts >= int(self.cfg.max_attempts)
            if give_up:
                self.mark(delivery_id, status="failed", last_error=err.code, failed_at=self.clock())
                self.report.failed += 1
            else:
                self.mark(delivery_id, status="deferred", last_error=err.code, next_attempt_at=self.clock() + self.defer_delay(attempts))
                self.report.deferred += 1
            log.info("delivery %s %s after %d tries: %s", delivery_id, "failed" if give_up else "deferred", tries, err.code)
            if connect_failed or err.connection_lost:
                self.report.stopped = err.code
                return False
            return True


LOAD_CHUNK = 50


def send_pending(
    registry: Registry,
    transport: Transport,
    *,
    project: str,
    mail_cfg: MailConfig,
    now: datetime | None = None,
    sender: str | None = None,
    timezone_name: str = DEFAULT_TIMEZONE,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send what is due for ``project`` within today's cap; see the module docstring for guarantees.

    ``now`` (default: the clock) is the run's reference time; tests move it to
    "tomorrow". Returns counts only.
    """
    if sender is None:
        from config.settings import get_settings

        sender = get_settings().mail_from
    start_wall = naive_utc(now) if now is not None else utcnow()
    start_mono = time.monotonic()

    def clock() -> datetime:
        return start_wall + timedelta(seconds=time.monotonic() - start_mono)

    with sender_lock(registry, project) as got:
        run = _Run(registry, transport, project, mail_cfg, sender, clock, sleep)
        report = run.report
        if not got:
            report.locked = True
            log.warning("another mail sender of this project is running; nothing sent")
            return report
        with registry.session() as s:
            sent_today = (
                s.scalar(
                    select(func.count())
                    .select_from(MailDelivery)
                    .where(
                        MailDelivery.project == project,
                        MailDelivery.status == "sent",
                        MailDelivery.sent_at >= day_start_utc(start_wall, timezone_name),
                    )
                )
                or 0
            )
            budget = max(int(mail_cfg.daily_cap) - sent_today, 0)
            due = _due(project, start_wall)
            ids = (
                list(
                    s.scalars(
                        select(MailDelivery.id).where(*due).order_by((MailDelivery.status != "sending"), MailDelivery.id).limit(budget)
                    )
                )
                if budget
                else []
            )
        report.picked = len(ids)
        try:
            loaded: dict[int, _Pending] = {}
            for index, delivery_id in enumerate(ids):
                if delivery_id not in loaded:
                    loaded = run.load(ids[index : index + LOAD_CHUNK])
                envelope = run.prepare(loaded[delivery_id])
                if not run.deliver(delivery_id, loaded[delivery_id], envelope):
                    rest = ids[index + 1 :]
                    if rest:  # the server is unreachable: let the untried ones wait as well
                        with registry.session() as s:
                            for row in s.scalars(select(MailDelivery).where(MailDelivery.id.in_(rest))):
                                if row.status in ("pending", "deferred"):
                                    row.status = "deferred"
                                    row.last_error = report.stopped
                                    row.next_attempt_at = clock() + run.defer_delay(row.attempts)
                                    report.deferred += 1
                    break
            run.flush()
        finally:
            run.close()
        with registry.session() as s:
            report.still_pending = s.scalar(select(func.count()).select_from(MailDelivery).where(*_due(project, clock()))) or 0
        report.cap_remaining = max(budget - report.sent, 0)
    log.info("mail run: %s", report.as_dict())
    return report


def _due(project: str, at: datetime) -> tuple:
    return (
        MailDelivery.project == project,
        or_(
            MailDelivery.status.in_(("pending", "sending")),
            (MailDelivery.status == "deferred") & (MailDelivery.next_attempt_at <= at),
        ),
    )
