"""Fictional people: one ``Person`` and one maker each for PESEL, mobile number, phone spelling and e-mail.

Both generators build on these — the demo workbook (``devtools.demo.generator``) and the synthetic dedupe
records (``devtools.synthetic``). Each keeps its own pools (names, places, domains) and its own noise;
what a PESEL, a phone number or an address *is* lives here once. Every maker draws from the ``rng`` it is
given and nothing else, so a seed gives the same people.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}  # added to the month

#: reserved domains (RFC 2606 / ``.example``): nothing generated can reach a real mailbox
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", "poczta.example", "skrzynka.example")
#: two-digit prefixes of Polish mobile numbers
MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
#: how people write a nine-digit number: {d} all digits, {a} {b} {c} in threes, {w} {x} {y} {z} as 2-3-2-2
PHONE_STYLES = ("+48 {a} {b} {c}", "{a}-{b}-{c}", "{d}", "0048{d}", "(+48) {a} {b} {c}", "{a} {b} {c}", "48{d}", "+48{d}")


@dataclass(frozen=True)
class Person:
    """One fictional person as both generators know them (``gender`` is ``K`` or ``M``, as the forms ask)."""

    first: str
    last: str
    gender: str
    birth: date
    pesel: str
    email: str
    phone: str  # nine digits
    street: str
    postcode: str
    city: str
    organisation: str
    nick: str = ""  # the diminutive people write on attendance lists
    email2: str = ""  # a second mailbox
    gmina: str = ""
    org_type: str = ""
    pid: int = -1  # the true person id (ground truth of the synthetic records)

    @property
    def female(self) -> bool:
        return self.gender == "K"


def fold(text: str) -> str:
    """Drop Polish diacritics the way people do when typing without them."""
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def make_pesel(birth: date, female: bool, rng: random.Random) -> str:
    """A valid PESEL for the birth date (century in the month) and sex (even tenth digit for women)."""
    head = f"{birth.year % 100:02d}{birth.month + _PESEL_CENTURY[birth.year // 100]:02d}{birth.day:02d}{rng.randrange(1000):03d}"
    digits = head + str(rng.randrange(0, 10, 2) + (0 if female else 1))
    check = (10 - sum(int(d) * w for d, w in zip(digits, _PESEL_WEIGHTS)) % 10) % 10
    return digits + str(check)


def make_phone(rng: random.Random, prefixes: Sequence[str] = MOBILE_PREFIXES) -> str:
    """Nine digits of a mobile number: one of ``prefixes``, then random digits."""
    prefix = rng.choice(prefixes)
    rest = 9 - len(prefix)
    return f"{prefix}{rng.randrange(10**rest):0{rest}d}"


def phone_variant(
    digits9: str, rng: random.Random, styles: Sequence[str] = PHONE_STYLES, cum_weights: Sequence[float] | None = None
) -> str:
    """The number as someone typed it: one of ``styles``, uniformly or by cumulative weights."""
    style = rng.choice(styles) if cum_weights is None else rng.choices(styles, cum_weights=cum_weights)[0]
    d = digits9
    return style.format(d=d, a=d[:3], b=d[3:6], c=d[6:], w=d[:2], x=d[2:5], y=d[5:7], z=d[7:])


def make_email(
    first: str,
    last: str,
    rng: random.Random,
    *,
    domains: Sequence[str] = EXAMPLE_DOMAINS,
    patterns: Sequence[str] = ("{first}.{last}",),
    n: int = 0,
    numbered: float = 0.0,
    taken: set[str] | None = None,
) -> str:
    """An address from a name: one of ``patterns`` (``{first}``, ``{last}``, ``{f}`` = initial, ``{n}``), a number
    0-99 appended with probability ``numbered``, folded to ASCII, lower case, at one of ``domains``.

    ``taken``: addresses already handed out — a new one is drawn until it is free, and it is added.
    """
    while True:
        pattern = patterns[0] if len(patterns) == 1 else rng.choice(patterns)
        local = pattern.format(first=first, last=last, f=first[:1], n=n)
        if numbered and rng.random() < numbered:
            local += str(rng.randrange(100))
        address = fold(local).lower().replace(" ", "") + "@" + rng.choice(domains)
        if taken is None:
            return address
        if address not in taken:
            taken.add(address)
            return address
