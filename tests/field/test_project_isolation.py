"""Two projects with the same people in one registry stay apart (issue 17, item 4).

Two project files that differ only in slug (and certificate prefix) point to
their own workbooks with the same content (own values: a form, a two-day
workshop list, one person typed twice). The real nightly flow runs for A, then
for B, on SQLite and on PostgreSQL. Each project has its own persons (no shared
id), applications, certificates (each numbered from 1), mail deliveries and
indicator counts, all equal in number; and running B leaves every row of A
exactly as it was (A's rows dumped before and after).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.field._build import form_table, people, project_data, write_workbook

LIST_COLUMNS = {"Imię": "first_name", "Nazwisko": "last_name", "E-mail": "email"}
ATTENDANCE = {
    "id": "lista",
    "kind": "attendance",
    "worksheet": "Lista obecności",
    "event": "warsztat-1",
    "columns": LIST_COLUMNS,
    "sessions": {"Dzień 1": 1, "Dzień 2": 2},
}


def _project_file(folder: Path, slug: str, prefix: str) -> Path:
    data = project_data(extra_sources=[ATTENDANCE])
    data.update(slug=slug, name=f"Projekt {slug}", spreadsheet={"id": f"{slug}.xlsx"})
    data["certificates"] = {
        "prefix": prefix,
        "cycles": [{"id": "warsztaty", "title": "Warsztaty lokalne", "events": ["warsztat-1"], "rule": {"min_attendance_ratio": 1.0}}],
    }
    data["indicators"] = [
        {"id": "uczestnicy", "name": "Uczestnicy warsztatu", "kind": "persons", "target": 10, "filters": {"event_type": "warsztat"}},
        {
            "id": "ukonczenie",
            "name": "Ukończyli warsztaty",
            "kind": "persons",
            "target": 5,
            "filters": {"completed": True, "cycle": "warsztaty"},
        },
    ]
    path = folder / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _workbook(path: Path) -> None:
    """The same content for both projects: 6 people, one of them registered twice (typed differently)."""
    crowd = people(6, seed=4)
    again = dict(crowd[2], **{"Sygnatura czasowa": "29.04.2026 18:02:11", "Nazwisko": crowd[2]["Nazwisko"].upper()})
    rows = [{"Imię": p["Imię"], "Nazwisko": p["Nazwisko"], "E-mail": p["Adres e-mail"]} for p in crowd[:5]]
    listing = [list(LIST_COLUMNS) + ["Dzień 1", "Dzień 2"]]
    listing += [[r["Imię"], r["Nazwisko"], r["E-mail"], "x", "x" if i != 4 else ""] for i, r in enumerate(rows)]
    write_workbook(path, {"Odpowiedzi": form_table(crowd + [again]), "Lista obecności": listing})


def _dump(session: Session, slug: str) -> dict[str, list[tuple]]:
    """Every registry row of one project, as plain tuples (ids included, timestamps included)."""
    import synergia.registry.all_tables  # noqa: F401
    from synergia.registry.base import Base

    out: dict[str, list[tuple]] = {}
    for table in Base.metadata.sorted_tables:
        if "project" in table.c:
            rows = session.execute(select(table).where(table.c.project == slug).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]

    def ids(name: str) -> list[int]:
        position = list(Base.metadata.tables[name].c.keys()).index("id")
        return [r[position] for r in out[name]]

    apps, certs, deliveries = ids("applications"), ids("certificates"), ids("mail_deliveries")
    assert apps and certs and deliveries
    children = {
        "application_versions": ("application_id", apps),
        "dedupe_seen": ("application_id", apps),
        "certificate_revisions": ("certificate_id", certs),
        "mail_delivery_parts": ("delivery_id", deliveries),
    }
    for name, (column, ids) in children.items():
        table = Base.metadata.tables[name]
        rows = session.execute(select(table).where(table.c[column].in_(ids)).order_by(*table.primary_key.columns))
        out[name] = [tuple(r) for r in rows]
    assert out["certificate_revisions"] and out["mail_delivery_parts"]
    return out


def _indicators(session: Session, path: Path) -> dict[str, float | None]:
    from synergia.indicators.compute import compute_all
    from synergia.indicators.facts import load_facts
    from synergia.indicators.months import Month
    from synergia.runtime import project

    cfg = project(path)
    facts = load_facts(session, cfg, manual=None)
    results = compute_all(cfg.indicators, facts, Month.of(date.today()), cfg.period.start, cfg.period.end)
    return {r.id: r.cumulative for r in results} | {"persons": len(facts.persons), "certificates": len(facts.certificates or ())}


@pytest.mark.prefect
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_projects_with_the_same_people_stay_apart(
    backend: str, prefect_harness, synergia_env: Path, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import reset_settings_cache
    from flows.nightly import nightly
    from synergia import runtime
    from synergia.registry.tables import Application, Person
    from synergia.registry.tables_certificates import Certificate
    from synergia.registry.tables_mail import MailDelivery

    if backend == "postgresql":
        monkeypatch.setenv("SYNERGIA_DATABASE_URL", request.getfixturevalue("pg_database"))
        reset_settings_cache()
        runtime.reset()
    path_a = _project_file(tmp_path, "projekt-a", "PA")
    path_b = _project_file(tmp_path, "projekt-b", "PB")
    _workbook(synergia_env / "projekt-a.xlsx")
    _workbook(synergia_env / "projekt-b.xlsx")

    first_a = nightly(project_path=str(path_a))
    with runtime.registry().session() as s:
        before = _dump(s, "projekt-a")
        indicators_a = _indicators(s, path_a)
    assert before["persons"] and before["certificates"] and before["mail_deliveries"], "A must have something to protect"

    first_b = nightly(project_path=str(path_b))
    with runtime.registry().session() as s:
        after = _dump(s, "projekt-a")
        mine = _dump(s, "projekt-b")
        indicators_b = _indicators(s, path_b)
        assert after == before, "running project B changed project A's rows"
        assert _indicators(s, path_a) == indicators_a

        # the same people, counted separately: same numbers, nothing shared
        for counts in (first_a, first_b):
            assert counts["accepted"] == 12 and counts["quarantined"] == 0
        assert {k: len(v) for k, v in mine.items()} == {k: len(v) for k, v in before.items()}
        pid = list(Person.__table__.c.keys()).index("id")
        persons_a, persons_b = {r[pid] for r in before["persons"]}, {r[pid] for r in mine["persons"]}
        assert persons_a.isdisjoint(persons_b)
        for slug, own in (("projekt-a", persons_a), ("projekt-b", persons_b)):
            linked = set(s.scalars(select(Application.person_id).where(Application.project == slug)))
            assert linked <= own  # an application only ever points to a person of its own project
            assert set(s.scalars(select(Person.project).where(Person.id.in_(linked)))) == {slug}
        live_b = set(s.scalars(select(Application.person_id).where(Application.project == "projekt-b", Application.active.is_(True))))
        assert len(live_b) == 6  # dedupe merged within B: the double registration, the list rows

        cert_cols = [c.name for c in Certificate.__table__.c]
        number, person = cert_cols.index("number"), cert_cols.index("person_id")
        numbers_a = sorted(r[number] for r in before["certificates"])
        numbers_b = sorted(r[number] for r in mine["certificates"])
        assert numbers_a == [f"PA/{date.today().year}/{i:04d}" for i in range(1, len(numbers_a) + 1)]
        assert numbers_b == [n.replace("PA/", "PB/") for n in numbers_a]  # B numbered from 1, not after A's
        assert {r[person] for r in mine["certificates"]} <= persons_b
        assert indicators_b == indicators_a and indicators_a["persons"] == len(live_b) == 6
        assert len(numbers_a) == 4 and indicators_a["certificates"] == 4  # the fifth missed day 2
        assert indicators_a["uczestnicy"] > 0

    mail_cols = [c.name for c in MailDelivery.__table__.c]
    status, key = mail_cols.index("status"), mail_cols.index("key")
    assert [r[status] for r in mine["mail_deliveries"]] == ["sent"] * len(numbers_b)
    assert sorted(r[key].split("/", 1)[1] for r in mine["mail_deliveries"]) == sorted(
        r[key].split("/", 1)[1] for r in before["mail_deliveries"]
    )

    again_a = nightly(project_path=str(path_a))  # A's next night: nothing of B is picked up
    assert again_a["new"] == again_a["changed"] == 0
    with runtime.registry().session() as s:
        assert _dump(s, "projekt-b") == mine
