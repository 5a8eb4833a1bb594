"""An independent Polish test generator for dedupe (issue 13): used only to *score*, never to tune.

Written separately from ``devtools/synthetic.py`` (not read while writing this):
other name sources (Faker ``pl_PL`` first names, ~3,900 surnames, streets and towns, plus
made-up surnames so most names are distinct), another noise model (keyboard-neighbour
typos, letter drops / doublings / transpositions, own diminutive table, dropped
diacritics, case, swapped name fields, married surnames, a second e-mail, a new phone, a
move, missing fields, PESEL and date typos, many phone and date spellings).

People come in households (spouses, parents and children, a father and son with one
first name, twins) and common names recur across the country. ``generate(n, seed)``
returns rows in the ``synergia dedupe`` CSV shape and record_id -> person id.

Seeds: 100-139 are the tuning seeds; 7001-7005, 8001-8010 and 9001-9010 are held out
(scored only); tests and the benchmark report on ``HOLDOUT_SEEDS``.
"""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

from faker import Faker
from faker.providers.address.pl_PL import Provider as _Address
from faker.providers.person.pl_PL import Provider as _Person

TUNING_SEEDS = tuple(range(100, 110))
HOLDOUT_SEEDS = (7001, 7002, 7003, 7004, 7005)

FIELDS = (
    "record_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "pesel",
    "birth_date",
    "gender",
    "street",
    "postal_code",
    "city",
    "organisation",
)

_MALE = list(_Person.first_names_male)
_FEMALE = list(_Person.first_names_female)
_SURNAMES = list(_Person.unisex_last_names) + list(_Person.male_last_names)
_STREETS = list(_Address.streets) + list(_Address.streets_adjective_feminine)
_CITIES = list(_Address.cities)

# diminutives written for this generator (not taken from synergia/dedupe/names.py)
_SHORT = {
    "Aleksandra": ["Ola", "Oleńka"],
    "Agnieszka": ["Aga"],
    "Anna": ["Ania", "Anka"],
    "Barbara": ["Basia"],
    "Dorota": ["Dorotka"],
    "Ewa": ["Ewka"],
    "Elżbieta": ["Ela"],
    "Joanna": ["Asia"],
    "Julia": ["Julka"],
    "Katarzyna": ["Kasia"],
    "Magdalena": ["Magda"],
    "Małgorzata": ["Gosia", "Małgosia"],
    "Maria": ["Marysia"],
    "Monika": ["Monia"],
    "Natalia": ["Natalka"],
    "Zofia": ["Zosia"],
    "Zuzanna": ["Zuzia"],
    "Krystyna": ["Krysia"],
    "Andrzej": ["Andrzejek"],
    "Bartłomiej": ["Bartek"],
    "Dariusz": ["Darek"],
    "Grzegorz": ["Grzesiek"],
    "Jakub": ["Kuba"],
    "Jan": ["Janek", "Jasiek"],
    "Jarosław": ["Jarek"],
    "Krzysztof": ["Krzysiek"],
    "Łukasz": ["Łukaszek"],
    "Maciej": ["Maciek"],
    "Marek": ["Mareczek"],
    "Michał": ["Michałek"],
    "Paweł": ["Pawełek"],
    "Piotr": ["Piotrek"],
    "Przemysław": ["Przemek"],
    "Radosław": ["Radek"],
    "Stanisław": ["Staszek"],
    "Tomasz": ["Tomek"],
    "Wojciech": ["Wojtek"],
    "Zbigniew": ["Zbyszek"],
    "Mirosław": ["Mirek"],
    "Sławomir": ["Sławek"],
    "Józef": ["Józek"],
    "Kazimierz": ["Kazek"],
}
# first names of twins that are one or two letters apart (kept two people)
_TWIN_NAMES_F = [("Maria", "Marta"), ("Ewa", "Ewelina"), ("Anna", "Hanna"), ("Julia", "Julita"), ("Natalia", "Nadia")]
_TWIN_NAMES_M = [("Jan", "Jakub"), ("Marek", "Marcin"), ("Adam", "Adrian"), ("Daniel", "Dawid"), ("Kamil", "Karol")]

_KEYS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEIGHBOUR: dict[str, str] = {}
for _row_i, _row in enumerate(_KEYS):
    for _k, _c in enumerate(_row):
        near = _row[max(0, _k - 1) : _k] + _row[_k + 1 : _k + 2]
        _NEIGHBOUR[_c] = near
_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_SYLLABLES = [
    "bor",
    "cz",
    "dub",
    "gol",
    "grab",
    "jaw",
    "kal",
    "kos",
    "kr",
    "lip",
    "mal",
    "mar",
    "nad",
    "os",
    "pal",
    "prz",
    "rad",
    "ros",
    "sad",
    "sob",
    "szcz",
    "tar",
    "wal",
    "wil",
    "wr",
    "zab",
    "zel",
    "żur",
]
_VOWELS = "aeiouy"
_SUFFIX_M = ["ski", "owski", "ewski", "cki", "ak", "czyk", "ek", "owicz", "iak", "ała", "uk"]
_DOMAINS = ["wp.pl", "onet.pl", "o2.pl", "interia.pl", "gmail.com", "poczta.fm", "op.pl", "tlen.pl", "int.pl"]
_ORGS = ["Stowarzyszenie", "Fundacja", "Szkoła Podstawowa nr", "Urząd Gminy", "Gminny Ośrodek Kultury", "Spółdzielnia"]


def _female(surname: str) -> str:
    for m, f in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ny", "na")):
        if surname.endswith(m):
            return surname[: -len(m)] + f
    return surname


class _Gen:
    def __init__(self, seed: int, common_names: float = 0.0):
        self.r = random.Random(seed)
        self.common_names = common_names
        self.common = False  # this household has one of the very common full names
        self.fk = Faker("pl_PL")
        self.fk.seed_instance(seed)
        self.next_id = 0
        self.used_emails: set[str] = set()

    # --- people ----------------------------------------------------------------------
    def surname(self) -> str:
        r = self.r
        if r.random() < 0.55:
            return r.choice(_SURNAMES)
        stem = r.choice(_SYLLABLES) + r.choice(_VOWELS) + r.choice(_SYLLABLES)
        if r.random() < 0.4:
            stem += r.choice(_VOWELS) + r.choice(["n", "l", "s", "d", "w"])
        return (stem + r.choice(_SUFFIX_M)).capitalize()

    def first(self, sex: str) -> str:
        if self.common:
            return self.r.choice((_FEMALE if sex == "K" else _MALE)[:5])
        return self.r.choice(_FEMALE if sex == "K" else _MALE)

    def address(self) -> dict:
        r = self.r
        street = r.choice(_STREETS)
        if r.random() < 0.35:  # streets named after people: mostly distinct
            street = f"{r.choice(_MALE)} {self.surname()}a"
        number = str(r.randint(1, 180)) + (r.choice("abc") if r.random() < 0.08 else "")
        if r.random() < 0.5:
            number += f"/{r.randint(1, 60)}"
        return {"street": f"{street} {number}", "postal_code": f"{r.randint(0, 99):02d}-{r.randint(0, 999):03d}", "city": r.choice(_CITIES)}

    def phone(self) -> str:
        r = self.r
        return str(r.choice([5, 6, 7, 8])) + "".join(str(r.randint(0, 9)) for _ in range(8))

    def email(self, fn: str, ln: str) -> str:
        r = self.r
        f, s = fn.translate(_PLAIN).lower(), ln.translate(_PLAIN).lower().replace(" ", "")
        while True:
            local = r.choice(
                [f"{f}.{s}", f"{f}{s}", f"{f[0]}.{s}", f"{s}.{f}", f"{f}_{s}", f"{f}{r.randint(1, 99)}", f"{s}{r.randint(60, 2010)}"]
            )
            if r.random() < 0.3:
                local += str(r.randint(1, 999))
            e = f"{local}@{r.choice(_DOMAINS)}"
            if e not in self.used_emails:
                self.used_emails.add(e)
                return e

    def person(self, sex: str, surname: str, born: date, home: dict, **over) -> dict:
        fn = over.pop("first_name", None) or self.first(sex)
        ln = _female(surname) if sex == "K" else surname
        has_pesel = self.r.random() < 0.55
        p = {
            "first_name": fn,
            "last_name": ln,
            "gender": sex,
            "birth_date": born,
            "pesel": self.fk.pesel(date_of_birth=born, sex="F" if sex == "K" else "M") if has_pesel else "",
            "email": self.email(fn, ln) if self.r.random() < 0.85 else "",
            "phone": self.phone() if self.r.random() < 0.85 else "",
            "organisation": (f"{self.r.choice(_ORGS)} {self.r.randint(1, 40)} {self.r.choice(_CITIES)}" if self.r.random() < 0.25 else ""),
            **home,
        }
        p.update(over)
        return p

    def born(self, lo: int, hi: int) -> date:
        return date(lo, 1, 1) + timedelta(days=self.r.randint(0, (date(hi, 12, 31) - date(lo, 1, 1)).days))

    def population(self, n_people: int) -> list[dict]:
        """Persons (dicts) in households; each carries its true person id ``pid``."""
        r = self.r
        people: list[dict] = []
        while len(people) < n_people:
            home = self.address()
            kind = r.random()
            surname = self.surname()
            if r.random() < 0.06:  # a very common name pair somewhere in the country
                surname = r.choice(_Person.male_last_names[:15])
            self.common = bool(self.common_names) and r.random() < self.common_names
            if self.common:  # a household of one of 25 full names per sex (Jakub Kowalski ...)
                surname = r.choice(_Person.male_last_names[:5])
            if kind < 0.55:  # someone living alone (as far as the forms know)
                sex = r.choice("KM")
                people.append(self.person(sex, surname, self.born(1950, 2006), home))
                continue
            # a family: two adults, maybe children, maybe twins, maybe a son with his father's name
            family_phone = self.phone() if r.random() < 0.35 else None
            family_mail = self.email("rodzina", surname) if r.random() < 0.2 else None
            dad_born = self.born(1950, 1985)
            dad = self.person("M", surname, dad_born, home)
            mum = self.person("K", surname, dad_born + timedelta(days=r.randint(-2500, 2500)), home)
            members = [dad, mum]
            kids_from = dad_born.year + r.randint(20, 34)
            if r.random() < 0.7 and kids_from <= 2010:
                for _ in range(r.randint(1, 3)):
                    sex = r.choice("KM")
                    members.append(self.person(sex, surname, self.born(kids_from, min(2010, kids_from + 8)), home))
            if r.random() < 0.12 and kids_from <= 2010:  # twins: one birth date, other names, other PESELs
                born = self.born(kids_from, min(2010, kids_from + 8))
                sex = r.choice("KM")
                a, b = r.choice(_TWIN_NAMES_F if sex == "K" else _TWIN_NAMES_M) if r.random() < 0.5 else (self.first(sex), self.first(sex))
                if a == b:
                    b = self.first(sex)
                if a != b:
                    members += [self.person(sex, surname, born, home, first_name=a), self.person(sex, surname, born, home, first_name=b)]
            if r.random() < 0.10 and kids_from <= 2010:  # junior with his father's first name
                members.append(
                    self.person("M", surname, self.born(kids_from, min(2010, kids_from + 8)), home, first_name=dad["first_name"])
                )
            for m in members:
                if family_phone and r.random() < 0.6:
                    m["phone"] = family_phone
                if family_mail and r.random() < 0.5:
                    m["email"] = family_mail
            people += members
        for pid, p in enumerate(people[:n_people]):
            p["pid"] = pid
        return people[:n_people]

    # --- noise -----------------------------------------------------------------------
    def typo(self, s: str) -> str:
        r = self.r
        if len(s) < 3:
            return s
        i = r.randint(1, len(s) - 2)
        kind = r.random()
        if kind < 0.3:  # transposition
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        if kind < 0.55:  # a dropped letter
            return s[:i] + s[i + 1 :]
        if kind < 0.75:  # a doubled letter
            return s[:i] + s[i] + s[i:]
        c = s[i].lower()
        if c in _NEIGHBOUR and _NEIGHBOUR[c]:
            return s[:i] + r.choice(_NEIGHBOUR[c]) + s[i + 1 :]
        return s[:i] + s[i + 1 :]

    def spell_date(self, d: date) -> str:
        r = self.r.random()
        if r < 0.45:
            return d.strftime("%d.%m.%Y")
        if r < 0.8:
            return d.isoformat()
        if r < 0.9:
            return f"{d.day}.{d.month}.{d.year}"
        return d.strftime("%d/%m/%Y")

    def spell_phone(self, p: str) -> str:
        if not p:
            return ""
        r = self.r.random()
        if r < 0.3:
            return p
        if r < 0.5:
            return f"{p[:3]} {p[3:6]} {p[6:]}"
        if r < 0.65:
            return "+48" + p
        if r < 0.8:
            return f"+48 {p[:3]}-{p[3:6]}-{p[6:]}"
        if r < 0.9:
            return f"(+48) {p}"
        return f"{p[:3]}-{p[3:6]}-{p[6:]}"

    def record(self, p: dict, base: bool) -> dict:
        """One form filled in by person ``p``; ``base`` = the first one (fewer errors)."""
        r = self.r
        d = dict(p)
        if not base:
            change = r.random()
            if change < 0.08 and p["gender"] == "K":  # married since: another surname
                d["last_name"] = _female(self.surname())
            elif change < 0.16:  # a second e-mail
                d["email"] = self.email(d["first_name"], d["last_name"])
            elif change < 0.24:  # a new phone
                d["phone"] = self.phone()
            elif change < 0.30:  # moved
                d.update(self.address())
            # how it was typed this time
            if d["first_name"] in _SHORT and r.random() < 0.15:
                d["first_name"] = r.choice(_SHORT[d["first_name"]])
            if r.random() < 0.10:
                d["first_name"] = self.typo(d["first_name"])
            if r.random() < 0.12:
                d["last_name"] = self.typo(d["last_name"])
            if r.random() < 0.06:
                d["street"] = self.typo(d["street"])
            if r.random() < 0.03:
                d["first_name"], d["last_name"] = d["last_name"], d["first_name"]
            if r.random() < 0.02 and d["pesel"]:  # one digit of the PESEL wrong
                k = r.randrange(11)
                d["pesel"] = d["pesel"][:k] + str((int(d["pesel"][k]) + r.randint(1, 9)) % 10) + d["pesel"][k + 1 :]
            if r.random() < 0.015:  # day and month typed the other way round / one digit off
                b = d["birth_date"]
                with contextlib.suppress(ValueError):
                    d["birth_date"] = (
                        date(b.year, b.day, b.month) if r.random() < 0.5 else b.replace(day=min(28, b.day + r.choice([-1, 1])) or 1)
                    )
        out = {k: d[k] for k in FIELDS if k != "record_id"}
        out["birth_date"] = self.spell_date(d["birth_date"])
        out["phone"] = self.spell_phone(d["phone"])
        if r.random() < 0.25:
            for k in ("first_name", "last_name", "street", "city"):
                out[k] = out[k].translate(_PLAIN)
        case = r.random()
        if case < 0.08:
            out["last_name"] = out["last_name"].upper()
        elif case < 0.12:
            out["first_name"], out["last_name"] = out["first_name"].lower(), out["last_name"].lower()
        # fields left empty this time (a form without that question, or skipped)
        for k, q in (
            ("pesel", 0.45),
            ("birth_date", 0.2),
            ("email", 0.15),
            ("phone", 0.15),
            ("street", 0.2),
            ("postal_code", 0.2),
            ("gender", 0.5),
            ("organisation", 0.5),
        ):
            if r.random() < q:
                out[k] = ""
        if not base and not any(out[k] for k in ("pesel", "birth_date", "email", "phone", "street")):
            out["email"] = d["email"] or ""  # nearly every form asks for a contact
            if not out["email"]:
                out["phone"] = self.spell_phone(d["phone"])
        if out["gender"]:
            out["gender"] = self.r.choice({"K": ["K", "kobieta", "Kobieta"], "M": ["M", "mężczyzna", "Mężczyzna"]}[p["gender"]])
        return out


def generate(n: int, seed: int, common_names: float = 0.0) -> tuple[list[dict], dict]:
    """About ``n`` records (rows in the CLI shape) and record_id -> person id.

    ``common_names``: the share of households whose members take one of the five most common
    surnames and first names (25 full names per sex): a robustness variant, scored only. 0 (the
    default) draws exactly what it always drew."""
    g = _Gen(seed, common_names)
    people = g.population(int(n / 1.4) + 1)
    rows: list[dict] = []
    truth: dict = {}
    for p in people:
        copies = 1 + (g.r.random() < 0.4) * (1 + int(g.r.expovariate(1.4)))
        for c in range(copies):
            rec = g.record(p, base=c == 0)
            rid = f"r{len(rows):07d}"
            rows.append({"record_id": rid, **rec})
            truth[rid] = p["pid"]
            if len(rows) >= n:
                break
        if len(rows) >= n:
            break
    g.r.shuffle(rows)
    return rows, truth


if __name__ == "__main__":  # write a CSV: python tests/dedupe/independent_generator.py N SEED OUT.csv
    import csv
    import sys

    n, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rows, truth = generate(n, seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
