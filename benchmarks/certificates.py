"""Certificates per second with QR in one process, against yardsticks run in the same process.

Yardsticks:
- ``naive``: what a straightforward fpdf2 loop does — one document per person with the
  embedded Lato font and the same text, but no QR (the font subsetting per document
  is what makes it slow);
- ``qr``: segno alone making the QR codes (the floor for anything that draws them).

Measured:
- ``render``: CertificateRenderer.render_batch (batched layout + split, vector QR);
- ``full run``: issue_certificates on a fresh SQLite registry — eligibility, register,
  PDFs into local storage, one queued mail per certificate.

Usage: python -m benchmarks.certificates [--n 400] [--rounds 3]; target >= 50 certificates/s.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

TARGET = 50.0
ROOT = Path(__file__).resolve().parent.parent
PROJECT_YAML = ROOT / "tests" / "certificates" / "project.yaml"


def _contents(n: int):
    from synergia.certificates.pdf import CertificateContent

    return [
        CertificateContent(
            number=f"SYN/2026/{i:04d}", revision=1, verification_code=f"code{i:012d}",
            verification_url=f"https://weryfikacja.example.org/z/code{i:012d}", issue_date=date(2026, 4, 10),
            name=f"Zażółć Gęślą-Jaźń {i}", gender="K" if i % 2 else "M", title="Design Thinking w samorządzie",
            dates=(date(2026, 3, 12), date(2026, 3, 19)), hours=20, programme=("Empatia", "Prototypowanie"),
            places=("Lublin",),
        )
        for i in range(n)
    ]


def naive(contents) -> float:
    import font_lato
    from fpdf import FPDF

    t = time.perf_counter()
    for c in contents:
        pdf = FPDF()
        pdf.add_font("Lato", "", font_lato.font_files["Lato"])
        pdf.add_font("Lato", "B", font_lato.font_files["LatoBold"])
        pdf.add_page()
        pdf.set_font("Lato", "B", 28)
        pdf.cell(0, 20, "ZAŚWIADCZENIE", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Lato", "", 13)
        pdf.multi_cell(0, 8, f"Zaświadcza się, że {c.name} ukończył(a) szkolenie „{c.title}” nr {c.number}.", align="C")
        pdf.output()
    return len(contents) / (time.perf_counter() - t)


def qr_only(contents) -> float:
    import segno

    t = time.perf_counter()
    for c in contents:
        segno.make(c.verification_url, error="m", micro=False).matrix  # noqa: B018
    return len(contents) / (time.perf_counter() - t)


def render(project, contents) -> float:
    from synergia.certificates.pdf import CertificateRenderer

    renderer = CertificateRenderer(project)
    t = time.perf_counter()
    for start in range(0, len(contents), 100):
        renderer.render_batch(contents[start:start + 100])
    return len(contents) / (time.perf_counter() - t)


def full_run(project, n: int) -> float:
    from synergia.certificates.service import issue_certificates
    from synergia.registry.db import Registry
    from synergia.storage.local import LocalStorage
    from tests.certificates.conftest import Seeder

    tmp = Path(tempfile.mkdtemp(prefix="synergia-bench-"))
    try:
        registry = Registry(f"sqlite:///{tmp / 'b.db'}")
        seed = Seeder(registry)
        for i in range(n):
            pid = seed.person(f"Osoba{i}", "Żółkiewska", f"o{i}@example.org", "K")
            seed.attend(pid, "rada", [1])
        t = time.perf_counter()
        counts = issue_certificates(registry, project, LocalStorage(tmp / "certs"))
        elapsed = time.perf_counter() - t
        assert counts.issued_new == n and counts.mails_queued == n, counts
        registry.dispose()
        return n / elapsed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from config.project import load_project

    project = load_project(PROJECT_YAML)
    contents = _contents(args.n)
    # Other work shares the machine: alternate the measurements and keep each one's best round.
    rates: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, fn in (("naive", lambda: naive(contents[: max(args.n // 4, 20)])), ("qr", lambda: qr_only(contents)),
                         ("render", lambda: render(project, contents)), ("full", lambda: full_run(project, args.n))):
            rates[name] = max(rates.get(name, 0.0), fn())
    naive_rate, qr_rate, render_rate, full_rate = rates["naive"], rates["qr"], rates["render"], rates["full"]
    print(f"certificates: n={args.n}, best of {args.rounds} rounds")
    print(f"  yardstick naive fpdf2 (one document each, no QR): {naive_rate:8.1f} /s")
    print(f"  yardstick segno QR matrices only:                  {qr_rate:8.1f} /s")
    print(f"  render with QR (batched + split):                  {render_rate:8.1f} /s  "
          f"= {render_rate / naive_rate:.1f}x naive, {render_rate / qr_rate:.2f}x QR-only")
    print(f"  full run (register + PDF + storage + mail queue):  {full_rate:8.1f} /s  = {full_rate / naive_rate:.1f}x naive")
    ok = min(render_rate, full_rate) >= TARGET
    print(f"  target >= {TARGET:.0f} certificates/s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
