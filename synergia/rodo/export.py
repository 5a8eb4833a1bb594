"""Art. 15: everything Synergia holds about one person, as JSON, readable HTML and PDF (files 0600)."""

from __future__ import annotations

import html
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.registry.tables import Event
from synergia.rodo.locate import holdings

if TYPE_CHECKING:
    from config.project import ProjectConfig

FIELD_LABELS = {
    "first_name": "Imię",
    "last_name": "Nazwisko",
    "email": "E-mail",
    "phone": "Telefon",
    "pesel": "PESEL",
    "birth_date": "Data urodzenia",
    "gender": "Płeć",
    "street": "Ulica",
    "postal_code": "Kod pocztowy",
    "city": "Miejscowość",
    "gmina": "Gmina",
    "organisation": "Organizacja",
    "organisation_type": "Typ organizacji",
    "category": "Kategoria",
    "submitted_at": "Data zgłoszenia",
    "event": "Wydarzenie",
    "sessions": "Sesje",
    "hours": "Godziny",
    "date": "Data",
    "consents": "Zgody",
    "notes": "Uwagi",
    "no_pesel": "Brak PESEL",
    "pesel_key": "Skrót PESEL (klucz, nie sam numer)",
}


def _j(v: object) -> object:
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def collect(session: Session, project: ProjectConfig, person_id: int) -> dict:
    h = holdings(session, project.slug, person_id)
    events = {e.id: e.title for e in session.scalars(select(Event).where(Event.project == project.slug))}
    apps = sorted(h.applications, key=lambda a: a.id)
    return {
        "administrator": project.organiser.name,
        "projekt": project.name,
        "osoba_id": person_id,
        "wygenerowano": datetime.now().replace(microsecond=0).isoformat(),
        "zgloszenia": [
            {
                "id": a.id,
                "zrodlo": a.source_id,
                "arkusz": a.worksheet,
                "wiersz": a.row_number,
                "rodzaj": a.kind,
                "aktywne": a.active,
                "wersja": a.version,
                "pierwszy_raz": _j(a.first_seen_at),
                "zmienione": _j(a.updated_at),
                "dane": a.data or {},
            }
            for a in apps
        ],
        "poprzednie_wersje": [
            {"zgloszenie": v.application_id, "wersja": v.version, "od": _j(v.valid_from), "do": _j(v.valid_to), "dane": v.data or {}}
            for v in sorted(h.versions, key=lambda v: v.id)
        ],
        "obecnosci": [
            {"wydarzenie": events.get(x.event_id, x.event_id), "sesja": x.session_no, "godziny": x.hours, "dzien": _j(x.attended_on)}
            for x in sorted(h.attendance, key=lambda x: x.id)
        ],
        "kwarantanna": [
            {
                "zrodlo": q.source_id,
                "arkusz": q.worksheet,
                "wiersz": q.row_number,
                "przyczyny": list(q.reason_codes or []),
                "otwarte": q.resolved_at is None,
            }
            for q in h.quarantine
        ],
        "deduplikacja": [{"polaczenie": m.reason, "kiedy": _j(m.created_at), "cofniete": _j(m.undone_at)} for m in h.merges],
        "zaswiadczenia": [
            {
                "numer": c.number,
                "cykl": c.cycle,
                "status": c.status,
                "powod_uniewaznienia": c.revoke_reason,
                "wydania": [{"wydanie": r.revision, "wydano": _j(r.issued_on), "dane": r.data or {}} for r in c.revisions],
            }
            for c in h.certificates
        ],
        "wiadomosci": [
            {
                "rodzaj": d.kind,
                "status": d.status,
                "odbiorca": d.recipient,
                "temat": d.subject,
                "wyslano": _j(d.sent_at),
                "tresc_usunieta": d.purged_at is not None,
            }
            for d in h.deliveries
        ],
    }


def _private_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def _value(v: object) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, bool):
        return "tak" if v else "nie"
    return "" if v is None else str(v)


def _sections(doc: dict) -> list[tuple[str, list[dict]]]:
    def flat(item: dict) -> dict:
        out = {}
        for k, v in item.items():
            if k == "dane" and isinstance(v, dict):
                out.update({FIELD_LABELS.get(f, f): x for f, x in v.items()})
            else:
                out[k] = v
        return out

    return [
        ("Zgłoszenia (applications)", [flat(x) for x in doc["zgloszenia"]]),
        ("Poprzednie wersje zgłoszeń (previous versions)", [flat(x) for x in doc["poprzednie_wersje"]]),
        ("Obecności (attendance)", doc["obecnosci"]),
        ("Wiersze odrzucone (quarantined rows)", doc["kwarantanna"]),
        ("Połączenia zgłoszeń (deduplication)", doc["deduplikacja"]),
        (
            "Zaświadczenia (certificates)",
            [
                {**{k: v for k, v in c.items() if k != "wydania"}, **{f"wydanie {r['wydanie']}": r for r in c["wydania"]}}
                for c in doc["zaswiadczenia"]
            ],
        ),
        ("Wiadomości e-mail (e-mails)", doc["wiadomosci"]),
    ]


def to_html(doc: dict) -> str:
    e = html.escape
    parts = [
        '<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>Dane osobowe — kopia (art. 15 RODO)</title>',
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}</style></head><body>",
        f"<h1>Kopia danych osobowych (art. 15 RODO)</h1><p>Administrator: {e(doc['administrator'])}<br>"
        f"Projekt: {e(doc['projekt'])}<br>Identyfikator osoby: {doc['osoba_id']}<br>Wygenerowano: {e(doc['wygenerowano'])}</p>",
    ]
    for title, items in _sections(doc):
        parts.append(f"<h2>{e(title)}</h2>")
        if not items:
            parts.append("<p>brak (none)</p>")
        for item in items:
            parts.append("<table>" + "".join(f"<tr><th>{e(str(k))}</th><td>{e(_value(v))}</td></tr>" for k, v in item.items()) + "</table>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(doc: dict) -> bytes:
    from synergia.rodo.pdf import new_document
    from synergia.rodo.pdf import paragraph as _mc

    pdf = new_document()
    pdf.set_font("lato", "B", 14)
    _mc(pdf, 8, "Kopia danych osobowych (art. 15 RODO)")
    pdf.set_font("lato", "", 10)
    _mc(
        pdf,
        5,
        f"Administrator: {doc['administrator']}\nProjekt: {doc['projekt']}\n"
        f"Identyfikator osoby: {doc['osoba_id']}\nWygenerowano: {doc['wygenerowano']}",
    )
    for title, items in _sections(doc):
        pdf.ln(3)
        pdf.set_font("lato", "B", 12)
        _mc(pdf, 7, title)
        pdf.set_font("lato", "", 9)
        if not items:
            _mc(pdf, 5, "brak (none)")
        for item in items:
            for k, v in item.items():
                _mc(pdf, 4.5, f"{k}: {_value(v)}")
            pdf.ln(2)
    return bytes(pdf.output())


def write_export(doc: dict, out_dir: Path, *, pdf: bool = True) -> list[Path]:
    """JSON + HTML (+ PDF) into ``out_dir``, each readable by the owner only. Returns the paths."""
    out_dir = Path(out_dir)
    stem = f"osoba-{doc['osoba_id']}"
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.html"]
    _private_write(paths[0], json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
    _private_write(paths[1], to_html(doc).encode("utf-8"))
    if pdf:
        paths.append(out_dir / f"{stem}.pdf")
        _private_write(paths[2], to_pdf(doc))
    return paths
