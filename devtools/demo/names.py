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
#: Gminas of the other seed projects (a project's ``gminas:`` list picks from here; unknown names get no prefix).
OTHER_GMINAS = {
    "Goczałkowice-Zdrój": ("Goczałkowice-Zdrój", "43-23"), "Ornontowice": ("Ornontowice", "43-17"),
    # województwo lubelskie
    "Lublin": ("Lublin", "20-"), "Kraśnik": ("Kraśnik", "23-20"), "Biłgoraj": ("Biłgoraj", "23-40"),
    "Włodawa": ("Włodawa", "22-20"), "Zamość": ("Zamość", "22-40"), "Chełm": ("Chełm", "22-10"),
    "Biała Podlaska": ("Biała Podlaska", "21-50"), "Puławy": ("Puławy", "24-10"), "Świdnik": ("Świdnik", "21-04"),
    "Łęczna": ("Łęczna", "21-01"), "Hrubieszów": ("Hrubieszów", "22-50"), "Tomaszów Lubelski": ("Tomaszów Lubelski", "22-60"),
    "Janów Lubelski": ("Janów Lubelski", "23-30"), "Kazimierz Dolny": ("Kazimierz Dolny", "24-12"), "Nałęczów": ("Nałęczów", "24-15"),
    # powiat wodzisławski
    "Rydułtowy": ("Rydułtowy", "44-28"), "Wodzisław Śląski": ("Wodzisław Śląski", "44-30"), "Pszów": ("Pszów", "44-37"),
    "Radlin": ("Radlin", "44-31"), "Gorzyce": ("Gorzyce", "44-35"), "Godów": ("Godów", "44-34"),
    "Lubomia": ("Lubomia", "44-36"), "Marklowice": ("Marklowice", "44-32"), "Mszana": ("Mszana", "44-32"),
    # powiat płocki
    "Płock": ("Płock", "09-4"), "Bielsk": ("Bielsk", "09-23"), "Bodzanów": ("Bodzanów", "09-47"),
    "Brudzeń Duży": ("Brudzeń Duży", "09-41"), "Bulkowo": ("Bulkowo", "09-45"), "Drobin": ("Drobin", "09-21"),
    "Gąbin": ("Gąbin", "09-53"), "Łąck": ("Łąck", "09-52"), "Mała Wieś": ("Mała Wieś", "09-46"),
    "Nowy Duninów": ("Nowy Duninów", "09-50"), "Radzanowo": ("Radzanowo", "09-45"), "Słubice": ("Słubice", "09-53"),
    "Słupno": ("Słupno", "09-47"), "Stara Biała": ("Stara Biała", "09-41"), "Staroźreby": ("Staroźreby", "09-44"),
    "Wyszogród": ("Wyszogród", "09-45"),
    # powiat pruszkowski
    "Pruszków": ("Pruszków", "05-80"), "Piastów": ("Piastów", "05-82"), "Brwinów": ("Brwinów", "05-84"),
    "Michałowice": ("Komorów", "05-80"), "Nadarzyn": ("Nadarzyn", "05-83"), "Raszyn": ("Raszyn", "05-09"),
}
STREETS = ["Mickiewicza", "Słowackiego", "Kościuszki", "Polna", "Leśna", "Szkolna", "Ogrodowa", "Lipowa", "Słoneczna",
           "Krótka", "Długa", "Kwiatowa", "Parkowa", "Źródlana", "Żeromskiego", "Sienkiewicza", "Pszczyńska", "Świerkowa"]
NGOS = ["Stowarzyszenie {g} Razem", "Fundacja Rozwoju {g}", "Koło Gospodyń Wiejskich w {g}", "Ochotnicza Straż Pożarna {g}",
        "Stowarzyszenie Przyjaciół {g}", "Klub Sportowy {g}", "Fundacja Dzieciom {g}", "Uniwersytet Trzeciego Wieku {g}"]
JST = ["Urząd Miasta {g}", "Urząd Gminy {g}", "Ośrodek Pomocy Społecznej w {g}", "Gminny Ośrodek Kultury w {g}",
       "Szkoła Podstawowa nr 1 w {g}"]
COUNCILS = ["Rada Seniorów {g}", "Młodzieżowa Rada Miasta {g}", "Rada Działalności Pożytku Publicznego {g}"]
INFORMAL = ["Grupa nieformalna Sąsiedzi {g}", "Grupa inicjatywna Zielony {g}"]
