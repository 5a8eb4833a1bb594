"""Certificates into a Google Drive folder: the real Drive adapter over a socket, against the project's emulator."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from config.settings import Settings
from synergia.certificates.service import issue_certificates, today_in
from synergia.runtime import storage as get_storage


@pytest.mark.slow
def test_issue_into_drive_folder_once_and_reissue_in_place(registry, project, seed, socket_emulator, socket_key):
    emu, url = socket_emulator
    folder = emu.create_folder("Zaświadczenia 2026")
    settings = Settings(
        storage_backend="gdrive", gdrive_folder_id=folder, google_credentials=str(socket_key), google_api_url=url, google_timeout=5.0
    )
    storage = get_storage(settings)
    a = seed.person("Ewa", "Ślązak", "ewa@example.org", "K")
    seed.attend(a, "rada", [1])
    b = seed.person("Józef", "Bąk", "jozef@example.org", "M")
    seed.attend(b, "rada", [1])

    counts = issue_certificates(registry, project, storage)
    assert (counts.issued_new, counts.pdfs_stored, counts.mails_queued) == (2, 2, 2)
    files = {f.name: f for f in emu.files.values() if f.parents == [folder]}
    year = today_in(project.timezone).year
    first, second = (f"cert-test/rada/zaswiadczenie-SYN-{year}-000{i}.pdf" for i in (1, 2))
    assert sorted(files) == [first, second]  # numbered in person order
    text = {name: " ".join(PdfReader(io.BytesIO(f.content)).pages[0].extract_text().split()) for name, f in files.items()}
    assert "Ewa Ślązak" in text[first] and "Józef Bąk" in text[second] and "Józef" not in text[first]
    assert all(f.mime_type == "application/pdf" for f in files.values())

    again = issue_certificates(registry, project, storage)
    assert (again.issued_new, again.pdfs_stored) == (0, 0)
    assert len([f for f in emu.files.values() if f.parents == [folder]]) == 2

    seed.rename(a, "Ewa", "Ślązak-Nowak")
    fixed = issue_certificates(registry, project, storage)
    assert (fixed.reissued, fixed.pdfs_stored) == (1, 1)
    names = sorted(f.name for f in emu.files.values() if f.parents == [folder])
    assert names == sorted([first, second, first.replace(".pdf", "-r2.pdf")])
