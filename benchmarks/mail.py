"""Messages per second to a local SMTP server (aiosmtpd on loopback), against yardsticks in the same process.

Every message is a certificate-like e-mail: Polish subject, text + HTML, a ~20 kB PDF.

Yardsticks:
- ``smtplib``: plain ``smtplib.SMTP.send_message`` of pre-built messages on one
  connection, no register — the ceiling for this server and message size;
- ``yagmail send()``: yagmail's default per-message ``send()``, which connects and
  logs in again for every message (what issue 5 asks us not to do).

Measured:
- ``send_pending``: the delivery register on a fresh SQLite file — load each
  delivery, commit ``sending``, build MIME, send over one connection, commit ``sent``.

The server runs in its own process (as a real local relay would), so it does not
compete with the sender for the GIL; it counts the SMTP connections it accepted.

The same pair is then measured over STARTTLS + AUTH (a throwaway certificate),
as real relays require, where yagmail's login per message costs most.

Usage: python -m benchmarks.mail [--n 300] [--rounds 3]; target >= 50 messages/s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 50.0
SENDER = "biuro@fundacja.example.org"
PROJECT = "bench"


def _pdf() -> bytes:
    """An uncompressed ~20 kB PDF (about what a certificate with QR and logos weighs)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=6)
    for line in range(60):
        pdf.cell(0, 4, f"{line:02d} " + "Zaswiadczenie o ukonczeniu szkolenia " * 7, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _messages(n: int, pdf: bytes):
    from synergia.mail.messages import Attachment, OutgoingMessage

    return [
        OutgoingMessage(
            to=f"uczestnik{i}@example.org",
            subject="Zaświadczenie o ukończeniu szkolenia – Gmina Żółkiewka",
            text=f"Dzień dobry,\nw załączniku zaświadczenie nr SYN/2026/{i:04d}.\n" * 3,
            html=f"<p>Dzień dobry,</p><p>w załączniku zaświadczenie nr <b>SYN/2026/{i:04d}</b>.</p>" * 3,
            attachments=(Attachment(f"zaswiadczenie-SYN-2026-{i:04d}.pdf", pdf),),
        )
        for i in range(n)
    ]


USER, PASSWORD = "bench-relay", "bench-password"


def _client_security(cert: Path | None) -> dict:
    """Transport keyword arguments: plain loopback, or STARTTLS + AUTH trusting the bench certificate."""
    if cert is None:
        return {"security": "none"}
    import ssl

    return {"security": "starttls", "user": USER, "password": PASSWORD, "ssl_context": ssl.create_default_context(cafile=str(cert))}


def bench_register(port: int, messages, cert: Path | None = None) -> tuple[float, int]:
    from config.mail import MailConfig
    from synergia.mail.deliveries import send_pending
    from synergia.mail.queue import enqueue
    from synergia.mail.transports import SmtpTransport
    from synergia.registry.db import Registry

    tmp = Path(tempfile.mkdtemp(prefix="synergia-mailbench-"))
    try:
        reg = Registry(f"sqlite:///{tmp / 'r.db'}")
        with reg.session() as s:
            for i, m in enumerate(messages):
                enqueue(s, project=PROJECT, kind="certificate", key=f"SYN/2026/{i:04d}#r1", message=m, sender=SENDER)
        transport = SmtpTransport(host="127.0.0.1", port=port, sender=SENDER, timeout=30, **_client_security(cert))
        cfg = MailConfig(daily_cap=100_000, batch_size=len(messages) + 1)
        t = time.perf_counter()
        report = send_pending(reg, transport, project=PROJECT, mail_cfg=cfg, sender=SENDER)
        elapsed = time.perf_counter() - t
        assert report.sent == len(messages), report
        reg.dispose()
        return len(messages) / elapsed, report.connections
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_smtplib(port: int, messages) -> float:
    from synergia.mail.mime import build_mime, new_message_id

    mimes = [build_mime(m, message_id=new_message_id(SENDER), sender=SENDER) for m in messages]
    t = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as SmtpTransport does
        for mime in mimes:
            smtp.send_message(mime, SENDER, [str(mime["To"])])
    return len(mimes) / (time.perf_counter() - t)


def bench_yagmail(port: int, messages, pdf: bytes, cert: Path | None = None) -> float:
    import yagmail

    tmp = Path(tempfile.mkdtemp(prefix="synergia-yag-"))
    try:
        paths = []
        for m in messages:
            p = tmp / m.attachments[0].filename
            p.write_bytes(pdf)
            paths.append(p)
        if cert is None:
            yag = yagmail.SMTP(
                user=SENDER,
                host="127.0.0.1",
                port=port,
                smtp_ssl=False,
                smtp_starttls=False,
                smtp_skip_login=True,
                soft_email_validation=False,
            )
        else:
            yag = yagmail.SMTP(
                user=USER,
                password=PASSWORD,
                host="127.0.0.1",
                port=port,
                smtp_ssl=False,
                smtp_starttls={"context": _client_security(cert)["ssl_context"]},
                soft_email_validation=False,
            )
            yag.user = USER  # yagmail would append "@gmail.com" to a login without "@"
        yag.set_logging(None)
        t = time.perf_counter()
        for m, p in zip(messages, paths):
            smtp_before = yag.smtp
            yag.send(to=m.to, subject=m.subject, contents=[m.text], attachments=[str(p)], prettify_html=False)
            if smtp_before is not None:  # send() logged in anew; close the connection it abandoned
                smtp_before.close()
        rate = len(messages) / (time.perf_counter() - t)
        yag.close()
        return rate
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Server:
    """The aiosmtpd server of the tests, in a child process; ``connections()`` asks it for its count."""

    def __init__(self, tls_dir: Path | None = None):
        extra = ["--tls", str(tls_dir)] if tls_dir else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.mail", "--serve", *extra], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.port = int(self.proc.stdout.readline())

    def connections(self) -> int:
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


def serve(tls_dir: str | None) -> None:
    from tests.mail.smtpd import Handler, PasswordAuth, server_tls_context, start_server

    class Counting(Handler):
        async def handle_DATA(self, server, session, envelope):  # count only, keep no copies
            self.data_count += 1
            return "250 OK"

    kwargs = {}
    if tls_dir:
        d = Path(tls_dir)
        kwargs = {
            "tls_context": server_tls_context(d / "cert.pem", d / "key.pem"),
            "require_starttls": True,
            "authenticator": PasswordAuth(USER, PASSWORD),
            "auth_required": True,
        }
    ctl = start_server(Counting(), **kwargs)
    print(ctl.port, flush=True)
    for _line in sys.stdin:
        print(ctl.connections, flush=True)
    ctl.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tls", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.tls)
        return 0

    pdf = _pdf()
    messages = _messages(args.n, pdf)
    few = messages[: max(args.n // 5, 20)]
    server = _Server()
    try:
        plain = max(bench_smtplib(server.port, messages) for _ in range(args.rounds))
        yag = max(bench_yagmail(server.port, few, pdf) for _ in range(args.rounds))
        before = server.connections()
        results = [bench_register(server.port, messages) for _ in range(args.rounds)]
        ours = max(r for r, _ in results)
        conns = {c for _, c in results}
        server_conns = (server.connections() - before) / args.rounds
    finally:
        server.stop()
    # STARTTLS + AUTH, as a real relay (Workspace, a hosting provider) requires: here a login per message hurts.
    from tests.mail.smtpd import make_certificate

    tls_dir = Path(tempfile.mkdtemp(prefix="synergia-mailbench-tls-"))
    cert, _key = make_certificate(tls_dir)
    tls_server = _Server(tls_dir)
    try:
        yag_tls = max(bench_yagmail(tls_server.port, few, pdf, cert) for _ in range(args.rounds))
        ours_tls = max(bench_register(tls_server.port, messages, cert)[0] for _ in range(args.rounds))
    finally:
        tls_server.stop()
        shutil.rmtree(tls_dir, ignore_errors=True)

    print(f"mail: n={args.n} (yagmail: {len(few)}), PDF {len(pdf) // 1000} kB, best of {args.rounds} rounds, cpu={os.cpu_count()}")
    print(f"  yardstick smtplib send_message, one connection: {plain:8.1f} msg/s")
    print(f"  yardstick yagmail send(), reconnect per message: {yag:8.1f} msg/s")
    print(
        f"  send_pending (register + one connection):        {ours:8.1f} msg/s  = {ours / plain:.2f}x smtplib, "
        f"{ours / yag:.1f}x yagmail send()"
    )
    print(f"  connections per run: register {sorted(conns)}, server saw {server_conns:.0f}")
    print("  STARTTLS + AUTH:")
    print(f"  yardstick yagmail send(), TLS + login per message: {yag_tls:8.1f} msg/s")
    print(f"  send_pending, TLS + one login per batch:           {ours_tls:8.1f} msg/s  = {ours_tls / yag_tls:.1f}x yagmail send()")
    ok = min(ours, ours_tls) >= TARGET
    print(f"  target >= {TARGET:.0f} messages/s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
