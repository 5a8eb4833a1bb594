"""Name, place and organisation pools for generated demo data (fictional people)."""

FEMALE_FIRST = [
    ("Katarzyna", "Kasia"), ("Małgorzata", "Gosia"), ("Joanna", "Asia"), ("Aleksandra", "Ola"), ("Zofia", "Zosia"),
    ("Anna", "Ania"), ("Agnieszka", "Aga"), ("Magdalena", "Madzia"), ("Barbara", "Basia"), ("Elżbieta", "Ela"),
    ("Ewa", "Ewka"), ("Krystyna", "Krysia"), ("Dorota", "Dorotka"), ("Beata", "Beatka"), ("Jadwiga", "Jadzia"),
    ("Monika", "Monia"), ("Urszula", "Ula"), ("Teresa", "Tereska"), ("Grażyna", "Grażynka"), ("Halina", "Hala"),
    ("Justyna", "Justynka"), ("Łucja", "Łucja"), ("Weronika", "Wera"), ("Paulina", "Paula"), ("Natalia", "Nata"),
]
MALE_FIRST = [
    ("Jakub", "Kuba"), ("Bartłomiej", "Bartek"), ("Piotr", "Piotrek"), ("Krzysztof", "Krzysiek"), ("Tomasz", "Tomek"),
    ("Paweł", "Paweł"), ("Michał", "Michał"), ("Łukasz", "Łukasz"), ("Grzegorz", "Grzesiek"), ("Wojciech", "Wojtek"),
    ("Mateusz", "Mateusz"), ("Marcin", "Marcin"), ("Andrzej", "Andrzej"), ("Stanisław", "Staszek"), ("Józef", "Józek"),
    ("Zbigniew", "Zbyszek"), ("Jerzy", "Jurek"), ("Ryszard", "Rysiek"), ("Mirosław", "Mirek"), ("Sławomir", "Sławek"),
]
# (masculine, feminine) surname forms
SURNAMES = [
    ("Kowalski", "Kowalska"), ("Nowak", "Nowak"), ("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"),
    ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
    ("Mazur", "Mazur"), ("Wojciechowski", "Wojciechowska"), ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"),
    ("Kaczmarek", "Kaczmarek"), ("Piotrowski", "Piotrowska"), ("Grabowski", "Grabowska"), ("Zając", "Zając"),
    ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"), ("Król", "Król"), ("Wieczorek", "Wieczorek"),
    ("Jabłoński", "Jabłońska"), ("Wróbel", "Wróbel"), ("Nowakowski", "Nowakowska"), ("Majewski", "Majewska"),
    ("Olszewski", "Olszewska"), ("Stępień", "Stępień"), ("Malinowski", "Malinowska"), ("Jaworski", "Jaworska"),
    ("Adamczyk", "Adamczyk"), ("Dudek", "Dudek"), ("Nowicki", "Nowicka"), ("Pająk", "Pająk"), ("Górski", "Górska"),
    ("Witkowski", "Witkowska"), ("Walczak", "Walczak"), ("Sikora", "Sikora"), ("Baran", "Baran"), ("Rutkowski", "Rutkowska"),
    ("Michalak", "Michalak"), ("Szewczyk", "Szewczyk"), ("Ostrowski", "Ostrowska"), ("Tomaszewski", "Tomaszewska"),
    ("Pietrzak", "Pietrzak"), ("Duda", "Duda"), ("Zalewski", "Zalewska"), ("Wróblewski", "Wróblewska"),
    ("Łuczak", "Łuczak"), ("Gołębiowski", "Gołębiowska"), ("Sadowski", "Sadowska"), ("Bąk", "Bąk"), ("Chmielewski", "Chmielewska"),
    ("Wilczyński", "Wilczyńska"), ("Zawadzki", "Zawadzka"), ("Sobczak", "Sobczak"), ("Czarnecki", "Czarnecka"), ("Żak", "Żak"),
]
# gmina -> (city, postcode prefix)
GMINAS = {
    "Tychy": ("Tychy", "43-1"), "Bieruń": ("Bieruń", "43-15"), "Lędziny": ("Lędziny", "43-14"),
    "Bojszowy": ("Bojszowy", "43-22"), "Chełm Śląski": ("Chełm Śląski", "41-40"), "Imielin": ("Imielin", "41-40"),
    "Kobiór": ("Kobiór", "43-21"), "Pszczyna": ("Pszczyna", "43-20"), "Miedźna": ("Miedźna", "43-22"),
    "Pawłowice": ("Pawłowice", "43-25"), "Mikołów": ("Mikołów", "43-19"), "Orzesze": ("Orzesze", "43-18"),
    "Łaziska Górne": ("Łaziska Górne", "43-17"), "Wyry": ("Wyry", "43-17"), "Suszec": ("Suszec", "43-26"),
}
STREETS = ["Mickiewicza", "Słowackiego", "Kościuszki", "Polna", "Leśna", "Szkolna", "Ogrodowa", "Lipowa", "Słoneczna",
           "Krótka", "Długa", "Kwiatowa", "Parkowa", "Źródlana", "Żeromskiego", "Sienkiewicza", "Pszczyńska", "Świerkowa"]
NGOS = ["Stowarzyszenie {g} Razem", "Fundacja Rozwoju {g}", "Koło Gospodyń Wiejskich w {g}", "Ochotnicza Straż Pożarna {g}",
        "Stowarzyszenie Przyjaciół {g}", "Klub Sportowy {g}", "Fundacja Dzieciom {g}", "Uniwersytet Trzeciego Wieku {g}"]
JST = ["Urząd Miasta {g}", "Urząd Gminy {g}", "Ośrodek Pomocy Społecznej w {g}", "Gminny Ośrodek Kultury w {g}",
       "Szkoła Podstawowa nr 1 w {g}"]
COUNCILS = ["Rada Seniorów {g}", "Młodzieżowa Rada Miasta {g}", "Rada Działalności Pożytku Publicznego {g}"]
INFORMAL = ["Grupa nieformalna Sąsiedzi {g}", "Grupa inicjatywna Zielony {g}"]
