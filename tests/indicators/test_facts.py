"""Registry -> facts -> indicators on a small hand-made registry (real SQLite and PostgreSQL, real migrations)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from synergia.indicators.compute import compute_all
from synergia.indicators.facts import load_facts, quarantine_counts
from synergia.indicators.months import Month
from synergia.registry.tables import Application, Attendance, Event, Person, Quarantine
from tests.indicators.helpers import mini_project

PROJECT = """\
events:
  - {id: szk, type: szkolenie, title: S, dates: [2026-03-30, 2026-03-31, 2026-04-01], sessions: 3, hours: 18, cycle: akad, gmina: Tychy}
  - {id: wc, type: warsztat_world_cafe, title: W, dates: [2026-04-20], gmina: Bieruń}
  - {id: dor, type: doradztwo, title: D, dates: [2026-01-01]}
certificates:
  cycles: [{id: akad, title: A, events: [szk], rule: {min_attendance_ratio: 0.6}}]
indicators:
  - {id: ngo, name: NGO, kind: persons, target: 4, filters: {organisation_type: NGO}}
  - {id: orgs, name: Organizacje, kind: distinct, distinct_of: organisation, target: 2}
  - {id: done, name: Ukończyli, kind: persons, target: 2, filters: {completed: true}}
  - {id: h, name: Godziny, kind: hours, target: 10, filters: {event_type: doradztwo}}
  - {id: cert, name: Zaświadczenia, kind: certificates, target: 2}
"""


pytestmark = pytest.mark.both_backends  # `registry` on SQLite and on PostgreSQL


@pytest.fixture
def world(registry, tmp_path: Path):
    cfg = mini_project(tmp_path, PROJECT)
    reg = registry
    row = iter(range(1, 1000))

    def app(session, person, kind, data, *, submitted=None, active=True, seen=datetime(2026, 5, 1, 10)):
        a = Application(
            project="mini",
            source_id="rek",
            spreadsheet="mini.xlsx",
            worksheet="F",
            row_number=next(row),
            kind=kind,
            content_hash="h",
            data=data,
            active=active,
            person=person,
            submitted_at=submitted,
            first_seen_at=seen,
        )
        session.add(a)
        session.flush()
        return a

    with reg.session() as s:
        for e in cfg.events:
            s.add(
                Event(
                    project="mini",
                    id=e.id,
                    type=e.type,
                    title=e.title,
                    gmina=e.gmina,
                    first_date=min(e.dates),
                    last_date=max(e.dates),
                    sessions=e.sessions,
                    hours=e.hours,
                    cycle=e.cycle,
                )
            )
        anna, jan, ola, gone = (Person(project="mini") for _ in range(4))
        s.add_all([anna, jan, ola, gone])
        s.flush()
        # Anna: recruited as NGO in February (local Forms time), later a second form says JST: entry wins
        app(
            s,
            anna,
            "recruitment",
            {"gender": "K", "organisation": "Fundacja A", "organisation_type": "NGO"},
            submitted=datetime(2026, 2, 3, 9),
        )
        app(s, anna, "recruitment", {"gender": "K", "organisation": "Urząd", "organisation_type": "JST"}, submitted=datetime(2026, 4, 3, 9))
        a_list = app(s, anna, "attendance", {"event": "szk"})
        # sessions 1 and 2 without a date: the YAML's 30 and 31 March; 2 of 3 >= 60 % -> completed on 31 March
        s.add_all([Attendance(project="mini", application_id=a_list.id, event_id="szk", session_no=n) for n in (1, 2)])
        # Jan: NGO with no gender given, only session 3 (1 April) -> participant in April, not completed
        app(s, jan, "recruitment", {"organisation": "fundacja a ", "organisation_type": "NGO"}, submitted=datetime(2026, 3, 1, 8))
        j_list = app(s, jan, "attendance", {"event": "szk"})
        s.add(Attendance(project="mini", application_id=j_list.id, event_id="szk", session_no=3))
        # Ola: advisory only, hours logged 31 March and 2 April
        o_adv = app(s, ola, "advisory", {"event": "dor", "gender": "K", "organisation": "Stowarzyszenie B", "organisation_type": "NGO"})
        o_adv2 = app(s, ola, "advisory", {"event": "dor"})
        s.add(Attendance(project="mini", application_id=o_adv.id, event_id="dor", session_no=1, hours=1.5, attended_on=date(2026, 3, 31)))
        s.add(Attendance(project="mini", application_id=o_adv2.id, event_id="dor", session_no=1, hours=2.0, attended_on=date(2026, 4, 2)))
        # an application withdrawn from the sheet: its person and attendance must not count
        g = app(s, gone, "attendance", {"event": "wc", "organisation_type": "NGO", "organisation": "Fundacja C"}, active=False)
        s.add(Attendance(project="mini", application_id=g.id, event_id="wc", session_no=1))
        # quarantine: one new at 23:30 Warsaw on 31 March (21:30 UTC), one new on 1 April 00:30 (22:30 UTC 31 March),
        # one older still open, one resolved in March
        for i, (first, resolved) in enumerate(
            [
                (datetime(2026, 3, 31, 21, 30), None),
                (datetime(2026, 3, 31, 22, 30), None),
                (datetime(2026, 2, 10, 12, 0), None),
                (datetime(2026, 2, 11, 12, 0), datetime(2026, 3, 5, 12, 0)),
            ]
        ):
            s.add(
                Quarantine(
                    project="mini",
                    source_id="rek",
                    spreadsheet="mini.xlsx",
                    worksheet="F",
                    row_number=100 + i,
                    content_hash="q",
                    reason_codes=["x"],
                    message="m",
                    first_seen_at=first,
                    resolved_at=resolved,
                )
            )
    return cfg, reg


def results(cfg, reg, month):
    with reg.session() as s:
        facts = load_facts(s, cfg, manual=())
    return {r.id: r for r in compute_all(cfg.indicators, facts, Month.parse(month), cfg.period.start, cfg.period.end)}, facts


def test_persons_entry_characteristics_and_months(world):
    cfg, reg = world
    march, facts = results(cfg, reg, "2026-03")
    assert len(facts.persons) == 3  # the withdrawn application's person is not there
    assert (march["ngo"].month_value, march["ngo"].cumulative) == (2, 2)  # Anna (30.03) and Ola (31.03)
    assert march["ngo"].gender_cumulative == {"K": 2, "M": 0, "nie podano": 0}
    april, _ = results(cfg, reg, "2026-04")
    assert (april["ngo"].month_value, april["ngo"].cumulative) == (1, 3)  # Jan on 1 April
    assert april["ngo"].gender_month == {"K": 0, "M": 0, "nie podano": 1}
    # "Fundacja A" and "fundacja a " are one organisation; Fundacja C (withdrawn) does not count
    assert april["orgs"].cumulative == 2


def test_completion_by_certificate_rule_and_hours(world):
    cfg, reg = world
    march, _ = results(cfg, reg, "2026-03")
    assert march["done"].cumulative == 1 and march["done"].month_value == 1  # Anna, on 31 March
    assert march["h"].cumulative == 1.5
    april, _ = results(cfg, reg, "2026-04")
    assert (april["h"].month_value, april["h"].cumulative) == (2.0, 3.5)
    assert april["done"].cumulative == 1


def test_certificates_register(world):
    cfg, reg = world
    from synergia.registry.tables_certificates import Certificate, CertificateRevision

    with reg.session() as s:
        anna_id = s.query(Application.person_id).filter(Application.data["organisation"].as_string() == "Fundacja A").scalar()
        cert = Certificate(project="mini", person_id=anna_id, cycle="akad", year=2026, seq=1, number="SYN/2026/0001")
        s.add(cert)
        s.flush()
        s.add(
            CertificateRevision(
                certificate_id=cert.id, revision=1, verification_code="c1", content_hash="h", data={}, issued_on=date(2026, 4, 2)
            )
        )
        s.add(
            CertificateRevision(
                certificate_id=cert.id, revision=2, verification_code="c2", content_hash="h2", data={}, issued_on=date(2026, 5, 2)
            )
        )
        revoked = Certificate(project="mini", person_id=anna_id, cycle="other", year=2026, seq=2, number="SYN/2026/0002", status="revoked")
        s.add(revoked)
        s.flush()
        s.add(
            CertificateRevision(
                certificate_id=revoked.id, revision=1, verification_code="c3", content_hash="h", data={}, issued_on=date(2026, 4, 3)
            )
        )
    march, _ = results(cfg, reg, "2026-03")
    april, _ = results(cfg, reg, "2026-04")
    may, _ = results(cfg, reg, "2026-05")
    assert (march["cert"].cumulative, april["cert"].month_value, may["cert"].month_value, may["cert"].cumulative) == (0, 1, 0, 1)


def test_quarantine_counts_in_warsaw_months(world):
    cfg, reg = world
    with reg.session() as s:
        assert quarantine_counts(s, cfg, Month.parse("2026-03")) == (1, 2)
        assert quarantine_counts(s, cfg, Month.parse("2026-04")) == (1, 3)
        assert quarantine_counts(s, cfg, Month.parse("2026-02")) == (2, 2)
