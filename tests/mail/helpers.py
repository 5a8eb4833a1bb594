"""Builders shared by the mail tests: real PDFs and enqueued deliveries."""

from __future__ import annotations

from functools import cache

from config.mail import MailConfig
from synergia.mail.messages import Attachment, OutgoingMessage
from synergia.mail.queue import enqueue

PROJECT = "proj-test"
SENDER = "biuro@fundacja.example.org"
SUBJECT = "Zaświadczenie o ukończeniu szkolenia – Gmina Żółkiewka"


@cache
def tiny_pdf(label: str) -> bytes:
    from fpdf import FPDF  # lazy: the crash subprocess must start fast

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"Certificate {label}")
    return bytes(pdf.output())


def message(i: int, to: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        to=to or f"uczestnik{i}@example.org",
        subject=SUBJECT,
        text=f"Dzień dobry,\nw załączniku zaświadczenie nr SYN/2026/{i:04d}.\n",
        html=f"<p>Dzień dobry,</p><p>w załączniku zaświadczenie nr <b>SYN/2026/{i:04d}</b>.</p>",
        attachments=(Attachment(f"zaswiadczenie-SYN-2026-{i:04d}.pdf", tiny_pdf(f"SYN/2026/{i:04d}")),),
    )


def enqueue_many(registry, n: int, *, project: str = PROJECT, start: int = 1, to: dict[int, str] | None = None) -> list[int]:
    ids = []
    with registry.session() as s:
        for i in range(start, start + n):
            ids.append(
                enqueue(
                    s, project=project, kind="certificate", key=f"SYN/2026/{i:04d}#r1", message=message(i, (to or {}).get(i)), sender=SENDER
                )
            )
    return ids


def cfg(**kw) -> MailConfig:
    base = dict(retry_backoff_seconds=0.01, sender_name="Fundacja Świętokrzyska")
    base.update(kw)
    return MailConfig(**base)
