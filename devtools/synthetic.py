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
from dataclasses import dataclass
from datetime import date, timedelta

FIELDS = ("record_id", "first_name", "last_name", "email", "phone", "pesel", "birth_date", "gender",
          "street", "postal_code", "city", "organisation")

_WOMEN = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Magdalena", "Joanna", "Zofia", "Aleksandra", "Monika", "Teresa", "Danuta", "Natalia", "Julia", "Karolina", "Marta", "Beata", "Dorota", "Halina", "Jadwiga", "Jolanta", "Iwona", "Grażyna", "Alicja", "Urszula", "Justyna", "Renata", "Hanna", "Paulina", "Izabela", "Weronika", "Wiktoria", "Emilia", "Zuzanna", "Sylwia", "Agata", "Gabriela", "Kinga", "Ewelina", "Marianna", "Oliwia", "Maja", "Lena", "Helena", "Irena", "Bożena"]
_MEN = ["Piotr", "Krzysztof", "Andrzej", "Tomasz", "Jan", "Paweł", "Michał", "Marcin", "Stanisław", "Jakub", "Adam", "Marek", "Łukasz", "Grzegorz", "Mateusz", "Wojciech", "Mariusz", "Dariusz", "Zbigniew", "Jerzy", "Maciej", "Ryszard", "Kamil", "Robert", "Rafał", "Jacek", "Janusz", "Szymon", "Kacper", "Filip", "Bartłomiej", "Sebastian", "Aleksander", "Antoni", "Franciszek", "Henryk", "Józef", "Tadeusz", "Kazimierz", "Dominik", "Wiktor", "Igor", "Patryk", "Damian", "Daniel", "Dawid", "Artur", "Przemysław", "Radosław", "Sławomir"]
_SURNAMES = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski", "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Zalewski", "Wróblewski", "Marciniak", "Jasiński", "Zawadzki", "Bąk", "Jakubowski", "Sadowski", "Duda", "Włodarczyk", "Wilk", "Chmielewski", "Borkowski", "Sokołowski", "Szczepański", "Sawicki", "Lis", "Kucharski", "Kalinowski", "Wysocki", "Mazurek", "Kubiak", "Kołodziej", "Czarnecki", "Kaźmierczak", "Sobczak", "Konieczny", "Głowacki", "Zakrzewski", "Krupa", "Wasilewski", "Sikorski", "Urbański", "Laskowski", "Zych", "Ziółkowski", "Brzeziński", "Czerwiński", "Szulc", "Maciejewski", "Wawrzyniak", "Kołodziejczyk", "Baranowski", "Kubicki", "Kalisz", "Gajewski", "Szczepaniak", "Błaszczyk", "Kaczmarczyk", "Przybylski", "Mróz", "Cieślak", "Andrzejewski", "Lipiński", "Chojnacki", "Kowalewski", "Rogalski", "Mroczek", "Sobolewski", "Kurek", "Wrona", "Lisowski", "Marek", "Kania", "Tomczak", "Żak", "Gołębiowski", "Kowal", "Kozieł", "Leśniak", "Bielecki", "Stachowiak", "Domański", "Kopeć", "Orłowski", "Sowa", "Milczarek"]
_CITIES = (("Warszawa", "00"), ("Kraków", "30"), ("Łódź", "90"), ("Wrocław", "50"), ("Poznań", "60"),
           ("Gdańsk", "80"), ("Szczecin", "70"), ("Lublin", "20"), ("Białystok", "15"), ("Kielce", "25"),
           ("Rzeszów", "35"), ("Olsztyn", "10"), ("Opole", "45"), ("Zielona Góra", "65"), ("Radom", "26"),
           ("Gniezno", "62"), ("Nowy Sącz", "33"), ("Płock", "09"), ("Elbląg", "82"), ("Tarnów", "33"))
_STREETS = ["Długa", "Krótka", "Polna", "Leśna", "Słoneczna", "Ogrodowa", "Lipowa", "Kwiatowa", "Szkolna", "Kościuszki", "Mickiewicza", "Sienkiewicza", "Kolejowa", "Łąkowa", "Spacerowa", "Brzozowa", "Wiejska", "Parkowa", "Zielona", "Piłsudskiego", "Żeromskiego", "Reymonta", "Jagiellońska", "Kasztanowa", "Topolowa"]
_ORGS = ("Stowarzyszenie Razem", "Fundacja Sąsiedzka", "Urząd Gminy", "Rada Seniorów", "Koło Gospodyń Wiejskich",
         "OSP", "Gminny Ośrodek Kultury", "Fundacja Rozwoju Wsi", "Młodzieżowa Rada Gminy", "Stowarzyszenie Aktywni")
_DOMAINS = ("gmail.com", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "op.pl")
_DIMINUTIVE = {"Katarzyna": "Kasia", "Małgorzata": "Gosia", "Joanna": "Asia", "Aleksandra": "Ola", "Zofia": "Zosia",
               "Anna": "Ania", "Barbara": "Basia", "Magdalena": "Magda", "Elżbieta": "Ela", "Urszula": "Ula",
               "Hanna": "Hania", "Maria": "Marysia", "Jolanta": "Jola", "Krystyna": "Krysia", "Zuzanna": "Zuzia",
               "Jakub": "Kuba", "Bartłomiej": "Bartek", "Tomasz": "Tomek", "Wojciech": "Wojtek", "Jan": "Janek",
               "Piotr": "Piotrek", "Krzysztof": "Krzysiek", "Maciej": "Maciek", "Grzegorz": "Grześ", "Jerzy": "Jurek",
               "Zbigniew": "Zbyszek", "Ryszard": "Rysiek", "Stanisław": "Staszek", "Aleksander": "Olek",
               "Józef": "Józek", "Tadeusz": "Tadek", "Dariusz": "Darek", "Radosław": "Radek", "Przemysław": "Przemek",
               "Sławomir": "Sławek", "Henryk": "Heniek", "Franciszek": "Franek", "Antoni": "Antek"}
#: twins are often given look-alike names; a fuzzy matcher must not merge them
_TWIN_NAMES = (("Maria", "Marta"), ("Anna", "Hanna"), ("Jan", "Janusz"), ("Daniel", "Dawid"), ("Kamil", "Kamila"),
               ("Julia", "Julian"), ("Piotr", "Paweł"), ("Natalia", "Nataniel"), ("Zofia", "Zuzanna"))
_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _female_surname(s: str) -> str:
    for m, f in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ny", "na")):
        if s.endswith(m):
            return s[: -len(m)] + f
    return s


def make_pesel(born: date, female: bool, rng: random.Random) -> str:
    month = born.month + {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    serial = f"{rng.randrange(1000):03d}{rng.randrange(0, 10, 2) + (0 if female else 1)}"
    digits = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial}"
    control = (10 - sum(int(d) * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3))) % 10) % 10
    return digits + str(control)


@dataclass
class Person:
    pid: int
    female: bool
    first: str
    last: str
    born: date
    pesel: str
    email: str
    email2: str
    phone: str
    street: str
    postal: str
    city: str
    org: str


_USED_EMAILS: set[str] = set()


def _email(first: str, last: str, rng: random.Random) -> str:
    """A mailbox nobody else has (mailboxes are personal unless shared on purpose)."""
    base = f"{first}.{last}".lower().translate(_PLAIN)
    while True:
        e = f"{base}{rng.randrange(100) if rng.random() < 0.5 else ''}@{rng.choice(_DOMAINS)}"
        if e not in _USED_EMAILS:
            _USED_EMAILS.add(e)
            return e


def _phone(rng: random.Random) -> str:
    return f"{rng.choice('5678')}{rng.randrange(10**8):08d}"


def _new_person(pid: int, rng: random.Random, **over) -> Person:
    female = over.pop("female", rng.random() < 0.55)
    first = over.pop("first", rng.choice(_WOMEN if female else _MEN))
    last = over.pop("last", None) or rng.choice(_SURNAMES)
    last = _female_surname(last) if female else last
    born = over.pop("born", date(1945, 1, 1) + timedelta(days=rng.randrange(60 * 365)))
    city, prefix = _CITIES[rng.randrange(len(_CITIES))]
    p = Person(pid=pid, female=female, first=first, last=last, born=born, pesel=make_pesel(born, female, rng),
               email=_email(first, last, rng), email2=_email(first[:3], last, rng), phone=_phone(rng),
               street=f"ul. {rng.choice(_STREETS)} {rng.randrange(1, 120)}", postal=f"{prefix}-{rng.randrange(1000):03d}",
               city=city, org=rng.choice(_ORGS))
    for k, v in over.items():
        setattr(p, k, v)
    return p


def generate_people(n_people: int, seed: int = 0) -> list[Person]:
    """People with households (shared contacts/address), twins, fathers+sons, namesakes."""
    rng = random.Random(seed)
    _USED_EMAILS.clear()
    people: list[Person] = []
    while len(people) < n_people:
        pid = len(people)
        head = _new_person(pid, rng)
        people.append(head)
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
                m = _new_person(len(people), rng, female=female, first=first, last=base,
                                street=head.street, postal=head.postal, city=head.city)
                if rng.random() < 0.6:
                    m.email = head.email
                if rng.random() < 0.5:
                    m.phone = head.phone
                people.append(m)
        elif roll < 0.29:  # twins: same surname, birth date, address; look-alike names
            a, b = rng.choice(_TWIN_NAMES)
            head.first = a
            head.female = a.endswith("a")
            base = rng.choice(_SURNAMES)
            head.last = _female_surname(base) if head.female else base
            head.pesel = make_pesel(head.born, head.female, rng)
            fem_b = b.endswith("a")
            last_b = head.last
            if head.female and not fem_b:
                last_b = last_b[:-1] + "i" if last_b.endswith(("ska", "cka")) else last_b
            elif fem_b and not head.female:
                last_b = _female_surname(last_b)
            twin = _new_person(len(people), rng, female=fem_b, first=b, last=last_b, born=head.born,
                               street=head.street, postal=head.postal, city=head.city, org=head.org)
            if rng.random() < 0.5:
                twin.email = head.email
            people.append(twin)
        elif roll < 0.31:  # father and son with one full name and address, often one phone
            head.female = False
            head.first = rng.choice(_MEN)
            head.last = rng.choice(_SURNAMES)
            head.pesel = make_pesel(head.born, False, rng)
            born = date(min(head.born.year + rng.randint(20, 35), 2007), head.born.month, min(head.born.day, 28))
            son = _new_person(len(people), rng, female=False, first=head.first, last=head.last, born=born,
                              street=head.street, postal=head.postal, city=head.city)
            if rng.random() < 0.5:
                son.phone = head.phone
            if rng.random() < 0.3:
                son.email = head.email
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
        return s[:i] + s[i + 1:]
    if op < 0.7:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice("aeioukrnst") + s[i + 1:]


def _phone_format(p: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return p
    if r < 0.5:
        return f"+48 {p[:3]} {p[3:6]} {p[6:]}"
    if r < 0.7:
        return f"{p[:3]}-{p[3:6]}-{p[6:]}"
    if r < 0.85:
        return f"0048{p}"
    return f"(+48) {p[:2]} {p[2:5]} {p[5:7]} {p[7:]}"


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
        first, last = first.translate(_PLAIN), last.translate(_PLAIN)
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
        rec["organisation"] = p.org
        return rec
    if rng.random() < 0.97:
        rec["email"] = p.email if rng.random() < 0.94 else p.email2
    if rng.random() < 0.9:
        rec["phone"] = _phone_format(p.phone, rng)
    if rng.random() < 0.4:
        rec["pesel"] = p.pesel
    if rng.random() < 0.6:
        rec["birth_date"] = _date_format(p.born, rng)
    if rng.random() < 0.5:
        rec["gender"] = "K" if p.female else "M"
    if rng.random() < 0.65:
        rec["street"] = p.street
        rec["postal_code"] = p.postal if rng.random() < 0.7 else p.postal.replace("-", "")
        rec["city"] = p.city
    if rng.random() < 0.5:
        rec["organisation"] = p.org
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
