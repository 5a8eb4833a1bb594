"""Each indicator kind on small hand-made facts, with the right answers written out."""

from __future__ import annotations

from datetime import date

import pytest

from config.indicators import IndicatorConfig
from synergia.indicators.compute import compute_indicator, elapsed_share, pace_status
from synergia.indicators.model import CertificateFact, EventFact, Facts, HoursEntry, ManualValue, Participation, PersonFact
from synergia.indicators.months import Month

START, END = date(2021, 7, 1), date(2021, 12, 31)
SEP, OCT = Month(2021, 9), Month(2021, 10)

EVENTS = (
    EventFact("szk-1", "szkolenie", date(2021, 9, 10), date(2021, 9, 11), "Tychy", "akademia", 12),
    EventFact("wc-tychy", "warsztat_world_cafe", date(2021, 9, 20), date(2021, 9, 20), "Tychy"),
    EventFact("wc-bierun", "warsztat_world_cafe", date(2021, 10, 5), date(2021, 10, 5), "Bieruń"),
    EventFact("wc-ledziny", "warsztat_world_cafe", date(2021, 11, 5), date(2021, 11, 5), "Lędziny"),  # no list yet
    EventFact("wc-tychy-2", "warsztat_world_cafe", date(2021, 10, 25), date(2021, 10, 25), " tychy "),
    EventFact("dor", "doradztwo", date(2021, 7, 1), date(2021, 12, 31)),
)


def P(pid, entry, gender, org_type, org, parts, *, category=None, gmina=None, completions=()):
    return PersonFact(pid, entry, gender, category, org, org_type, gmina, tuple(Participation(e, d) for e, d in parts), completions)


PERSONS = (
    # NGO people: 1 and 2 come from the same organisation (typed differently), 3 from another
    P(
        1,
        date(2021, 8, 2),
        "K",
        "NGO",
        "Fundacja Razem",
        [("szk-1", date(2021, 9, 10)), ("wc-tychy", date(2021, 9, 20))],
        completions=(("akademia", date(2021, 9, 11)),),
    ),
    P(2, date(2021, 8, 3), "M", "NGO", "  fundacja   RAZEM", [("wc-bierun", date(2021, 10, 5))]),
    P(3, date(2021, 8, 4), None, "NGO", "Stowarzyszenie Most", [("szk-1", date(2021, 9, 11))]),
    # JST staff
    P(4, date(2021, 8, 5), "K", "JST", "Urząd Miasta Tychy", [("wc-tychy", date(2021, 9, 20)), ("wc-bierun", date(2021, 10, 5))]),
    P(5, date(2021, 8, 6), "K", "JST", "Urząd Gminy Bojszowy", [("wc-tychy-2", date(2021, 10, 25))]),
    # registered but never took part: not a participant
    P(6, date(2021, 8, 7), "M", "NGO", "Fundacja Cicha", []),
    # council member only in advisory
    P(7, date(2021, 9, 30), "M", "rada", "Rada Seniorów Tychy", [("dor", date(2021, 10, 1))], category="rada"),
)
HOURS = (HoursEntry("dor", date(2021, 9, 30), 1.5), HoursEntry("dor", date(2021, 10, 1), 2.0), HoursEntry("szk-1", date(2021, 9, 10), 6))
MANUAL = (
    ManualValue("inicjatywy", date(2021, 9, 15), 2),
    ManualValue("inicjatywy", date(2021, 10, 1), 1),
    ManualValue("odbiorcy", date(2021, 10, 2), 30),
)
CERTS = (
    CertificateFact(date(2021, 9, 30), "akademia"),
    CertificateFact(date(2021, 10, 1), "akademia"),
    CertificateFact(date(2021, 10, 2), "inny"),
)
FACTS = Facts(PERSONS, EVENTS, HOURS, MANUAL, CERTS)


def ind(**kw) -> IndicatorConfig:
    kw.setdefault("id", "x")
    kw.setdefault("name", "Wskaźnik")
    kw.setdefault("target", 10)
    return IndicatorConfig(**kw)


def run(indicator: IndicatorConfig, month: Month = OCT, facts: Facts = FACTS):
    return compute_indicator(indicator, facts, month, START, END)


def test_persons_unique_by_type_with_gender():
    r = run(ind(kind="persons", target=15, filters={"organisation_type": "NGO"}), SEP)
    # persons 1 and 3 took part in September; 2 only in October; 6 never took part
    assert (r.month_value, r.cumulative) == (2, 2)
    assert r.gender_month == {"K": 1, "M": 0, "nie podano": 1}
    r = run(ind(kind="persons", target=15, filters={"organisation_type": "NGO"}), OCT)
    assert (r.month_value, r.cumulative) == (1, 3)
    assert r.gender_cumulative == {"K": 1, "M": 1, "nie podano": 1}
    assert r.gender_month == {"K": 0, "M": 1, "nie podano": 0}
    assert r.percent == pytest.approx(20.0)


def test_person_counted_once_on_first_matching_participation():
    # person 4 attended two World Cafés (Sep and Oct): counted once, in September
    r = run(ind(kind="persons", filters={"event_type": "warsztat_world_cafe", "organisation_type": "JST"}), OCT)
    assert (r.month_value, r.cumulative) == (1, 2)  # person 5 in October, person 4 already in September
    series = {p.month: p.cumulative for p in r.series}
    assert series == {"2021-07": 0, "2021-08": 0, "2021-09": 1, "2021-10": 2}


def test_persons_completed_and_category():
    r = run(ind(kind="persons", filters={"completed": True}), SEP)
    assert r.cumulative == 1  # only person 1 met the cycle rule
    r = run(ind(kind="persons", filters={"completed": False, "organisation_type": "NGO"}), OCT)
    assert r.cumulative == 2  # persons 2 and 3
    r = run(ind(kind="persons", filters={"category": "RADA"}), OCT)
    assert (r.cumulative, r.gender_cumulative["M"]) == (1, 1)


def test_distinct_organisations_normalised():
    r = run(ind(kind="distinct", distinct_of="organisation", filters={"organisation_type": "NGO"}), OCT)
    # "Fundacja Razem" == "  fundacja   RAZEM"; Fundacja Cicha never took part
    assert (r.month_value, r.cumulative) == (0, 2)
    assert r.gender_cumulative is None


def test_distinct_ignores_typing_variants():
    from synergia.indicators.compute import norm

    assert norm("Fundacja „Łąka”") == norm("fundacja  LAKA") == norm('Fundacja "Łąka".')
    assert norm("Urząd Gminy Bojszowy") != norm("Urząd Gminy Bieruń")
    assert norm("  ") is None and norm(None) is None


def test_distinct_event_gminas():
    r = run(ind(kind="distinct", distinct_of="event_gmina", filters={"event_type": "warsztat_world_cafe"}), OCT)
    # Tychy (Sep), Bieruń (Oct), " tychy " is Tychy again; Lędziny has no attendance yet
    assert (r.month_value, r.cumulative) == (1, 2)


def test_events_delivered_with_min_participants():
    r = run(ind(kind="events", target=3, filters={"event_type": "warsztat_world_cafe"}), OCT)
    assert (r.month_value, r.cumulative) == (2, 3)  # Lędziny (planned, no list) does not count
    r = run(ind(kind="events", target=3, filters={"event_type": "warsztat_world_cafe", "min_participants": 2}), OCT)
    assert r.cumulative == 2  # wc-tychy (persons 1, 4) and wc-bierun (2, 4)
    r = run(ind(kind="events", target=3, filters={"event_type": "warsztat_world_cafe", "gmina": "Bieruń"}), OCT)
    assert r.cumulative == 1


def test_hours_sum():
    r = run(ind(kind="hours", unit="godziny", filters={"event_type": "doradztwo"}), SEP)
    assert (r.month_value, r.cumulative) == (1.5, 1.5)
    r = run(ind(kind="hours", unit="godziny", filters={"event_type": "doradztwo"}), OCT)
    assert (r.month_value, r.cumulative) == (2.0, 3.5)
    assert run(ind(kind="hours"), OCT).cumulative == 9.5  # no filter: every logged hour


def test_manual_sum_and_missing_tab():
    r = run(ind(id="inicjatywy", kind="manual", target=5, unit="inicjatywy"), OCT)
    assert (r.month_value, r.cumulative) == (1, 3)
    missing = Facts(PERSONS, EVENTS, HOURS, None, CERTS)
    r = run(ind(id="inicjatywy", kind="manual", target=5), OCT, missing)
    assert (r.cumulative, r.status) == (None, "brak danych")


def test_certificates_by_cycle_and_missing_register():
    r = run(ind(kind="certificates", filters={"cycle": "akademia"}), OCT)
    assert (r.month_value, r.cumulative) == (1, 2)
    assert run(ind(kind="certificates"), OCT).cumulative == 3
    no_register = Facts(PERSONS, EVENTS, HOURS, MANUAL, None)
    assert run(ind(kind="certificates"), OCT, no_register).status == "brak danych"


def test_deadline_and_start_override_pace():
    # 3 World Cafés due by 30.09: two delivered by then -> deadline passed, not achieved
    r = run(ind(kind="events", target=3, unit="warsztaty", deadline=date(2021, 9, 30), filters={"event_type": "warsztat_world_cafe"}), SEP)
    assert (r.cumulative, r.status) == (1, "nie osiągnięto")
    assert r.expected == pytest.approx(3.0)
    assert "Termin 30.09.2021 minął" in r.reason and "osiągnięto 1 z 3 (warsztaty), brakuje 2" in r.reason


@pytest.mark.parametrize(
    "cumulative,target,share,passed,status",
    [
        (15, 15, 0.5, False, "osiągnięty"),
        (7.5, 15, 0.5, False, "na dobrej drodze"),  # exactly on the line
        (6.75, 15, 0.5, False, "na dobrej drodze"),  # projection 13.5 = 90 % of target
        (6.7, 15, 0.5, False, "zagrożony"),  # projection 13.4 < 90 %
        (0, 15, 0.0, False, "na dobrej drodze"),  # period not started
        (14.9, 15, 1.0, True, "nie osiągnięto"),  # deadline reached without the target
        (0, 0, 0.3, False, "osiągnięty"),  # nothing required
    ],
)
def test_pace_thresholds(cumulative, target, share, passed, status):
    assert pace_status(cumulative, target, share, passed)[2] == status


def test_elapsed_share_inclusive_days():
    assert elapsed_share(date(2021, 7, 1), date(2021, 7, 10), date(2021, 7, 5)) == pytest.approx(0.5)
    assert elapsed_share(date(2021, 7, 1), date(2021, 7, 10), date(2021, 6, 1)) == 0.0
    assert elapsed_share(date(2021, 7, 1), date(2021, 7, 10), date(2022, 1, 1)) == 1.0


def test_pace_in_result():
    # NGO persons by 31.10: 3 of 15; share = 123/184 days -> projection 4.49 < 13.5
    r = run(ind(kind="persons", target=15, filters={"organisation_type": "NGO"}), OCT)
    assert r.expected == pytest.approx(15 * 123 / 184)
    assert r.projected == pytest.approx(3 * 184 / 123)
    assert r.status == "zagrożony"
