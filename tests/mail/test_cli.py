"""``synergia mail send|status`` with the SMTP backend chosen by environment variables."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from config.settings import reset_settings_cache
from synergia.registry.db import Registry
from tests.mail.helpers import PROJECT, enqueue_many
from tests.mail.smtpd import Handler, start_server

PROJECT_YAML = f"""
slug: {PROJECT}
name: "Projekt testowy poczty"
organiser: {{name: "Fundacja Przykładowa"}}
funder: {{name: "NIW-CRSO"}}
period: {{start: 2026-01-01, end: 2026-12-31}}
spreadsheet: {{id: demo.xlsx}}
sources:
  - id: rekrutacja
    kind: recruitment
    worksheet: Zgłoszenia
    columns: {{"E-mail": email}}
mail:
  batch_size: 2
  sender_name: "Fundacja Przykładowa"
"""


def test_mail_send_over_smtp_from_env_then_status(synergia_env: Path, monkeypatch):
    project = synergia_env / "projekt.yaml"
    project.write_text(PROJECT_YAML, encoding="utf-8")
    registry = Registry(f"sqlite:///{synergia_env / 'synergia.db'}")
    enqueue_many(registry, 5)
    registry.dispose()
    handler = Handler(refuse={"uczestnik4@example.org": "550 5.1.1 No such user"})
    ctl = start_server(handler)
    try:
        for key, value in {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(ctl.port),
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "biuro@fundacja.example.org",
        }.items():
            monkeypatch.setenv(f"SYNERGIA_{key}", value)
        reset_settings_cache()
        runner = CliRunner()
        sent = runner.invoke(app, ["mail", "send", "--project", str(project)])
        again = runner.invoke(app, ["mail", "send", "--project", str(project)])
        status = runner.invoke(app, ["mail", "status", "--project", str(project)])
    finally:
        ctl.stop()
    assert sent.exit_code == 0, sent.output
    assert len(handler.received) == 4 and ctl.connections == 2  # batch_size 2 -> two connections for 4 accepted + 1 refused
    assert {r.mail_from for r in handler.received} == {"biuro@fundacja.example.org"}
    assert "wysłane (sent)" in sent.output and "(smtp)" in sent.output
    assert again.exit_code == 0 and len(handler.received) == 4  # a rerun sends nothing
    assert status.exit_code == 0, status.output
    assert "SYN/2026/0004#r1" in status.output and "smtp-550" in status.output
    for out in (sent.output, again.output, status.output):
        assert "@example.org" not in out  # no addresses on screen
