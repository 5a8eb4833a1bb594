"""Polish mail templates and the mail migration matching its table models."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from synergia.mail.templating import render_mail
from synergia.registry.base import Base


def test_render_mail_polish_dates_and_escaping(tmp_path):
    (tmp_path / "powitanie_subject.txt.j2").write_text("Zaproszenie:\n  {{ tytul }}\n", encoding="utf-8")
    (tmp_path / "powitanie.txt.j2").write_text("Dzień dobry {{ imie }},\nszkolenie {{ dzien|data }}.\n", encoding="utf-8")
    (tmp_path / "powitanie.html.j2").write_text("<p>Dzień dobry {{ imie }}, {{ dzien|data }}</p>\n", encoding="utf-8")
    subject, text, html = render_mail(
        "powitanie", {"tytul": "Rada & Gmina", "imie": "Łucja <O'Brien>", "dzien": date(2026, 3, 5)}, directory=tmp_path
    )
    assert subject == "Zaproszenie: Rada & Gmina"
    assert text == "Dzień dobry Łucja <O'Brien>,\nszkolenie 5 marca 2026.\n"
    assert html == "<p>Dzień dobry Łucja &lt;O&#39;Brien&gt;, 5 marca 2026</p>\n"


def test_mail_migration_matches_models(registry):
    with registry.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    def touches_mail(diff) -> bool:
        text = repr(diff)
        return "mail_deliver" in text

    assert [d for d in diffs if touches_mail(d)] == []
