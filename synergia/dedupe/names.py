"""Polish first-name knowledge: diminutives and the set of known given names.

Why a table: "Kasia" and "Katarzyna" are the same name but share almost no
letters, while "Maria" and "Marta" differ by one letter and are two different
people (twins are often given such names). So a fuzzy comparison is only
allowed when at least one side is *not* a known name (then it is a typo).
All keys are folded (lower case, no diacritics, ł -> l).
"""

from __future__ import annotations

# canonical name -> diminutives / variants (folded)
_DIMINUTIVES: dict[str, tuple[str, ...]] = {
    # women
    "katarzyna": ("kasia", "kasienka", "kaska", "kacha", "kasiula"),
    "malgorzata": ("gosia", "malgosia", "goska", "malgoska", "gosienka"),
    "joanna": ("asia", "joasia", "aska", "joaska"),
    "aleksandra": ("ola", "olka", "olenka"),
    "zofia": ("zosia", "zoska", "zosienka"),
    "anna": ("ania", "anka", "anusia", "aneczka", "anula"),
    "barbara": ("basia", "baska", "basienka"),
    "magdalena": ("magda", "madzia", "magdusia", "madzia"),
    "agnieszka": ("aga", "agusia", "agnies"),
    "elzbieta": ("ela", "elka", "elunia", "elzunia"),
    "urszula": ("ula", "urszulka", "ulka"),
    "hanna": ("hania", "hanka", "hanusia"),
    "maria": ("marysia", "maryska", "marysienka", "mania"),
    "jolanta": ("jola", "jolka", "jolusia"),
    "krystyna": ("krysia", "kryska", "krysienka"),
    "teresa": ("tereska", "tereska"),
    "danuta": ("danusia", "danka", "danuska"),
    "wieslawa": ("wiesia", "wieska"),
    "stanislawa": ("stasia", "staska"),
    "renata": ("renia", "renatka"),
    "emilia": ("emilka", "emi"),
    "julia": ("julka", "julcia", "jula"),
    "natalia": ("natalka", "nata"),
    "weronika": ("werka", "weronisia", "wera"),
    "wiktoria": ("wika", "wiktorka"),
    "alicja": ("ala", "alusia", "alka"),
    "izabela": ("iza", "izka", "izabella", "bela"),
    "zuzanna": ("zuzia", "zuza", "zuzka", "zuzanka"),
    "dorota": ("dorotka", "dora"),
    "bozena": ("bozenka",),
    "halina": ("halinka", "hala"),
    "grazyna": ("grazynka", "grazka"),
    "ewa": ("ewka", "ewunia", "ewcia"),
    "beata": ("beatka", "beti"),
    "iwona": ("iwonka", "iwcia"),
    "monika": ("monia", "moniczka"),
    "justyna": ("justynka", "justa"),
    "karolina": ("karolcia", "karolinka", "karola"),
    "patrycja": ("pati", "patka"),
    "dominika": ("domi", "dominiczka"),
    "marta": ("martusia", "martka"),
    "paulina": ("paula", "paulinka"),
    "sylwia": ("sylwka", "sylwunia"),
    "agata": ("agatka",),
    "edyta": ("edytka",),
    "irena": ("irenka", "irka"),
    "jadwiga": ("jadzia", "jadzka"),
    "genowefa": ("genia", "gienia"),
    "helena": ("hela", "helenka", "lena"),
    "kamila": ("kamilka",),
    "klaudia": ("klaudzia",),
    "lucyna": ("lucia", "lucynka"),
    "marianna": ("marianka",),
    "mariola": ("mariolka",),
    "wanda": ("wandzia",),
    "zdzislawa": ("zdzisia",),
    "bronislawa": ("bronia",),
    "czeslawa": ("czesia",),
    "jozefa": ("jozia",),
    "gabriela": ("gabrysia", "gabi"),
    "adrianna": ("ada", "adrianka", "adriana"),
    "angelika": ("andzia", "angela"),
    "kinga": ("kingusia",),
    "ewelina": ("ewelinka",),
    # men
    "jakub": ("kuba", "kubus", "jakubek"),
    "bartlomiej": ("bartek", "bartus"),
    "tomasz": ("tomek", "tomcio", "tomus"),
    "wojciech": ("wojtek", "wojtus"),
    "stanislaw": ("staszek", "stasiek", "stas"),
    "jan": ("jas", "jasiek", "janek", "jasio"),
    "piotr": ("piotrek", "piotrus"),
    "pawel": ("pawelek", "pawlik"),
    "krzysztof": ("krzysiek", "krzys", "krzysio"),
    "maciej": ("maciek", "macius"),
    "grzegorz": ("grzesiek", "grzes", "grzesio"),
    "jerzy": ("jurek", "jurus"),
    "zbigniew": ("zbyszek", "zbysiu", "zbych"),
    "ryszard": ("rysiek", "rysio", "rychu"),
    "wieslaw": ("wiesiek", "wiesio"),
    "mieczyslaw": ("mietek", "mieciu"),
    "henryk": ("heniek", "henio"),
    "franciszek": ("franek", "franio", "franus"),
    "antoni": ("antek", "antos"),
    "dariusz": ("darek", "dareczek"),
    "miroslaw": ("mirek", "mirus"),
    "slawomir": ("slawek", "slawus"),
    "radoslaw": ("radek", "radzio"),
    "przemyslaw": ("przemek", "przemo"),
    "jaroslaw": ("jarek", "jarus"),
    "aleksander": ("olek", "olus", "aleks", "alek"),
    "szymon": ("szymek", "szymus"),
    "sebastian": ("seba", "sebek"),
    "mateusz": ("mati", "mateuszek"),
    "michal": ("michas", "misiek", "michalek"),
    "lukasz": ("lukaszek", "luki"),
    "marcin": ("marcinek",),
    "kamil": ("kamilek",),
    "adam": ("adas", "adamek"),
    "andrzej": ("andrzejek",),
    "jedrzej": ("jedrek",),
    "jozef": ("jozek", "jozio", "jozus"),
    "kazimierz": ("kazek", "kazio"),
    "wladyslaw": ("wladek", "wladzio"),
    "zdzislaw": ("zdzisiek", "zdzichu"),
    "boleslaw": ("bolek", "bolus"),
    "czeslaw": ("czesiek", "czesio"),
    "tadeusz": ("tadek", "tadzio"),
    "leszek": ("lesio",),
    "rafal": ("rafalek", "rafcio"),
    "robert": ("robek", "robcio"),
    "karol": ("karolek", "karolcio"),
    "dominik": ("dominiczek",),
    "filip": ("filipek", "fifi"),
    "kacper": ("kacperek", "kacpi"),
    "wiktor": ("wiktorek",),
    "witold": ("witek",),
    "waldemar": ("waldek", "waldus"),
    "zygmunt": ("zyga", "zygus"),
    "edward": ("edek", "edzio"),
    "eugeniusz": ("gienek", "genek"),
    "bogdan": ("bodzio", "bogdanek"),
    "bogumil": (),
    "boguslaw": ("bogus", "boguś"),
    "lech": (),
    "ignacy": ("ignas", "ignac"),
    "hubert": ("hubi", "hubercik"),
    "igor": ("igorek",),
    "oskar": ("oskarek",),
    "patryk": ("patrys",),
    "daniel": ("danek", "danielek"),
    "dawid": ("dawidek",),
    "artur": ("arturek", "artek"),
    "arkadiusz": ("arek", "areczek"),
    "mariusz": ("mariuszek", "maniek"),
    "janusz": ("januszek",),
    "marek": ("mareczek",),
    "konrad": ("konradek", "konrat"),
    "norbert": ("norbi",),
    "damian": ("damianek",),
    "emil": ("emilek",),
    "julian": ("julek", "julcio"),
    "mikolaj": ("mikolajek", "miki"),
    "stefan": ("stefek", "stefcio"),
    "ludwik": ("ludwiczek", "lutek"),
    "roman": ("romek", "romcio"),
    "leon": ("leonek", "leos"),
    "gabriel": ("gabrys", "gabrysiek"),
}

# Known names without a diminutive worth listing (folded).
_OTHER_KNOWN = [
    "adrian",
    "alan",
    "albert",
    "alfred",
    "ambrozy",
    "anatol",
    "aniela",
    "antonina",
    "apolonia",
    "aurelia",
    "bartosz",
    "benedykt",
    "blazej",
    "bozydar",
    "brygida",
    "cecylia",
    "celina",
    "cezary",
    "dagmara",
    "daria",
    "diana",
    "dobromir",
    "dorian",
    "edmund",
    "eliza",
    "elwira",
    "emanuel",
    "ernest",
    "eryk",
    "eleonora",
    "felicja",
    "felicjan",
    "feliks",
    "florian",
    "fryderyk",
    "gerard",
    "gustaw",
    "hieronim",
    "hilary",
    "iga",
    "ilona",
    "inga",
    "ireneusz",
    "iwo",
    "jacek",
    "janina",
    "joachim",
    "jolanta",
    "jowita",
    "jozefina",
    "jozefa",
    "judyta",
    "julita",
    "juliusz",
    "kajetan",
    "karina",
    "kazimiera",
    "klara",
    "klemens",
    "kornel",
    "kornelia",
    "krystian",
    "ksawery",
    "laura",
    "lena",
    "leokadia",
    "lidia",
    "liliana",
    "lucjan",
    "lucja",
    "malwina",
    "marcela",
    "marcel",
    "marzena",
    "maksymilian",
    "malina",
    "marlena",
    "matylda",
    "maja",
    "melania",
    "michalina",
    "mieczyslawa",
    "milena",
    "miron",
    "mirela",
    "miroslawa",
    "nadia",
    "nikola",
    "nikodem",
    "nina",
    "norberta",
    "oliwia",
    "oliwer",
    "olga",
    "oktawia",
    "pola",
    "rozalia",
    "roza",
    "regina",
    "romana",
    "romuald",
    "rudolf",
    "sabina",
    "salomea",
    "seweryn",
    "seweryna",
    "sara",
    "sandra",
    "stefania",
    "szczepan",
    "tamara",
    "tekla",
    "teodor",
    "tymon",
    "tymoteusz",
    "urban",
    "walenty",
    "waleria",
    "wawrzyniec",
    "wiesława",
    "wincenty",
    "wioletta",
    "wirginia",
    "wit",
    "zenon",
    "zenobia",
    "zenona",
    "zuzanna",
    "zygmunt",
    "lech",
    "leszek",
    "wojciech",
    "bronislaw",
    "klaudiusz",
    "kryspin",
    "kinga",
    "jagoda",
    "jagna",
    "amelia",
    "antonina",
    "laura",
    "lea",
    "alina",
    "aldona",
    "bogumila",
    "bogna",
    "danuta",
    "emilian",
    "eustachy",
    "fabian",
    "grazyna",
    "henryka",
    "honorata",
    "ida",
    "izydor",
    "jaroslawa",
    "joanna",
    "ludmila",
    "magdalena",
    "marzanna",
    "nataniel",
    "olaf",
    "oliwer",
    "remigiusz",
    "ryszarda",
    "sylwester",
    "teofil",
    "tobiasz",
    "violetta",
    "wladyslawa",
    "wladimir",
    "zbigniewa",
    "zbyszko",
    "zdzislaw",
    "zofia",
]

#: folded diminutive or variant -> canonical folded name
CANONICAL: dict[str, str] = {}
#: every folded first name we know, canonical or diminutive
KNOWN: set[str] = set()

for _canon, _dims in _DIMINUTIVES.items():
    KNOWN.add(_canon)
    CANONICAL[_canon] = _canon
    for _d in _dims:
        if _d not in CANONICAL:
            CANONICAL[_d] = _canon
            KNOWN.add(_d)
for _n in _OTHER_KNOWN:
    KNOWN.add(_n)
    CANONICAL.setdefault(_n, _n)
#: more given names in use in Poland (issue 13: two real names one letter apart, Liwia/Lidia or
#: Marika/Maria, are two people, not a typo — so a name missing here reads as a typo of its neighbour)
_MORE_KNOWN = [
    "adela",
    "aleksy",
    "amanda",
    "anastazja",
    "aneta",
    "anita",
    "arleta",
    "aureliusz",
    "bernadeta",
    "bernard",
    "bianka",
    "blanka",
    "boguslawa",
    "borys",
    "bruno",
    "cyprian",
    "denis",
    "emma",
    "estera",
    "gaja",
    "gracjan",
    "jagienka",
    "jeremi",
    "jeremiasz",
    "julianna",
    "kaja",
    "kalina",
    "konstancja",
    "konstanty",
    "ksenia",
    "lara",
    "leonard",
    "lew",
    "lilia",
    "lilianna",
    "liwia",
    "ludwika",
    "luiza",
    "marcelina",
    "marian",
    "marika",
    "maurycy",
    "mieszko",
    "milosz",
    "mirella",
    "natan",
    "natasza",
    "nela",
    "nicole",
    "oktawian",
    "olgierd",
    "oliwier",
    "rebeka",
    "roksana",
    "sonia",
    "wiwiana",
    "zaklina",
    "zaneta",
    "zoja",
    "zyta",
]
for _n in _MORE_KNOWN:
    KNOWN.add(_n)
    CANONICAL.setdefault(_n, _n)
for _d, _canon in {"maks": "maksymilian", "aleks": "aleksander", "alex": "aleksander", "tola": "antonina"}.items():
    if _canon in CANONICAL and _d not in CANONICAL:  # short forms: the same person as the full name
        KNOWN.add(_d)
        CANONICAL[_d] = CANONICAL[_canon]

#: canonical name -> all its known spellings
_VARIANTS: dict[str, list[str]] = {}
for _n, _c in CANONICAL.items():
    _VARIANTS.setdefault(_c, []).append(_n)

#: male names ending in -a (the -a rule would call them female)
_MALE_A = {"kuba", "barnaba", "bonawentura", "kosma", "zyga", "seba", "jarema", "dyzma"}
#: female names not ending in -a
_FEMALE_OTHER = {"noemi", "beti", "pati", "emi", "gabi", "domi", "miriam", "ruth", "karmen", "nel", "abigail"}


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


#: every known name and its one-letter deletions -> the canonical names they come from
_NEAR: dict[str, set[str]] = {}
for _n in KNOWN:
    for _k in _deletions(_n) | {_n}:
        _NEAR.setdefault(_k, set()).add(CANONICAL[_n])


_LONGEST = max(map(len, KNOWN))


def _one_edit(a: str, b: str) -> bool:
    """Levenshtein distance 1, or one swap of neighbouring letters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def _near_names(folded: str) -> set[str]:
    """Canonical names with a spelling one keystroke from an unknown ``folded``."""
    if len(folded) < 3 or len(folded) > _LONGEST + 1 or folded in CANONICAL:
        return set()  # (longer than any known name + 1: not one keystroke from one)
    hits: set[str] = set()
    for key in _deletions(folded) | {folded}:
        for canon in _NEAR.get(key, ()):
            if canon not in hits and any(_one_edit(folded, n) for n in _VARIANTS[canon]):
                hits.add(canon)
    return hits


def corrected_first_name(folded: str) -> str | None:
    """Canonical name of the one known name a single keystroke away from an
    unknown ``folded`` ('krysa' -> 'krystyna', 'janke' -> 'jan'); None when
    the name is known, too short, or near two different names ('marya')."""
    hits = _near_names(folded) if len(folded) >= 4 else set()
    return hits.pop() if len(hits) == 1 else None


def typo_of_form(folded: str, canon: str) -> bool:
    """Is an unknown ``folded`` one keystroke from some spelling of the known ``canon``:
    its full form or a diminutive ('ia' / Ida, 'kua' / Kuba = Jakub, 'rdek' / Radek =
    Radosław)? Only the other record's own name is tried, so a short form's typo that
    is near several names elsewhere (Eka: Ela or Ewa) is still read against this one."""
    if not folded or folded in CANONICAL:
        return False
    return any(_one_edit(folded, n) for n in _VARIANTS.get(canon, ()))


def canonical_first_name(folded: str) -> str:
    """Map a diminutive to its full name; unknown names stay as they are."""
    return CANONICAL.get(folded, folded)


def _listed_gender(folded: str) -> str | None:
    """Gender of a name found in the tables (no guessing from the ending of an unknown name)."""
    canon = CANONICAL.get(folded)
    base = canon or folded
    if folded in _MALE_A or base in _MALE_A:
        return "M"
    if folded in _FEMALE_OTHER:
        return "K"
    if canon is None:
        return None
    return "K" if base.endswith("a") else "M"


def name_gender(folded: str) -> str | None:
    """'K'/'M' for a known-ish Polish given name, None when unsure.

    No recursion and a constant amount of work per call, whatever the input
    (a 100,000-letter "name" ending in a's included)."""
    if not folded or len(folded) < 2:
        return None
    gender = _listed_gender(folded)
    if gender is not None or folded in CANONICAL:
        return gender
    # Jana, Daniela, Juliana: the female form of a known male name
    if folded.endswith("a") and _listed_gender(folded[:-1]) == "M":
        return "K"
    return None  # unknown (foreign) name: no guess
