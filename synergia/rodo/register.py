"""Register of processing activities (art. 30 RODO) generated from the project file: Markdown and PDF, Polish."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings

FIELD_NAMES = {
    "first_name": "imię",
    "last_name": "nazwisko",
    "email": "adres e-mail",
    "phone": "numer telefonu",
    "pesel": "numer PESEL",
    "birth_date": "data urodzenia",
    "gender": "płeć",
    "street": "ulica",
    "postal_code": "kod pocztowy",
    "city": "miejscowość",
    "gmina": "gmina",
    "organisation": "organizacja",
    "organisation_type": "typ organizacji",
    "category": "kategoria uczestnika",
    "submitted_at": "data zgłoszenia",
    "session": "obecność na sesjach",
    "hours": "liczba godzin doradztwa",
    "date": "data udziału",
    "event": "wydarzenie",
    "notes": "uwagi",
}


def mapped_fields(project: ProjectConfig) -> list[str]:
    seen: list[str] = []
    for s in project.sources:
        for target in s.columns.values():
            if not target.startswith("consent.") and target not in seen:
                seen.append(target)
        if s.sessions and "session" not in seen:
            seen.append("session")
    return seen


def _legal_basis(project: ProjectConfig) -> str:
    text = f"{project.funder.name} {project.funder.programme or ''}".lower()
    if any(w in text for w in ("europejsk", "efs", "fundusze europejskie", "ue")):
        return (
            "art. 6 ust. 1 lit. c RODO (obowiązek prawny beneficjenta funduszy UE), art. 9 ust. 2 lit. g "
            "i art. 10 RODO w zakresie danych szczególnych kategorii"
        )
    return "art. 6 ust. 1 lit. b RODO (umowa udziału w projekcie) oraz art. 6 ust. 1 lit. a RODO (zgoda)"


def build_markdown(project: ProjectConfig, *, settings: Settings = None) -> str:
    from config.settings import get_settings

    settings = settings or get_settings()
    fields = mapped_fields(project)
    pesel = "pesel" in fields
    keep = project.retention.keep_until(project.period.end)
    consents = sorted({(s.id, s.consent_version or "—") for s in project.sources if s.required_consents})
    sheets = project.spreadsheet.backend or settings.sheets_backend
    recipients = []
    if settings.mail_backend == "smtp":
        recipients.append(f"operator poczty (serwer SMTP {settings.smtp_host}) — wysyłka zaświadczeń i podsumowań")
    else:
        recipients.append("brak operatora poczty: wiadomości zapisywane lokalnie (outbox)")
    if sheets == "gsheets" or settings.storage_backend == "gdrive":
        recipients.append("Google (Google Workspace: Arkusze Google / Dysk Google) — podmiot przetwarzający")
    else:
        recipients.append("brak: arkusze i pliki przechowywane lokalnie")
    if project.recipients.coordinators:
        recipients.append(f"koordynatorzy projektu ({len(project.recipients.coordinators)} os.) — wyłącznie liczby wskaźników")
    recipients.append(f"instytucja finansująca: {project.funder.name} (sprawozdawczość)")
    lines = [
        f"# Rejestr czynności przetwarzania (art. 30 RODO) — {project.name}",
        "",
        f"*Wygenerowano z pliku projektu `{project.slug}`. Dane w rejestrze: brak danych osobowych uczestników.*",
        "",
        "## 1. Administrator",
        f"{project.organiser.name}" + (f", {project.organiser.address}" if project.organiser.address else ""),
        "",
        "## 2. Cele przetwarzania",
        f"- rekrutacja i obsługa uczestników projektu „{project.name}” ({project.period.start:%d.%m.%Y}–{project.period.end:%d.%m.%Y});",
        "- ewidencja obecności i udzielonego wsparcia;",
        "- wydawanie i weryfikacja zaświadczeń ukończenia szkoleń" if project.certificates else "- (projekt nie wydaje zaświadczeń)",
        "- sprawozdawczość wskaźników dla instytucji finansującej;",
        "- wykrywanie podwójnych zgłoszeń (deduplikacja).",
        "",
        f"Podstawa prawna: {_legal_basis(project)}.",
        "",
        "## 3. Kategorie osób",
        "- uczestnicy projektu (kandydaci i osoby objęte wsparciem);",
        "- koordynatorzy projektu (odbiorcy podsumowań).",
        "",
        "## 4. Kategorie danych (pola faktycznie mapowane w formularzach)",
        *[f"- {FIELD_NAMES.get(f, f)}" for f in fields],
        *(["- treść i wersja wyrażonych zgód: " + ", ".join(f"{sid} (wersja {v})" for sid, v in consents)] if consents else []),
        "",
        (
            "Numer PESEL: "
            + (
                "sprawdzany i używany wyłącznie w pamięci, **nie jest zapisywany** (`pesel: discard`)."
                if getattr(project, "pesel", "store") == "discard"
                else "zapisywany w rejestrze."
            )
        )
        if pesel
        else "Numer PESEL: **nie jest zbierany** (żadne źródło go nie mapuje).",
        "",
        "## 5. Odbiorcy",
        *[f"- {r}" for r in recipients],
        "",
        "## 6. Przekazywanie do państw trzecich",
        "- Google LLC (jeśli używane Arkusze/Dysk Google): na podstawie standardowych klauzul umownych / EU-US Data Privacy Framework."
        if sheets == "gsheets" or settings.storage_backend == "gdrive"
        else "- brak.",
        "",
        "## 7. Okres przechowywania",
        f"- dane uczestników: do {keep:%d.%m.%Y}, potem anonimizacja automatyczna (przebieg nocny)"
        if keep
        else "- dane uczestników: okres nie został określony w pliku projektu (`retention:`) — uzupełnij",
        f"- treść wysłanych wiadomości e-mail: {project.retention.mail_body_days} dni od wysłania"
        if project.retention.mail_body_days is not None
        else "- treść wysłanych wiadomości e-mail: bez limitu — uzupełnij",
        "- dziennik audytu: bez danych osobowych, przechowywany bezterminowo.",
        "",
        "## 8. Środki bezpieczeństwa (art. 32)",
        "- dane osobowe wyłącznie w rejestrze (baza danych) — nigdy w logach, artefaktach ani parametrach przebiegów;",
        "- pliki zaświadczeń i eksportów z uprawnieniami tylko dla właściciela (0600);",
        "- dziennik audytu eksportów, usunięć, decyzji personelu i unieważnień (tylko do dopisywania);",
        "- usunięcie osoby (`synergia erase`) obejmuje rejestr, pliki, wiadomości i zakładki; po usunięciu baza jest "
        "kompaktowana (SQLite: secure_delete, VACUUM, checkpoint WAL; PostgreSQL: VACUUM);",
        "- blokada ponownego importu osoby usuniętej (skróty solone, sól poza bazą danych);",
        "- sekrety (hasło SMTP, klucz Google) tylko w zmiennych środowiskowych lub blokach Prefect Secret.",
        "",
    ]
    return "\n".join(lines)


def markdown_to_pdf(markdown: str) -> bytes:
    from synergia.rodo.pdf import new_document
    from synergia.rodo.pdf import paragraph as _mc

    pdf = new_document()
    for line in markdown.splitlines():
        plain = line.replace("**", "").replace("`", "").replace("*", "")
        if line.startswith("# "):
            pdf.set_font("lato", "B", 14)
            _mc(pdf, 8, plain[2:])
        elif line.startswith("## "):
            pdf.ln(2)
            pdf.set_font("lato", "B", 12)
            _mc(pdf, 7, plain[3:])
        elif not line.strip():
            pdf.ln(2)
        else:
            pdf.set_font("lato", "", 10)
            _mc(pdf, 5, plain.replace("- ", "• ", 1) if plain.startswith("- ") else plain)
    return bytes(pdf.output())


def write_register(project: ProjectConfig, out_dir: Path, *, settings: Settings = None) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md = build_markdown(project, settings=settings)
    paths = [out_dir / f"rejestr-czynnosci-{project.slug}.md", out_dir / f"rejestr-czynnosci-{project.slug}.pdf"]
    paths[0].write_text(md, encoding="utf-8")
    paths[1].write_bytes(markdown_to_pdf(md))
    return paths
