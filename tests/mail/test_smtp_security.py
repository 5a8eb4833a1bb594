"""SMTP security modes against aiosmtpd with a throwaway certificate: STARTTLS + AUTH, implicit TLS."""

from __future__ import annotations

import logging
import ssl

import pytest

from config.settings import Settings
from synergia.mail.deliveries import send_pending
from synergia.mail.transports import OutboxTransport, SmtpTransport
from synergia.runtime import mail_transport as make_transport
from tests.mail.helpers import PROJECT, SENDER, cfg, enqueue_many
from tests.mail.smtpd import Handler, PasswordAuth, make_certificate, server_tls_context, start_server

USER, PASSWORD = "synergia-relay", "tajne-Haslo-123"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    cert_path, key_path = make_certificate(tmp_path_factory.mktemp("tls"))
    return server_tls_context(cert_path, key_path), ssl.create_default_context(cafile=str(cert_path))


def Auth() -> PasswordAuth:
    return PasswordAuth(USER, PASSWORD)


def test_starttls_with_login_once_per_batch(registry, cert, caplog):
    server_ctx, client_ctx = cert
    auth = Auth()
    ctl = start_server(Handler(), tls_context=server_ctx, require_starttls=True, authenticator=auth, auth_required=True)
    caplog.set_level(logging.DEBUG, logger="synergia")
    caplog.set_level(logging.DEBUG, logger="yagmail")
    try:
        enqueue_many(registry, 3)
        transport = SmtpTransport(
            host="127.0.0.1",
            port=ctl.port,
            sender=SENDER,
            user=USER,
            password=PASSWORD,
            security="starttls",
            timeout=5,
            ssl_context=client_ctx,
        )
        report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert report.sent == 3 and len(ctl.handler.received) == 3
    assert auth.logins == [(USER, True)] and ctl.connections == 1  # one login for the whole batch
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("synergia", "yagmail", "tasks")))
    assert "sent" in ours or "mail run" in ours
    assert PASSWORD not in repr(transport) and PASSWORD not in ours
    assert "uczestnik" not in ours  # no recipient addresses in our logs


def test_wrong_password_defers_and_says_why(registry, cert):
    server_ctx, client_ctx = cert
    ctl = start_server(Handler(), tls_context=server_ctx, require_starttls=True, authenticator=Auth(), auth_required=True)
    try:
        enqueue_many(registry, 2)
        transport = SmtpTransport(
            host="127.0.0.1",
            port=ctl.port,
            sender=SENDER,
            user=USER,
            password="zle",
            security="starttls",
            timeout=5,
            ssl_context=client_ctx,
        )
        report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(retry_attempts=0), sender=SENDER)
    finally:
        ctl.stop()
    assert report.sent == 0 and report.deferred == 2 and report.stopped == "smtp-auth-535"
    assert ctl.handler.received == []


def test_implicit_tls(registry, cert):
    server_ctx, client_ctx = cert
    ctl = start_server(Handler(), ssl_context=server_ctx)
    try:
        enqueue_many(registry, 2)
        transport = SmtpTransport(host="127.0.0.1", port=ctl.port, sender=SENDER, security="ssl", timeout=5, ssl_context=client_ctx)
        report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(), sender=SENDER)
    finally:
        ctl.stop()
    assert report.sent == 2 and len(ctl.handler.received) == 2 and ctl.connections == 1


def test_untrusted_certificate_is_refused(registry, cert):
    server_ctx, _ = cert
    ctl = start_server(Handler(), tls_context=server_ctx, require_starttls=True)
    try:
        enqueue_many(registry, 1)
        transport = SmtpTransport(host="127.0.0.1", port=ctl.port, sender=SENDER, security="starttls", timeout=5)
        report = send_pending(registry, transport, project=PROJECT, mail_cfg=cfg(retry_attempts=0), sender=SENDER)
    finally:
        ctl.stop()
    assert report.sent == 0 and report.stopped == "tls" and ctl.handler.received == []


def test_backend_choice_from_settings(tmp_path):
    assert isinstance(make_transport(Settings(data_dir=tmp_path)), OutboxTransport)
    smtp = make_transport(
        Settings(
            data_dir=tmp_path,
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=2525,
            smtp_security="none",
            smtp_user=USER,
            smtp_password=PASSWORD,
        )
    )
    assert isinstance(smtp, SmtpTransport) and smtp.security == "none" and smtp.user == USER
    with pytest.raises(ValueError):
        make_transport(Settings(data_dir=tmp_path, mail_backend="smtp", smtp_user=USER))
    with pytest.raises(ValueError, match="ASCII"):  # smtplib cannot send it; fail before the run starts
        SmtpTransport(host="h", port=1, sender=SENDER, user=USER, password="zażółć")


def test_batch_connection_disables_nagle(cert):
    # Without TCP_NODELAY a kept TLS connection waits ~40 ms per message for a delayed ACK.
    import socket

    server_ctx, client_ctx = cert
    ctl = start_server(Handler(), tls_context=server_ctx, require_starttls=True)
    try:
        conn = SmtpTransport(
            host="127.0.0.1", port=ctl.port, sender=SENDER, security="starttls", timeout=5, ssl_context=client_ctx
        ).connect()
        try:
            assert conn.client.smtp.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            conn.close()
    finally:
        ctl.stop()
