"""Run one mail send in its own process so a test can SIGKILL it mid-batch.

Usage: python crash_sender.py DB_URL SMTP_PORT MIN_INTERVAL
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from synergia.mail.deliveries import send_pending
from synergia.mail.transports import SmtpTransport
from synergia.registry.db import Registry
from tests.mail.helpers import PROJECT, SENDER, cfg

if __name__ == "__main__":
    url, port, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    registry = Registry(url, auto_migrate=False)
    transport = SmtpTransport(host="127.0.0.1", port=port, sender=SENDER, security="none", timeout=60)
    report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(min_interval_seconds=interval), sender=SENDER)
    print(report.as_dict(), flush=True)
