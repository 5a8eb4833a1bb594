"""Event-aware pace and the reason texts, on hand-made planned calendars.

The plan is what the YAML says will happen (events with dates); the facts are
what the registry saw. Each case writes out the right answer by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from config.indicators import IndicatorConfig
from synergia.indicators.compute import compute_indicator, planned_deliveries
from synergia.indicators.model import (
    BadManualRow,
    CertificateFact,
    EventFact,
    Facts,
    ManualValue,
    Participation,
    PersonFact,
    PlannedEvent,
    QuarantinedSource,
)
from synergia.indicators.months import Month

START, END = date(2024, 1, 1), date(2024, 12, 31)
PLAN = (
    PlannedEvent("konf", "konferencja", "Konferencja samorządowa", (date(2024, 10, 17),), "Lublin"),
    PlannedEvent("wc-1", "warsztat_world_cafe", "World Cafe Zamość", (date(2024, 10, 3),), "Zamość"),
    PlannedEvent("wc-2", "warsztat_world_cafe", "World Cafe Chełm", (date(2024, 11, 7),), "Chełm"),
    PlannedEvent("wc-3", "warsztat_world_cafe", "World Cafe Biała Podlaska", (date(2024, 11, 21),), "Biała Podlaska"),
    PlannedEvent("szk-a", "szkolenie", "Szkolenie A", (date(2024, 3, 5), date(2024, 3, 6)), "Lublin", "cykl", 12),
    PlannedEvent("szk-b", "szkolenie", "Szkolenie B", (date(2024, 5, 14),), "Lublin", "cykl", 6),
)


def ev(e: PlannedEvent) -> EventFact:
    return EventFact(e.id, e.type, e.first_date, e.last_date, e.gmina, e.cycle, e.hours)


def person(pid: int, event_id: str, day: date, *, completions=(), org_type="NGO") -> PersonFact:
    return PersonFact(pid, day, "K", None, f"Org {pid}", org_type, "Lublin", (Participation(event_id, day),), completions)


def facts(persons=(), *, certificates=(), bad=(), quarantined=(), manual=()) -> Facts:
    return Facts(
        tuple(persons),
        tuple(ev(e) for e in PLAN),
        (),
        tuple(manual),
        tuple(certificates),
        planned=PLAN,
        bad_manual=tuple(bad),
        quarantined=tuple(quarantined),
    )


def ind(**kw) -> IndicatorConfig:
    kw.setdefault("id", "x")
    kw.setdefault("name", "Wskaźnik")
    return IndicatorConfig(**kw)


def run(i: IndicatorConfig, month: Month, f: Facts):
    return compute_indicator(i, f, month, START, END)


CONF = ind(id="konf", kind="events", target=1, unit="konferencje", filters={"event": "konf", "min_participants": 1})
WC = ind(id="wc", kind="events", target=3, unit="warsztaty", filters={"event_type": "warsztat_world_cafe"})


def test_one_off_event_planned_later_is_on_track_before_it():
    r = run(CONF, Month(2024, 3), facts())
    assert (r.status, r.pace_rule, r.expected) == ("na dobrej drodze", "wydarzenia", 0)
    assert r.reason is None


def test_one_off_event_after_its_date_without_a_list_is_at_risk_then_missed():
    r = run(CONF, Month(2024, 10), facts())
    assert (r.status, r.expected) == ("zagrożony", 1)
    assert "Brakuje: 1 (cel 1 konferencje do 31.12.2024" in r.reason and "nie ma już zaplanowanych wydarzeń" in r.reason
    assert run(CONF, Month(2024, 12), facts()).status == "nie osiągnięto"
    held = facts([person(1, "konf", date(2024, 10, 17))])
    assert run(CONF, Month(2024, 10), held).status == "osiągnięty"


def test_world_cafe_one_of_three_with_two_planned_later():
    f = facts([person(1, "wc-1", date(2024, 10, 3))])
    r = run(WC, Month(2024, 10), f)
    assert (r.cumulative, r.expected, r.projected, r.status) == (1, 1, 3, "na dobrej drodze")
    # November: the two later ones were planned but have no attendance list -> the plan cannot be met
    r = run(WC, Month(2024, 11), f)
    assert (r.expected, r.projected, r.status) == (3, 1, "zagrożony")
    assert "Brakuje: 2 (cel 3 warsztaty do 31.12.2024, do terminu 1 mies.)" in r.reason
    # after the deadline the status says so
    assert run(WC, Month(2024, 12), f).status == "nie osiągnięto"


def test_remaining_events_named_in_reason_when_behind():
    # planned 2 of 3 by 30.11 is not met, but the third is still ahead: named as what can still deliver
    target4 = ind(
        id="wc4", kind="events", target=3, unit="warsztaty", filters={"event_type": "warsztat_world_cafe"}, deadline=date(2024, 11, 30)
    )
    r = run(target4, Month(2024, 10), facts())
    assert r.status == "zagrożony" and r.projected == 2
    assert "Zaplanowane do terminu: World Cafe Chełm 07.11.2024; World Cafe Biała Podlaska 21.11.2024." in r.reason
    assert "Nawet po nich zabraknie 1" in r.reason


def test_persons_follow_the_calendar_not_a_straight_line():
    # 8 people of 10 after the first of the cycle's two trainings (March): the plan expects 5 by then
    i = ind(id="p", kind="persons", target=10, filters={"cycle": "cykl"})
    f = facts([person(n, "szk-a", date(2024, 3, 5)) for n in range(8)])
    r = run(i, Month(2024, 3), f)
    assert (r.expected, r.status) == (5, "na dobrej drodze")
    # a straight line from January would expect 2.5 — the calendar rule does not use it
    assert r.pace_rule == "wydarzenia"
    few = facts([person(n, "szk-a", date(2024, 3, 5)) for n in range(3)])
    r = run(i, Month(2024, 3), few)
    assert r.status == "zagrożony"  # 3 + 5 remaining by plan = 8 < 9
    assert "Szkolenie B 14.05.2024" in r.reason and "zrekrutuj na nie co najmniej 7 nowych" in r.reason
    # before the first event nothing is expected
    assert run(i, Month(2024, 2), facts()).status == "na dobrej drodze"


def test_completion_and_certificates_are_due_at_the_cycles_last_event():
    done = ind(id="c", kind="persons", target=2, filters={"completed": True, "cycle": "cykl"})
    (d,) = planned_deliveries(done, PLAN, END)
    assert d.on == date(2024, 5, 14)
    assert run(done, Month(2024, 4), facts()).status == "na dobrej drodze"
    assert run(done, Month(2024, 5), facts()).status == "zagrożony"


def test_manual_values_are_continuous_linear():
    m = ind(id="odbiorcy", kind="manual", target=12, unit="osoby")
    r = run(m, Month(2024, 6), facts(manual=[ManualValue("odbiorcy", date(2024, 2, 1), 6)]))
    assert r.pace_rule == "liniowy" and r.expected == pytest.approx(12 * 182 / 366)
    assert r.status == "na dobrej drodze"


def test_reason_certificates_blocked_by_missing_email_and_unissued():
    cert = ind(id="z", kind="certificates", target=4, unit="zaświadczenia", filters={"cycle": "cykl"})
    people = [person(n, "szk-a", date(2024, 3, 5), completions=(("cykl", date(2024, 5, 14)),)) for n in range(4)]
    certs = [CertificateFact(date(2024, 5, 14), "cykl", has_email=False), CertificateFact(date(2024, 5, 14), "cykl")]
    r = run(cert, Month(2024, 6), facts(people, certificates=certs))
    assert (r.cumulative, r.status) == (2, "zagrożony")
    assert "Brakuje: 2 (cel 4 zaświadczenia" in r.reason and "regułę ukończenia" in r.reason
    assert "2 osób spełnia regułę ukończenia, a nie ma jeszcze zaświadczenia" in r.reason
    assert "1 zaświadczeń czeka na adres e-mail" in r.reason


def test_reason_names_rejected_rows_that_would_count():
    m = ind(id="inicjatywy", kind="manual", target=5, unit="inicjatywy")
    bad = [
        BadManualRow(17, "impossible_date", "Wartości ręczne, wiersz 17: ...", "inicjatywy", 2.0),
        BadManualRow(18, "impossible_date", "Wartości ręczne, wiersz 18: ...", "odbiorcy", 9.0),
    ]
    r = run(m, Month(2024, 11), facts(manual=[ManualValue("inicjatywy", date(2024, 2, 1), 1)], bad=bad))
    assert r.status == "zagrożony"
    assert "odrzucono 1 wiersz(e) (17; szczegóły w „Odrzucone”) — po poprawieniu doda 2" in r.reason
    assert "potrzeba średnio 4 (inicjatywy) miesięcznie" in r.reason
    i = ind(id="p", kind="persons", target=10, filters={"event": "wc-1"})
    q = [
        QuarantinedSource("lista-wc-1", "attendance", "wc-1", 3),
        QuarantinedSource("lista-konf", "attendance", "konf", 5),
        QuarantinedSource("rekrutacja", "recruitment", None, 2),
    ]
    r = run(i, Month(2024, 10), facts(quarantined=q))
    assert "5 wierszy z formularzy/list" in r.reason  # the World Cafe list (3) and the recruitment form (2), not the conference
