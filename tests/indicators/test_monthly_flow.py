"""The monthly flow on a seed project's demo data, checked against an independent recount.

The recount reads the generated workbook with pandas and redoes the counting
from the raw rows: its own parsing of dates, answers and attendance marks,
its own month windows. Only *who is who* is taken from the registry (the
deduplicated person of each accepted row, and which rows were accepted) —
that is the registry's decision, not the indicators'.
"""

from __future__ import annotations

import email
import io
import re
from collections import defaultdict
from datetime import date, datetime
from email import policy
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from config.indicators import MANUAL_TAB
from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook
from synergia.indicators.months import Month
from tests.foundation.test_nightly_flow import _personal_values

SEED = PROJECTS_DIR / "wspolpraca-sie-oplaca.yaml"
GENDER = {"Kobieta": "K", "Mężczyzna": "M"}
ORG_TYPE = {  # the generator's answers, read back independently of the validators
    "Organizacja pozarządowa": "NGO",
    "Jednostka samorządu terytorialnego": "JST",
    "Rada (seniorów, młodzieżowa, pożytku publicznego)": "rada",
    "Grupa nieformalna": "grupa nieformalna",
    "Inna": "inna",
}
PRESENT = {"x", "tak", "✓"}


def _num(text: str) -> float:
    return float(str(text).replace(",", ".").replace(" ", ""))


def _pesel_gender(pesel: str) -> str | None:
    """10th digit even = woman (the sheet may have dropped a leading zero)."""
    digits = re.sub(r"\D", "", pesel).zfill(11)
    return ("M" if int(digits[9]) % 2 else "K") if pesel.strip() else None


def _pl(value: float) -> str:
    """Polish rendering of a number as the tab shows it (independent of babel)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ").replace(".", ",")
    return text


def recount(cfg, workbook: Path, registry_rows: dict, month_end: date, month_start: date) -> dict[str, tuple]:
    """(month value, cumulative) per indicator id, plus gender for persons, from the raw rows."""
    tabs = pd.read_excel(workbook, sheet_name=None, dtype=str, keep_default_na=False)
    rows = []  # (person, app_id, day, kind, event, fields)
    for src in cfg.sources:
        df = tabs[src.worksheet]
        by_field = {target: header for header, target in src.columns.items()}
        ev = cfg.event(src.event) if src.event else None
        for i, rec in df.iterrows():
            key = (src.id, i + 2)
            if key not in registry_rows:
                continue  # quarantined or empty row
            app_id, person = registry_rows[key]
            fields = {f: rec.get(h, "").strip() for f, h in by_field.items()}
            if src.kind == "recruitment":
                day = datetime.strptime(fields["submitted_at"], "%d.%m.%Y %H:%M:%S").date()
                rows.append((person, app_id, day, "rec", None, fields, None))
            elif src.kind == "advisory":
                day = datetime.strptime(fields["date"], "%d.%m.%Y").date()
                rows.append((person, app_id, day, "part", ev.id, fields, _num(fields["hours"])))
            else:
                dates = sorted(ev.dates)
                sessions = [n for h, n in src.sessions.items() if rec.get(h, "").strip().lower() in PRESENT] if src.sessions else [1]
                for n in sessions:
                    rows.append((person, app_id, dates[n - 1] if n <= len(dates) else dates[0], "part", ev.id, fields, None))
    # entry characteristics: first non-empty value over the person's rows ordered by (row's first day, app id)
    app_day: dict[int, date] = {}
    for _person, app_id, day, *_ in rows:
        app_day[app_id] = min(day, app_day.get(app_id, day))
    entry: dict[int, dict] = defaultdict(dict)
    for person, _app_id, _day, _kind, _ev, fields, _h in sorted(rows, key=lambda r: (app_day[r[1]], r[1])):
        for name, value in (
            ("gender", GENDER.get(fields.get("gender", "")) or _pesel_gender(fields.get("pesel", ""))),
            ("type", ORG_TYPE.get(fields.get("organisation_type", ""))),
            ("org", fields.get("organisation") or None),
            ("gmina", fields.get("gmina") or None),
            ("category", fields.get("category") or None),
        ):
            if value and name not in entry[person]:
                entry[person][name] = value
    parts: dict[int, list[tuple[date, str]]] = defaultdict(list)
    attendees: dict[str, set] = defaultdict(set)
    hours: list[tuple[date, str, float]] = []
    for person, _a, day, kind, ev, _f, h in rows:
        if kind == "part":
            parts[person].append((day, ev))
            attendees[ev].add(person)
            if h is not None:
                hours.append((day, ev, h))
    events = {e.id: e for e in cfg.events}
    manual = tabs.get(MANUAL_TAB, pd.DataFrame(columns=["Wskaźnik", "Data", "Wartość"]))
    manual = manual.assign(day=pd.to_datetime(manual["Data"], format="%d.%m.%Y", errors="coerce")).dropna(subset=["day"])

    def split(pairs):  # [(day, weight)]
        return (sum(w for d, w in pairs if month_start <= d <= month_end), sum(w for d, w in pairs if d <= month_end))

    def event_ok(f, ev_id) -> bool:
        e = events[ev_id]
        return (not f.event_type or e.type in f.event_type) and (not f.event or e.id in f.event) and (not f.cycle or e.cycle in f.cycle)

    def same(value, allowed) -> bool:
        return not allowed or (value or "").casefold() in {a.casefold() for a in allowed}

    def person_days(f) -> dict[int, date]:
        out = {}
        for p, ps in parts.items():
            e = entry[p]
            if same(e.get("type"), f.organisation_type) and same(e.get("category"), f.category) and same(e.get("gmina"), f.gmina):
                days = [d for d, ev in ps if event_ok(f, ev)]
                if days:
                    out[p] = min(days)
        return out

    def first_per_key(pairs):
        first: dict[str, date] = {}
        for key, d in pairs:
            if key:
                k = " ".join(key.split()).casefold()
                first[k] = min(d, first.get(k, d))
        return [(d, 1) for d in first.values()]

    def delivered(f):
        return [
            e
            for e in cfg.events
            if event_ok(f, e.id) and same(e.gmina, f.gmina) and len(attendees.get(e.id, ())) >= (f.min_participants or 1)
        ]

    out = {}
    for ind in cfg.indicators:
        f = ind.filters
        if ind.kind == "persons" and f.completed is None:
            days = person_days(f)
            genders = defaultdict(int)
            for p, d in days.items():
                if d <= month_end:
                    genders[entry[p].get("gender", "nie podano")] += 1
            out[ind.id] = split([(d, 1) for d in days.values()]) + ((genders["K"], genders["M"], genders["nie podano"]),)
        elif ind.kind == "distinct" and ind.distinct_of == "event_gmina":
            out[ind.id] = split(first_per_key((e.gmina, min(e.dates)) for e in delivered(f)))
        elif ind.kind == "distinct" and ind.distinct_of == "jst":
            units = {" ".join(k.split()).casefold(): v for k, v in cfg.jst_units.items()}

            def unit(e, units=units):  # the local government of a JST participant: the YAML's mapping, else the form's gmina
                if e.get("type") != "JST":
                    return None
                return units.get(" ".join((e.get("org") or "").split()).casefold()) or (f"gmina {e['gmina']}" if e.get("gmina") else None)

            out[ind.id] = split(first_per_key((unit(entry[p]), d) for p, d in person_days(f).items()))
            # a JST indicator never exceeds the distinct gminas of the JST participants
            assert out[ind.id][1] <= len({entry[p].get("gmina") for p in person_days(f) if entry[p].get("type") == "JST"})
        elif ind.kind == "distinct":
            field = {"organisation": "org", "organisation_type": "type"}.get(ind.distinct_of, ind.distinct_of)
            out[ind.id] = split(first_per_key((entry[p].get(field), d) for p, d in person_days(f).items()))
        elif ind.kind == "events":
            out[ind.id] = split([(min(e.dates), 1) for e in delivered(f)])
        elif ind.kind == "hours":
            out[ind.id] = split([(d, h) for d, ev, h in hours if event_ok(f, ev)])
        elif ind.kind == "manual":
            m = manual[manual["Wskaźnik"] == ind.id]
            out[ind.id] = split(list(zip(m["day"].dt.date, m["Wartość"].map(_num))))
    return out


def _link_by_email_unless_deduplicated(project: str) -> None:
    """Until the nightly flow deduplicates, give rows with the same e-mail one person (a crude
    stand-in, so person indicators are exercised on more than zeros)."""
    from synergia import runtime
    from synergia.registry.tables import Application

    with runtime.registry().session() as s:
        apps = s.scalars(select(Application).where(Application.project == project).order_by(Application.id)).all()
        if len({a.person_id for a in apps}) < len(apps):
            return  # the registry already merged people
        owner: dict[str, int] = {}
        for a in apps:
            key = (a.data.get("email") or "").casefold()
            if key:
                a.person_id = owner.setdefault(key, a.person_id)


def _outbox(data: Path) -> list[Path]:
    """The summary e-mails in the outbox (the nightly flow may have mailed certificates too)."""
    out = []
    for path in sorted((data / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if "Wskaźniki —" in str(msg["Subject"]):
            out.append(path)
    return out


def run_and_recount(seed_path: Path, data: Path, month: str, people: int):
    """Generate the seed's demo workbook, run nightly + monthly, compare every indicator the
    recount covers with the Wskaźniki tab. Returns what later checks need."""
    from flows.monthly import monthly
    from flows.nightly import nightly
    from synergia import runtime
    from synergia.registry.tables import Application

    cfg = load_project(seed_path)
    workbook = data / cfg.spreadsheet.id
    generate_workbook(cfg, workbook, seed=7, people=people)
    nightly(project_path=str(seed_path))
    _link_by_email_unless_deduplicated(cfg.slug)
    first = monthly(project_path=str(seed_path), month=month)
    assert first["month"] == month and first["queued"] == len(cfg.recipients.coordinators) and first["tab_written"]
    tab = [list(r) for r in load_workbook(workbook, read_only=True)["Wskaźniki"].iter_rows(values_only=True)]
    header, body = tab[0], {r[0]: dict(zip(tab[0], r)) for r in tab[1:]}
    assert header[:8] == ["Wskaźnik", "Nazwa", "Jednostka", "Cel", "Termin", "Miesiąc", "Wartość w miesiącu", "Narastająco"]
    assert set(body) == {i.id for i in cfg.indicators}
    with runtime.registry().session() as s:
        registry_rows = {
            (src, row): (app_id, person)
            for src, row, app_id, person in s.execute(
                select(Application.source_id, Application.row_number, Application.id, Application.person_id).where(
                    Application.project == cfg.slug, Application.active.is_(True)
                )
            )
        }
    m = Month.parse(month)
    expected = recount(cfg, workbook, registry_rows, m.last_day, m.first_day)
    for ind, values in expected.items():
        row = body[ind]
        assert (row["Wartość w miesiącu"], row["Narastająco"]) == (_pl(values[0]), _pl(values[1])), ind
        if len(values) == 3:
            assert (row["Kobiety (narastająco)"], row["Mężczyźni (narastająco)"], row["Płeć nie podana (narastająco)"]) == tuple(
                str(v) for v in values[2]
            ), ind
    # only completion and certificates (which need the certificate rule / register) are left to other tests
    assert set(body) - set(expected) == {i.id for i in cfg.indicators if i.kind == "certificates" or i.filters.completed is not None}
    # the demo's bad manual row is quarantined: in Odrzucone, and the summary's figure is the tab's row count
    rejected = [list(r) for r in load_workbook(workbook, read_only=True)["Odrzucone"].iter_rows(values_only=True)][1:]
    if any(i.kind == "manual" for i in cfg.indicators):
        assert any(r[0] == "wartosci-reczne" and r[3] == "impossible_date" for r in rejected)
    (eml, *_) = _outbox(data)
    html = email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("html",)).get_content()
    assert re.search(rf"Wiersze w zakładce „Odrzucone” teraz:</td><td[^>]*><strong>{len(rejected)}</strong>", html)
    # every target shows where it comes from; statuses follow the rule's vocabulary
    assert {row["Źródło celu"] for row in body.values()} <= {"umowa", "opis", "roboczy"}
    assert {row["Status"] for row in body.values()} <= {"osiągnięty", "na dobrej drodze", "zagrożony", "nie osiągnięto", "brak danych"}
    for row in body.values():  # a reason and a next step for every indicator not on track
        assert bool(row["Przyczyna i następny krok"]) == (row["Status"] not in ("osiągnięty", "na dobrej drodze")), row["Wskaźnik"]
    return cfg, workbook, tab, body, expected


@pytest.mark.prefect
@pytest.mark.parametrize(
    "slug,month,people",
    [
        ("synergia-lubelskie", "2024-10", 80),
        ("miedzysektorowa-rydultowy", "2014-04", 50),
        ("kuznia-pruszkow", "2017-12", 60),
        ("dzialaj-lokalnie-plock", "2019-12", 80),
    ],
)
def test_other_seeds_match_independent_recount(prefect_harness, synergia_env: Path, slug, month, people) -> None:
    cfg, _, _, body, expected = run_and_recount(PROJECTS_DIR / f"{slug}.yaml", synergia_env, month, people)
    assert sum(v[1] for v in expected.values()) > 0 and any(v[0] for v in expected.values())
    # each seed's demo lives in its own area
    gminas = set(cfg.gminas)
    tabs = pd.read_excel(synergia_env / cfg.spreadsheet.id, sheet_name=None, dtype=str, keep_default_na=False)
    form = next(s for s in cfg.sources if s.kind == "recruitment")
    column = next((h for h, t in form.columns.items() if t == "gmina"), None)
    if column:
        assert set(tabs[form.worksheet][column]) - {""} <= gminas
    if slug == "synergia-lubelskie":  # conferences of >= 20 people, one a year; 21 at the inauguration
        assert [body[f"konferencja-{y}"]["Narastająco"] for y in (2023, 2024, 2025)] == ["1", "1", "0"]
        assert body["konferencja-2023"]["Status"] == "osiągnięty" and body["konferencja-2025"]["Status"] == "na dobrej drodze"
        assert len(tabs["Lista – konferencja 2023"]) == 21
    certs = [i.id for i in cfg.indicators if i.kind == "certificates"]
    if certs and month >= str(max(d for e in cfg.events if e.cycle for d in e.dates))[:7]:
        # certificates of a back-dated project are dated inside its period, so they count
        assert all(body[c]["Narastająco"] not in ("0", "—") for c in certs)
    if slug == "miedzysektorowa-rydultowy":  # after the deadline an unmet target says so, never "zagrożony"
        assert body["warsztaty"]["Termin"] == "30.04.2014" and body["warsztaty"]["Status"] in ("osiągnięty", "nie osiągnięto")


@pytest.mark.prefect
def test_monthly_matches_independent_recount_and_is_idempotent(prefect_harness, synergia_env: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.monthly import monthly

    cfg, workbook, tab, body, expected = run_and_recount(SEED, synergia_env, "2021-11", 70)
    assert len(expected) == 13
    # October's World Cafe 1 of 3 with two more planned in November is not at risk; certificates count
    assert body["zaswiadczenia"]["Narastająco"] not in ("0", "—")
    # the demo has something to count: the recount is not comparing zeros
    assert all(expected[i][1] > 0 for i in ("ngo-osoby", "rady-osoby", "jst-osoby", "ngo-organizacje", "jst-samorzady"))
    assert expected["world-cafe"][1] == 3 and expected["doradztwo-godziny"][1] > 0 and expected["inicjatywy"][1] > 0

    # the e-mail: one per coordinator, Polish, chart inline, XLSX attached
    (eml,) = _outbox(synergia_env)
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == f"[{cfg.name}] Wskaźniki — listopad 2021"
    html = msg.get_body(("html",)).get_content()
    assert 'src="cid:wykres-wskazniki"' in html and "Warsztaty World Cafe" in html
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert parts["image/png"]["Content-ID"] == "<wykres-wskazniki>"
    assert parts["image/png"].get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n"
    xlsx = parts["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert xlsx.get_filename() == "wskazniki-wspolpraca-sie-oplaca-2021-11.xlsx"
    attached = load_workbook(io.BytesIO(xlsx.get_payload(decode=True)), read_only=True)
    sheet = {r[0]: r for r in attached["Wskaźniki"].iter_rows(min_row=2, values_only=True)}
    assert {k: _pl(v[7]) for k, v in sheet.items() if v[7] is not None} == {
        k: row["Narastająco"] for k, row in body.items() if row["Narastająco"] != "—"
    }
    assert attached.sheetnames == ["Wskaźniki", "Przebieg", "Informacje"]

    # rerun: same numbers, tab not rewritten, no second e-mail
    again = monthly(project_path=str(SEED), month="2021-11")
    assert (again["queued"], again["already_queued"], again["tab_written"]) == (0, 1, False)
    assert [list(r) for r in load_workbook(workbook, read_only=True)["Wskaźniki"].iter_rows(values_only=True)] == tab
    assert len(_outbox(synergia_env)) == 1
    # --resend: a second e-mail, and a third on the next --resend
    assert monthly(project_path=str(SEED), month="2021-11", resend=True)["queued"] == 1
    assert monthly(project_path=str(SEED), month="2021-11", resend=True)["queued"] == 1
    assert len(_outbox(synergia_env)) == 3

    # no personal data in the artifact, the summary e-mail or the flow parameters
    personal = _personal_values(workbook)
    with get_client(sync_client=True) as client:
        artifacts = [a for a in client.read_artifacts() if a.key == "wspolpraca-sie-oplaca-wskazniki-2021-11"]
    assert artifacts and "| Warsztaty World Cafe |" in str(artifacts[-1].data)
    published = " ".join(str(a.data) for a in artifacts) + html + msg.get_body(("plain",)).get_content()
    compact = re.sub(r"\s", "", published)
    assert not [p for p in personal if p in published or p in compact]
