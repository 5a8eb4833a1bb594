"""Synthetic Polish participant records with the hard cases, and ground truth.

Households share an e-mail, a phone and an address; twins share surname, birth
date and address; fathers and sons share a full name and an address; common
names produce unrelated namesakes. Each person is registered 1-4 times with
realistic noise: dropped diacritics, case, diminutives, masculine surname forms,
a second e-mail, phones in any format, PESEL/birth date only sometimes, and
attendance-list rows with just a name, one contact and the organisation.
Used by the benchmark and the tests; deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from devtools.people import Person, fold, make_email, make_pesel, make_phone, phone_variant

__all__ = ["FIELDS", "Person", "generate_people", "generate_records", "make_pesel", "make_record"]

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

_WOMEN = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Krystyna",
    "Elżbieta",
    "Magdalena",
    "Joanna",
    "Zofia",
    "Aleksandra",
    "Monika",
    "Teresa",
    "Danuta",
    "Natalia",
    "Julia",
    "Karolina",
    "Marta",
    "Beata",
    "Dorota",
    "Halina",
    "Jadwiga",
    "Jolanta",
    "Iwona",
    "Grażyna",
    "Alicja",
    "Urszula",
    "Justyna",
    "Renata",
    "Hanna",
    "Paulina",
    "Izabela",
    "Weronika",
    "Wiktoria",
    "Emilia",
    "Zuzanna",
    "Sylwia",
    "Agata",
    "Gabriela",
    "Kinga",
    "Ewelina",
    "Marianna",
    "Oliwia",
    "Maja",
    "Lena",
    "Helena",
    "Irena",
    "Bożena",
]
_MEN = [
    "Piotr",
    "Krzysztof",
    "Andrzej",
    "Tomasz",
    "Jan",
    "Paweł",
    "Michał",
    "Marcin",
    "Stanisław",
    "Jakub",
    "Adam",
    "Marek",
    "Łukasz",
    "Grzegorz",
    "Mateusz",
    "Wojciech",
    "Mariusz",
    "Dariusz",
    "Zbigniew",
    "Jerzy",
    "Maciej",
    "Ryszard",
    "Kamil",
    "Robert",
    "Rafał",
    "Jacek",
    "Janusz",
    "Szymon",
    "Kacper",
    "Filip",
    "Bartłomiej",
    "Sebastian",
    "Aleksander",
    "Antoni",
    "Franciszek",
    "Henryk",
    "Józef",
    "Tadeusz",
    "Kazimierz",
    "Dominik",
    "Wiktor",
    "Igor",
    "Patryk",
    "Damian",
    "Daniel",
    "Dawid",
    "Artur",
    "Przemysław",
    "Radosław",
    "Sławomir",
]
_SURNAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Wojciechowski",
    "Kwiatkowski",
    "Krawczyk",
    "Kaczmarek",
    "Piotrowski",
    "Grabowski",
    "Zając",
    "Pawłowski",
    "Michalski",
    "Król",
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Nowakowski",
    "Majewski",
    "Olszewski",
    "Stępień",
    "Malinowski",
    "Jaworski",
    "Adamczyk",
    "Dudek",
    "Nowicki",
    "Pawlak",
    "Górski",
    "Witkowski",
    "Walczak",
    "Sikora",
    "Baran",
    "Rutkowski",
    "Michalak",
    "Szewczyk",
    "Ostrowski",
    "Tomaszewski",
    "Pietrzak",
    "Zalewski",
    "Wróblewski",
    "Marciniak",
    "Jasiński",
    "Zawadzki",
    "Bąk",
    "Jakubowski",
    "Sadowski",
    "Duda",
    "Włodarczyk",
    "Wilk",
    "Chmielewski",
    "Borkowski",
    "Sokołowski",
    "Szczepański",
    "Sawicki",
    "Lis",
    "Kucharski",
    "Kalinowski",
    "Wysocki",
    "Mazurek",
    "Kubiak",
    "Kołodziej",
    "Czarnecki",
    "Kaźmierczak",
    "Sobczak",
    "Konieczny",
    "Głowacki",
    "Zakrzewski",
    "Krupa",
    "Wasilewski",
    "Sikorski",
    "Urbański",
    "Laskowski",
    "Zych",
    "Ziółkowski",
    "Brzeziński",
    "Czerwiński",
    "Szulc",
    "Maciejewski",
    "Wawrzyniak",
    "Kołodziejczyk",
    "Baranowski",
    "Kubicki",
    "Kalisz",
    "Gajewski",
    "Szczepaniak",
    "Błaszczyk",
    "Kaczmarczyk",
    "Przybylski",
    "Mróz",
    "Cieślak",
    "Andrzejewski",
    "Lipiński",
    "Chojnacki",
    "Kowalewski",
    "Rogalski",
    "Mroczek",
    "Sobolewski",
    "Kurek",
    "Wrona",
    "Lisowski",
    "Marek",
    "Kania",
    "Tomczak",
    "Żak",
    "Gołębiowski",
    "Kowal",
    "Kozieł",
    "Leśniak",
    "Bielecki",
    "Stachowiak",
    "Domański",
    "Kopeć",
    "Orłowski",
    "Sowa",
    "Milczarek",
]
_CITIES = (
    ("Warszawa", "00"),
    ("Kraków", "30"),
    ("Łódź", "90"),
    ("Wrocław", "50"),
    ("Poznań", "60"),
    ("Gdańsk", "80"),
    ("Szczecin", "70"),
    ("Lublin", "20"),
    ("Białystok", "15"),
    ("Kielce", "25"),
    ("Rzeszów", "35"),
    ("Olsztyn", "10"),
    ("Opole", "45"),
    ("Zielona Góra", "65"),
    ("Radom", "26"),
    ("Gniezno", "62"),
    ("Nowy Sącz", "33"),
    ("Płock", "09"),
    ("Elbląg", "82"),
    ("Tarnów", "33"),
)
_STREETS = [
    "Długa",
    "Krótka",
    "Polna",
    "Leśna",
    "Słoneczna",
    "Ogrodowa",
    "Lipowa",
    "Kwiatowa",
    "Szkolna",
    "Kościuszki",
    "Mickiewicza",
    "Sienkiewicza",
    "Kolejowa",
    "Łąkowa",
    "Spacerowa",
    "Brzozowa",
    "Wiejska",
    "Parkowa",
    "Zielona",
    "Piłsudskiego",
    "Żeromskiego",
    "Reymonta",
    "Jagiellońska",
    "Kasztanowa",
    "Topolowa",
]
_ORGS = (
    "Stowarzyszenie Razem",
    "Fundacja Sąsiedzka",
    "Urząd Gminy",
    "Rada Seniorów",
    "Koło Gospodyń Wiejskich",
    "OSP",
    "Gminny Ośrodek Kultury",
    "Fundacja Rozwoju Wsi",
    "Młodzieżowa Rada Gminy",
    "Stowarzyszenie Aktywni",
)
_DOMAINS = ("gmail.com", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "op.pl")  # the free-mail hosts people use
_PHONE_PREFIXES = "5678"  # first digit of a mobile number
_DIMINUTIVE = {
    "Katarzyna": "Kasia",
    "Małgorzata": "Gosia",
    "Joanna": "Asia",
    "Aleksandra": "Ola",
    "Zofia": "Zosia",
    "Anna": "Ania",
    "Barbara": "Basia",
    "Magdalena": "Magda",
    "Elżbieta": "Ela",
    "Urszula": "Ula",
    "Hanna": "Hania",
    "Maria": "Marysia",
    "Jolanta": "Jola",
    "Krystyna": "Krysia",
    "Zuzanna": "Zuzia",
    "Jakub": "Kuba",
    "Bartłomiej": "Bartek",
    "Tomasz": "Tomek",
    "Wojciech": "Wojtek",
    "Jan": "Janek",
    "Piotr": "Piotrek",
    "Krzysztof": "Krzysiek",
    "Maciej": "Maciek",
    "Grzegorz": "Grześ",
    "Jerzy": "Jurek",
    "Zbigniew": "Zbyszek",
    "Ryszard": "Rysiek",
    "Stanisław": "Staszek",
    "Aleksander": "Olek",
    "Józef": "Józek",
    "Tadeusz": "Tadek",
    "Dariusz": "Darek",
    "Radosław": "Radek",
    "Przemysław": "Przemek",
    "Sławomir": "Sławek",
    "Henryk": "Heniek",
    "Franciszek": "Franek",
    "Antoni": "Antek",
}
#: twins are often given look-alike names; a fuzzy matcher must not merge them
_TWIN_NAMES = (
    ("Maria", "Marta"),
    ("Anna", "Hanna"),
    ("Jan", "Janusz"),
    ("Daniel", "Dawid"),
    ("Kamil", "Kamila"),
    ("Julia", "Julian"),
    ("Piotr", "Paweł"),
    ("Natalia", "Nataniel"),
    ("Zofia", "Zuzanna"),
)


def _female_surname(s: str) -> str:
    for m, f in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ny", "na")):
        if s.endswith(m):
            return s[: -len(m)] + f
    return s


def _gender(female: bool) -> str:
    return "K" if female else "M"


#: mailboxes handed out in this run: a mailbox is personal unless shared on purpose (households)
_USED_EMAILS: set[str] = set()


def _email(first: str, last: str, rng: random.Random) -> str:
    return make_email(first, last, rng, domains=_DOMAINS, numbered=0.5, taken=_USED_EMAILS)


def _new_person(
    pid: int,
    rng: random.Random,
    *,
    female: bool | None = None,
    first: str | None = None,
    last: str | None = None,
    birth: date | None = None,
    **same_as: str,
) -> Person:
    """A new person; ``same_as`` (street, postcode, city, organisation) copies a relative's values."""
    # sex, first name and birth date are drawn even when given, so a seed keeps giving the same people
    drawn_female = rng.random() < 0.55
    female = drawn_female if female is None else female
    drawn_first = rng.choice(_WOMEN if female else _MEN)
    first = drawn_first if first is None else first
    last = last or rng.choice(_SURNAMES)
    last = _female_surname(last) if female else last
    drawn_birth = date(1945, 1, 1) + timedelta(days=rng.randrange(60 * 365))
    birth = drawn_birth if birth is None else birth
    city, prefix = _CITIES[rng.randrange(len(_CITIES))]
    p = Person(
        pid=pid,
        gender=_gender(female),
        first=first,
        last=last,
        birth=birth,
        pesel=make_pesel(birth, female, rng),
        email=_email(first, last, rng),
        email2=_email(first[:3], last, rng),
        phone=make_phone(rng, _PHONE_PREFIXES),
        street=f"ul. {rng.choice(_STREETS)} {rng.randrange(1, 120)}",
        postcode=f"{prefix}-{rng.randrange(1000):03d}",
        city=city,
        organisation=rng.choice(_ORGS),
    )
    return replace(p, **same_as) if same_as else p


def generate_people(n_people: int, seed: int = 0) -> list[Person]:
    """People with households (shared contacts/address), twins, fathers+sons, namesakes."""
    rng = random.Random(seed)
    _USED_EMAILS.clear()
    people: list[Person] = []
    while len(people) < n_people:
        pid = len(people)
        head = _new_person(pid, rng)
        people.append(head)
        home = {"street": head.street, "postcode": head.postcode, "city": head.city}
        roll = rng.random()
        if roll < 0.25:  # household sharing e-mail/phone/address
            names = {head.first}
            for _ in range(rng.randint(1, 3)):
                female = rng.random() < 0.5
                first = rng.choice(_WOMEN if female else _MEN)
                if first in names:  # same-name relatives are the father/son case below
                    continue
                names.add(first)
                base = head.last if not head.female else rng.choice(_SURNAMES)
                if head.female:  # keep the family name
                    base = head.last[:-1] + "i" if head.last.endswith(("ska", "cka")) else head.last
                m = _new_person(len(people), rng, female=female, first=first, last=base, **home)
                if rng.random() < 0.6:
                    m = replace(m, email=head.email)
                if rng.random() < 0.5:
                    m = replace(m, phone=head.phone)
                people.append(m)
        elif roll < 0.29:  # twins: same surname, birth date, address; look-alike names
            a, b = rng.choice(_TWIN_NAMES)
            female = a.endswith("a")
            base = rng.choice(_SURNAMES)
            head = replace(head, first=a, gender=_gender(female), last=_female_surname(base) if female else base)
            head = replace(head, pesel=make_pesel(head.birth, head.female, rng))
            people[-1] = head
            fem_b = b.endswith("a")
            last_b = head.last
            if head.female and not fem_b:
                last_b = last_b[:-1] + "i" if last_b.endswith(("ska", "cka")) else last_b
            elif fem_b and not head.female:
                last_b = _female_surname(last_b)
            twin = _new_person(
                len(people), rng, female=fem_b, first=b, last=last_b, birth=head.birth, **home, organisation=head.organisation
            )
            if rng.random() < 0.5:
                twin = replace(twin, email=head.email)
            people.append(twin)
        elif roll < 0.31:  # father and son with one full name and address, often one phone
            head = replace(head, gender="M", first=rng.choice(_MEN), last=rng.choice(_SURNAMES))
            head = replace(head, pesel=make_pesel(head.birth, False, rng))
            people[-1] = head
            birth = date(min(head.birth.year + rng.randint(20, 35), 2007), head.birth.month, min(head.birth.day, 28))
            son = _new_person(len(people), rng, female=False, first=head.first, last=head.last, birth=birth, **home)
            if rng.random() < 0.5:
                son = replace(son, phone=head.phone)
            if rng.random() < 0.3:
                son = replace(son, email=head.email)
            people.append(son)
        elif roll < 0.34 and people:  # a namesake elsewhere
            other = people[rng.randrange(len(people))]
            twin_name = _new_person(len(people), rng, female=other.female, first=other.first, last=other.last)
            people.append(twin_name)
    return people[:n_people]


def _typo(s: str, rng: random.Random) -> str:
    if len(s) < 5:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.4:
        return s[:i] + s[i + 1 :]
    if op < 0.7:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + rng.choice("aeioukrnst") + s[i + 1 :]


#: how the synthetic records spell a phone number, with the cumulative share of each spelling
_PHONE_STYLES = ("{d}", "+48 {a} {b} {c}", "{a}-{b}-{c}", "0048{d}", "(+48) {w} {x} {y} {z}")
_PHONE_STYLE_SHARES = (0.25, 0.5, 0.7, 0.85, 1.0)


def _phone_format(p: str, rng: random.Random) -> str:
    return phone_variant(p, rng, _PHONE_STYLES, cum_weights=_PHONE_STYLE_SHARES)


def _date_format(d: date, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return d.isoformat()
    if r < 0.8:
        return d.strftime("%d.%m.%Y")
    return d.strftime("%d/%m/%Y")


def make_record(p: Person, rid: str, rng: random.Random, attendance: bool) -> dict[str, str]:
    first = p.first
    if first in _DIMINUTIVE and rng.random() < 0.2:
        first = _DIMINUTIVE[first]
    last = p.last
    if p.female and last.endswith(("ska", "cka")) and rng.random() < 0.08:
        last = last[:-1] + "i"  # women writing the masculine form
    if rng.random() < 0.03:
        last = _typo(last, rng)
    elif rng.random() < 0.02:
        first = _typo(first, rng)
    if rng.random() < 0.25:
        first, last = fold(first), fold(last)
    r = rng.random()
    if r < 0.1:
        first, last = first.upper(), last.upper()
    elif r < 0.2:
        first, last = first.lower(), last.lower()
    rec = dict.fromkeys(FIELDS, "")
    rec.update(record_id=rid, first_name=first, last_name=last)
    if attendance:
        if rng.random() < 0.7:
            rec["email"] = p.email if rng.random() < 0.97 else p.email2
        else:
            rec["phone"] = _phone_format(p.phone, rng)
        rec["organisation"] = p.organisation
        return rec
    if rng.random() < 0.97:
        rec["email"] = p.email if rng.random() < 0.94 else p.email2
    if rng.random() < 0.9:
        rec["phone"] = _phone_format(p.phone, rng)
    if rng.random() < 0.4:
        rec["pesel"] = p.pesel
    if rng.random() < 0.6:
        rec["birth_date"] = _date_format(p.birth, rng)
    if rng.random() < 0.5:
        rec["gender"] = p.gender
    if rng.random() < 0.65:
        rec["street"] = p.street
        rec["postal_code"] = p.postcode if rng.random() < 0.7 else p.postcode.replace("-", "")
        rec["city"] = p.city
    if rng.random() < 0.5:
        rec["organisation"] = p.organisation
    return rec


def generate_records(n_records: int, seed: int = 0) -> tuple[list[dict[str, str]], dict[str, int]]:
    """``n_records`` rows (shuffled) and the true person id of each record id."""
    rng = random.Random(seed + 1)
    people = generate_people(max(2, int(n_records / 1.9)), seed)
    records: list[dict[str, str]] = []
    truth: dict[str, int] = {}
    for p in people:
        k = 1 + (rng.random() < 0.55) + (rng.random() < 0.3) + (rng.random() < 0.15)
        for _ in range(k):
            rid = f"r{len(records):07d}"
            records.append(make_record(p, rid, rng, attendance=rng.random() < 0.15))
            truth[rid] = p.pid
            if len(records) >= n_records:
                break
        if len(records) >= n_records:
            break
    rng.shuffle(records)
    return records, truth
