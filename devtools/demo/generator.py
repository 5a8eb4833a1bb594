"""Deterministic demo workbook for any project config.

It invents fictional people (valid PESELs, addresses in real gminas, e-mails
only at reserved ``example`` domains) and fills every source of the project
from its own column mapping, with the noise real forms have: repeat
registrations, dropped diacritics, every phone format, diminutives, shared
household e-mails, twins, a father and son of one name, ~5 % invalid rows, a
row without consent and a few emptied rows. The same seed gives the same
workbook, byte for byte in content.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from config.project import CONSENT_PREFIX, ProjectConfig, Source
from devtools.demo.names import (
    COUNCILS,
    FEMALE_FIRST,
    GMINAS,
    INFORMAL,
    JST,
    MALE_FIRST,
    NGOS,
    OTHER_GMINAS,
    STREETS,
    SURNAMES,
)
from devtools.demo.xlsx import write_text_workbook
from devtools.people import EXAMPLE_DOMAINS, Person, fold, make_email, make_pesel, make_phone, phone_variant

DOMAINS = EXAMPLE_DOMAINS
ORG_TYPE_ANSWERS = {
    "NGO": "Organizacja pozarządowa",
    "JST": "Jednostka samorządu terytorialnego",
    "rada": "Rada (seniorów, młodzieżowa, pożytku publicznego)",
    "grupa nieformalna": "Grupa nieformalna",
    "inna": "Inna",
}
CATEGORY_OF_TYPE = {"NGO": "NGO", "JST": "JST", "rada": "rada", "grupa nieformalna": "lider", "inna": "mieszkaniec"}
EMAIL_PATTERNS = ("{first}.{last}", "{f}{last}", "{first}_{last}{n}", "{last}.{first}")


def _email(first: str, last: str, rng: random.Random, n: int) -> str:
    return make_email(first, last, rng, domains=DOMAINS, patterns=EMAIL_PATTERNS, n=n % 97)


def make_people(count: int, rng: random.Random, period_start: date, area: list[str] | None = None) -> list[Person]:
    """``area``: the project's gminas (its ``gminas:`` list); default the podregion tyski."""
    places = {**GMINAS, **OTHER_GMINAS}
    gminas = list(area or GMINAS)
    people: list[Person] = []
    i = 0
    while len(people) < count:
        i += 1
        gender = "K" if rng.random() < 0.58 else "M"
        first, nick = rng.choice(FEMALE_FIRST if gender == "K" else MALE_FIRST)
        masc, fem = rng.choice(SURNAMES)
        last = fem if gender == "K" else masc
        if rng.random() < 0.04:
            last = f"{last}-{rng.choice(SURNAMES)[1 if gender == 'K' else 0]}"
        youth = rng.random() < 0.08
        year = rng.randint(2003, 2008) if youth else rng.randint(1950, 1998)
        birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
        gmina = rng.choice(gminas)
        city, prefix = places.get(gmina, (gmina, "00-"))
        postcode = prefix + "".join(str(rng.randrange(10)) for _ in range(6 - len(prefix)))
        postcode = postcode[:2] + "-" + postcode[3:6] if postcode[2] == "-" else postcode
        roll = rng.random()
        org_type = (
            "NGO" if roll < 0.42 else "JST" if roll < 0.72 else "rada" if roll < 0.88 else "grupa nieformalna" if roll < 0.95 else "inna"
        )
        if youth:
            org_type = "rada"
        pool = {"NGO": NGOS, "JST": JST, "rada": COUNCILS, "grupa nieformalna": INFORMAL, "inna": ["—"]}[org_type]
        organisation = rng.choice(pool).format(g=gmina) if org_type != "inna" else ""
        p = Person(
            first=first,
            nick=nick,
            last=last,
            gender=gender,
            birth=birth,
            pesel=make_pesel(birth, gender == "K", rng),
            email=_email(first, last, rng, i),
            phone=make_phone(rng),
            street=f"ul. {rng.choice(STREETS)} {rng.randint(1, 120)}",
            postcode=postcode,
            city=city,
            gmina=gmina,
            organisation=organisation,
            org_type=org_type,
        )
        people.append(p)
        # households, twins and namesakes — the traps deduplication must not fall into
        extra = rng.random()
        if extra < 0.04 and len(people) < count:  # spouse/child sharing the family e-mail and address
            g2 = "M" if gender == "K" else "K"
            f2, n2 = rng.choice(MALE_FIRST if g2 == "M" else FEMALE_FIRST)
            l2 = masc if g2 == "M" else fem
            b2 = date(rng.randint(1950, 1998), rng.randint(1, 12), rng.randint(1, 28))
            people.append(
                replace(p, first=f2, nick=n2, last=l2, gender=g2, birth=b2, pesel=make_pesel(b2, g2 == "K", rng), phone=make_phone(rng))
            )
        elif extra < 0.06 and len(people) < count:  # twin: same surname, birth date and address
            f2, n2 = rng.choice(FEMALE_FIRST if gender == "K" else MALE_FIRST)
            if f2 != first:
                people.append(
                    replace(
                        p,
                        first=f2,
                        nick=n2,
                        pesel=make_pesel(birth, gender == "K", rng),
                        email=_email(f2, last, rng, i + 1),
                        phone=make_phone(rng),
                    )
                )
        elif extra < 0.07 and gender == "M" and len(people) < count and year < 1975:  # father and son, one name
            b2 = date(year + 27, rng.randint(1, 12), rng.randint(1, 28))
            people.append(
                replace(p, birth=b2, pesel=make_pesel(b2, False, rng), email=_email(first, last, rng, i + 7), phone=make_phone(rng))
            )
    return people[:count]


BIRTH_FORMATS = ("{d:02d}.{m:02d}.{y:04d}", "{y:04d}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y:04d}")


class _Writer:
    """Turns a person into a form row for one source, applying the requested noise."""

    def __init__(self, project: ProjectConfig, rng: random.Random):
        self.project = project
        self.rng = rng
        self._plans: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] = {}

    def value(self, field: str, p: Person, noisy: bool, when: datetime, source: Source) -> str:
        rng = self.rng
        if field == "first_name":
            name = p.nick if noisy and rng.random() < 0.35 else p.first
            return fold(name) if noisy and rng.random() < 0.5 else name
        if field == "last_name":
            name = fold(p.last) if noisy and rng.random() < 0.4 else p.last
            return name.upper() if noisy and rng.random() < 0.25 else (name.lower() if noisy and rng.random() < 0.1 else name)
        if field == "email":
            return p.email.upper() if noisy and rng.random() < 0.1 else p.email
        if field == "phone":
            return phone_variant(p.phone, rng)
        if field == "pesel":
            if p.pesel.startswith("0") and rng.random() < 0.5:
                return p.pesel[1:]  # the sheet stored it as a number
            return p.pesel
        if field == "birth_date":
            b = p.birth
            return rng.choice(BIRTH_FORMATS).format(d=b.day, m=b.month, y=b.year)
        if field == "gender":
            return {"K": "Kobieta", "M": "Mężczyzna"}[p.gender] if rng.random() > 0.05 else "Nie chcę podawać"
        if field == "street":
            return p.street
        if field == "postal_code":
            return p.postcode.replace("-", "") if noisy and rng.random() < 0.3 else p.postcode
        if field == "city":
            return fold(p.city) if noisy and rng.random() < 0.3 else p.city
        if field == "gmina":
            return p.gmina
        if field == "organisation":
            return p.organisation
        if field == "organisation_type":
            return ORG_TYPE_ANSWERS[p.org_type]
        if field == "category":
            return CATEGORY_OF_TYPE[p.org_type]
        if field == "submitted_at":
            return f"{when.day:02d}.{when.month:02d}.{when.year:04d} {when.hour:02d}:{when.minute:02d}:{when.second:02d}"
        return ""

    def form_row(self, source: Source, headers: list[str], p: Person, when: datetime, noisy: bool) -> list[str]:
        row = []
        for kind, target in self._plan(source, headers):
            if kind == "":
                row.append(target)
            elif kind == "consent":
                row.append(self.rng.choice(["Tak", "Nie"]))
            else:
                row.append(self.value(target, p, noisy, when, source))
        return row

    def _plan(self, source: Source, headers: list[str]) -> list[tuple[str, str]]:
        """Per header: ("", constant) / ("consent", "") optional consent / ("field", canonical field); cached."""
        key = (source.id, tuple(headers))
        plan = self._plans.get(key)
        if plan is None:
            plan = []
            for header in headers:
                target = source.columns.get(header)
                if target is None:
                    plan.append(("", ""))
                elif target.startswith(CONSENT_PREFIX):
                    required = target[len(CONSENT_PREFIX) :] in source.required_consents
                    plan.append(("", "Wyrażam zgodę") if required else ("consent", ""))
                else:
                    plan.append(("field", target))
            self._plans[key] = plan
        return plan


def _corrupt(row: list[str], source: Source, headers: list[str], rng: random.Random, kind: str) -> None:
    """Make one field invalid in a way real forms do."""
    index = {t: i for i, t in ((i, source.columns.get(h)) for i, h in enumerate(headers)) if t}
    if kind == "consent":
        for key in source.required_consents:
            i = index.get(CONSENT_PREFIX + key)
            if i is not None:
                row[i] = ""
        return
    candidates = {
        "pesel": lambda v: v[:-1] + str((int(v[-1]) + 1) % 10) if v else v,
        "email": lambda v: v.replace("@", " at ") if v else v,
        "phone": lambda v: "12 34",
        "postal_code": lambda v: "4-3100",
        "birth_date": lambda v: "31.02.1980",
        "last_name": lambda v: "",
    }
    usable = [f for f in candidates if f in index]
    if usable:
        f = rng.choice(usable)
        row[index[f]] = candidates[f](row[index[f]])


def generate_workbook(project: ProjectConfig, path: Path, *, seed: int = 2026, people: int | None = None) -> dict[str, int]:
    """Write the demo workbook for ``project`` to ``path``; return rows per tab."""
    rng = random.Random(f"{project.slug}:{seed}")
    count = people or (project.demo.people if project.demo else 300)
    start = project.period.start
    end = min(project.period.end, max(start + timedelta(days=30), date(2026, 11, 1)))
    crowd = make_people(count, rng, start, project.gminas)
    writer = _Writer(project, rng)
    stats: dict[str, int] = {}
    recruitment = [s for s in project.sources if s.kind == "recruitment"]
    registered: list[Person] = []
    rows_by_source: dict[str, list[list[str]]] = {s.id: [] for s in project.sources}
    span = max((end - start).days, 1)

    def when() -> datetime:
        day = start + timedelta(days=rng.randrange(span))
        return datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randrange(60), rng.randrange(60))

    for i, p in enumerate(crowd):
        if not recruitment:
            break
        primary = recruitment[i % len(recruitment)]
        headers = list(primary.columns)
        rows_by_source[primary.id].append(writer.form_row(primary, headers, p, when(), noisy=rng.random() < 0.15))
        registered.append(p)
        if len(recruitment) > 1 and rng.random() < 0.18:  # the same person on another form, typed differently
            other = recruitment[(i + 1) % len(recruitment)]
            rows_by_source[other.id].append(writer.form_row(other, list(other.columns), p, when(), noisy=True))
        if rng.random() < 0.03:  # submitted the same form twice
            rows_by_source[primary.id].append(writer.form_row(primary, headers, p, when(), noisy=True))

    for source in recruitment:
        rows = rows_by_source[source.id]
        rows.sort(key=lambda r: _timestamp_key(r, source))
        headers = list(source.columns)
        for r in rng.sample(range(len(rows)), k=max(1, round(len(rows) * 0.05))) if rows else []:
            _corrupt(rows[r], source, headers, rng, "field")
        if rows and source.required_consents:
            _corrupt(rows[rng.randrange(len(rows))], source, headers, rng, "consent")
        for _ in range(2 if len(rows) > 50 else 0):
            rows.insert(rng.randrange(len(rows)), [""] * len(headers))  # a response staff emptied

    cohorts: dict[str, list[Person]] = {}  # one group goes through all events of a training cycle
    for source in project.sources:
        if source.kind == "recruitment":
            continue
        event = project.event(source.event) if source.event else None
        pool = registered or crowd
        size = min(len(pool), rng.randint(14, 26) if event is None or event.type != "konferencja" else rng.randint(20, 40))
        if event is not None and project.demo and event.id in project.demo.attendance:
            size = min(len(pool), project.demo.attendance[event.id])  # a fact the project text gives
        if event is not None and event.cycle:
            attendees = cohorts.setdefault(event.cycle, rng.sample(pool, k=size))
        else:
            attendees = rng.sample(pool, k=size)
        headers = list(source.columns) + [h for h in source.sessions if h not in source.columns]
        for p in attendees:
            row = []
            for header in headers:
                target = source.columns.get(header)
                if header in source.sessions:
                    row.append(rng.choice(["x", "X", "tak", "✓"]) if rng.random() < 0.86 else "")
                elif target == "hours":
                    row.append(rng.choice(["1", "1,5", "2", "3"]))
                elif target == "date" and event:
                    row.append(rng.choice(event.dates).strftime("%d.%m.%Y"))
                elif target is None:
                    row.append("")
                elif target.startswith(CONSENT_PREFIX):
                    row.append("Tak")
                else:
                    day = datetime.combine(event.dates[0] if event else start, datetime.min.time())
                    row.append(writer.value(target, p, rng.random() < 0.3, day, source))
            rows_by_source[source.id].append(row)

    # Tabs in the order of their first source; two sources may share one tab (the first one's headers).
    # Written in one pass (devtools.demo.xlsx): openpyxl's ws[ws.max_row] per row was quadratic.
    tabs: dict[str, list[list[str]]] = {}
    for source in project.sources:
        if source.worksheet not in tabs:
            tabs[source.worksheet] = [list(source.columns) + [h for h in source.sessions if h not in source.columns]]
        tabs[source.worksheet].extend(rows_by_source[source.id])
        stats[source.worksheet] = len(tabs[source.worksheet]) - 1
    stats.update(_manual_values_tab(tabs, project, end, seed))
    write_text_workbook(path, tabs)
    return stats


def _timestamp_key(row: list[str], source: Source) -> str:
    headers = list(source.columns)
    for i, h in enumerate(headers):
        if source.columns[h] == "submitted_at" and row[i]:
            d, _, t = row[i].partition(" ")
            dd, mm, yy = d.split(".")
            return f"{yy}{mm}{dd}{t}"
    return ""


def _manual_values_tab(tabs: dict[str, list[list[str]]], project: ProjectConfig, end: date, seed: int) -> dict[str, int]:
    """Staff-kept manual indicator values (indicators concern, devtools.indicators_demo)."""
    from config.indicators import MANUAL_TAB
    from devtools.indicators_demo import manual_rows

    rows = manual_rows(project, end, seed)
    if len(rows) == 1:
        return {}
    tabs[MANUAL_TAB] = rows
    return {MANUAL_TAB: len(rows) - 1}
