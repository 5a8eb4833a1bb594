"""A JST indicator counts local governments (gmina / powiat units), not their offices, schools and centres."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from config.indicators import IndicatorConfig
from synergia.indicators.compute import compute_indicator
from synergia.indicators.facts import jst_unit
from synergia.indicators.model import Facts, Participation, PersonFact
from synergia.indicators.months import Month
from tests.indicators.helpers import mini_project

BODY = """\
jst_units:
  "Starostwo Powiatowe w Bieruniu": "powiat bieruńsko-lędziński"
  "Powiatowe Centrum Pomocy Rodzinie w Bieruniu": "powiat bieruńsko-lędziński"
"""


def test_unit_from_mapping_else_form_gmina(tmp_path: Path):
    cfg = mini_project(tmp_path, BODY)
    assert jst_unit(cfg, "JST", "  starostwo powiatowe w bieruniu ", "Lędziny") == "powiat bieruńsko-lędziński"
    assert jst_unit(cfg, "JST", "Miejski Ośrodek Pomocy Społecznej w Tychach", "Tychy") == "gmina Tychy"
    assert jst_unit(cfg, "JST", "Szkoła Podstawowa nr 3", None) is None
    assert jst_unit(cfg, "NGO", "Fundacja Tychy", "Tychy") is None


def test_seventeen_institutions_in_three_units_count_three():
    # OPS, school, culture centre and town hall of Tychy; the same in Bieruń; two powiat institutions
    orgs = [
        ("Urząd Miasta Tychy", "gmina Tychy"),
        ("MOPS Tychy", "gmina Tychy"),
        ("SP nr 1 w Tychach", "gmina Tychy"),
        ("MOK Tychy", "gmina Tychy"),
        ("Urząd Miejski w Bieruniu", "gmina Bieruń"),
        ("OPS Bieruń", "gmina Bieruń"),
        ("Starostwo Powiatowe w Bieruniu", "powiat bieruńsko-lędziński"),
        ("PCPR w Bieruniu", "powiat bieruńsko-lędziński"),
    ]
    persons = tuple(
        PersonFact(n, date(2021, 9, 1), "K", None, org, "JST", None, (Participation("wc", date(2021, 9, 1 + n)),), jst=unit)
        for n, (org, unit) in enumerate(orgs)
    ) + (PersonFact(99, date(2021, 9, 1), "M", None, "Fundacja", "NGO", "Imielin", (Participation("wc", date(2021, 9, 2)),)),)
    facts = Facts(persons, (), ())
    units = IndicatorConfig(id="jst", name="Samorządy", kind="distinct", distinct_of="jst", target=5, filters={"organisation_type": "JST"})
    offices = IndicatorConfig(
        id="org", name="Instytucje", kind="distinct", distinct_of="organisation", target=5, filters={"organisation_type": "JST"}
    )
    month = Month(2021, 9)
    assert compute_indicator(units, facts, month, date(2021, 7, 1), date(2021, 12, 31)).cumulative == 3
    assert compute_indicator(offices, facts, month, date(2021, 7, 1), date(2021, 12, 31)).cumulative == 8
