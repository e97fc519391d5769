"""Vocabulary and text templates per language. Languages: `sq` Albanian, `mk` Macedonian
(Cyrillic), `sr` Serbian Latin (`sr-Cyrl` is produced by transliteration), `en` English.
All text is invented."""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Serbian Latin -> Cyrillic. Text between ⟦ ⟧ stays Latin (makes and models: `CZ 99`).
# ---------------------------------------------------------------------------------------------

_SR_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ", "LJ": "Љ", "NJ": "Њ"}
_SR = dict(zip("abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ",
               "абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ"))


def sr_cyrl(text: str) -> str:
    """Serbian Latin to Cyrillic; spans marked ⟦…⟧ and URLs/handles are kept."""
    out = []
    i = 0
    keep = False
    while i < len(text):
        ch = text[i]
        if ch == "⟦":
            keep = True
        elif ch == "⟧":
            keep = False
        elif keep:
            out.append(ch)
        elif text[i:i + 2] in _SR_DIGRAPHS:
            out.append(_SR_DIGRAPHS[text[i:i + 2]])
            i += 1
        else:
            out.append(_SR.get(ch, ch))
        i += 1
    return "".join(out)


def unmark(text: str) -> str:
    """Drops the ⟦ ⟧ keep-Latin markers."""
    return text.replace("⟦", "").replace("⟧", "")


# ---------------------------------------------------------------------------------------------
# Things sold: weapons, ammunition, explosives, parts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One kind of thing an ad offers."""

    key: str
    normalized: str  # `Make Model` (weapon) or the entity normal form
    kind: str  # weapon | ammunition | explosive | part
    eur: tuple[int, int]
    converted: bool
    sq: str
    mk: str
    sr: str  # Latin; ⟦…⟧ marks text kept Latin in Cyrillic output
    en: str


ITEMS = [
    Item("zoraki917", "Zoraki 917", "weapon", (220, 380), True,
         "pistoletë Zoraki 917 e konvertuar", "пиштол Zoraki 917, преправен на бојева", "pištolj ⟦Zoraki 917⟧, prerađen na bojevu", "Zoraki 917 converted to fire live 9mm"),
    Item("ekol", "Ekol Firat", "weapon", (200, 350), True,
         "pistoletë Ekol Firat e konvertuar", "преправен пиштол Ekol Firat", "prerađen pištolj ⟦Ekol Firat⟧", "Ekol Firat, converted from blank"),
    Item("retay", "Retay 84FS", "weapon", (200, 330), True,
         "Retay 84FS i modifikuar në luftarak", "Retay 84FS преправен", "⟦Retay 84FS⟧ prepravljen", "Retay 84FS converted, live fire"),
    Item("blow", "Blow TR92", "weapon", (180, 300), True,
         "pistoletë Blow TR92 e konvertuar", "пиштол Blow TR92 преправен", "gasni pištolj ⟦Blow TR92⟧ prerađen na bojevu", "Blow TR92 converted alarm pistol"),
    Item("kimar", "Kimar 75", "weapon", (200, 320), True,
         "Kimar 75 e konvertuar, 9mm", "Kimar 75 преправен, 9мм", "⟦Kimar 75⟧ prerađen, 9mm", "Kimar 75 converted to 9mm"),
    Item("bruni", "Bruni 92", "weapon", (200, 320), True,
         "pistoletë alarmi Bruni 92 e konvertuar", "гасен пиштол Bruni 92 преправен", "startni pištolj ⟦Bruni 92⟧ prerađen", "Bruni 92 blank gun, converted"),
    Item("m70", "Zastava M70", "weapon", (350, 600), False,
         "automatik Zastava M70", "автоматска пушка Застава М70", "automatska puška Zastava M70", "Zastava M70 rifle"),
    Item("m57", "Zastava M57", "weapon", (280, 450), False,
         "pistoletë Zastava M57", "пиштол Застава М57", "pištolj Zastava M57", "Zastava M57 pistol"),
    Item("m88", "Zastava M88", "weapon", (300, 480), False,
         "pistoletë Zastava M88", "пиштол Застава М88", "pištolj Zastava M88", "Zastava M88 pistol, 9x19"),
    Item("m92", "Zastava M92", "weapon", (450, 750), False,
         "automatik i shkurtër Zastava M92", "Застава М92 скратена", "Zastava M92 kratka", "Zastava M92 carbine"),
    Item("cz75", "CZ 75", "weapon", (500, 800), False,
         "pistoletë CZ 75", "пиштол CZ 75", "pištolj ⟦CZ 75⟧", "CZ 75 pistol"),
    Item("cz99", "CZ 99", "weapon", (350, 550), False,
         "pistoletë CZ 99", "пиштол CZ 99", "pištolj ⟦CZ 99⟧", "CZ 99 pistol"),
    Item("glock17", "Glock 17", "weapon", (600, 950), False,
         "pistoletë Glock 17", "пиштол Глок 17", "pištolj ⟦Glock 17⟧", "Glock 17 Gen4"),
    Item("glock19", "Glock 19", "weapon", (650, 1000), False,
         "pistoletë Glock 19", "пиштол Глок 19", "pištolj ⟦Glock 19⟧", "Glock 19 Gen5"),
    Item("beretta92", "Beretta 92", "weapon", (550, 850), False,
         "pistoletë Beretta 92", "пиштол Beretta 92", "pištolj ⟦Beretta 92⟧", "Beretta 92FS"),
    Item("makarov", "Makarov PM", "weapon", (250, 400), False,
         "pistoletë Makarov", "пиштол Макаров", "pištolj Makarov", "Makarov PM 9x18"),
    Item("tt", "Tokarev TT", "weapon", (200, 350), False,
         "pistoletë Tokarev TT", "пиштол Токарев ТТ", "pištolj Tokarev ⟦TT⟧", "Tokarev TT-33"),
    Item("ak47", "Kalashnikov AK-47", "weapon", (380, 650), False,
         "kallashnikov AK-47", "автомат Калашников АК-47", "kalašnjikov ⟦AK-47⟧", "AK-47 Kalashnikov"),
    Item("skorpion", "Zastava M84", "weapon", (500, 800), False,
         "automatik Škorpion", "Шкорпион автомат", "Škorpion, automat", "Skorpion machine pistol"),
    Item("ammo919", "9x19mm", "ammunition", (25, 45), False,
         "municion 9x19, kuti me 50 fishekë", "муниција 9x19, кутија 50 куршуми", "municija ⟦9x19⟧, kutija 50 metaka", "9x19 ammo, box of 50"),
    Item("ammo762", "7.62x39mm", "ammunition", (30, 60), False,
         "fishekë 7.62x39 për kallashnikov, kuti 100 copë", "куршуми 7,62x39, кутија 100 парчиња", "meci ⟦7,62x39⟧, kutija 100 komada", "7.62x39 rounds, 100 per box"),
    Item("ammo762tt", "7.62x25mm", "ammunition", (25, 40), False,
         "plumba 7,62x25 për TT, 50 copë", "муниција 7,62x25 за ТТ, 50 парчиња", "municija ⟦7,62x25⟧ za ⟦TT⟧, 50 kom", "7.62x25 Tokarev ammo, 50 rounds"),
    Item("m75", "hand_grenade", "explosive", (40, 90), False,
         "bombë dore M75", "рачна бомба М75", "ručna bomba ⟦M75⟧", "M75 hand grenade"),
    Item("tnt", "tnt", "explosive", (30, 70), False,
         "eksploziv TNT, 200 gram", "експлозив ТНТ, 200 грама", "eksploziv ⟦TNT⟧, 200 grama", "TNT 200g blocks"),
    Item("suppressor", "suppressor", "part", (120, 250), False,
         "zhurmëmbytës për 9mm", "пригушувач за 9мм", "prigušivač za 9mm", "suppressor for 9mm, threaded"),
    Item("mags", "magazine", "part", (30, 60), False,
         "karikator për Glock 17, 2 copë", "оквир за Глок 17, 2 парчиња", "okvir za ⟦Glock 17⟧, 2 komada", "Glock 17 magazines, 2 pcs"),
]
ITEM = {i.key: i for i in ITEMS}

# ---------------------------------------------------------------------------------------------
# Positive ad sentences. {w} = item phrase, {price}, {city}, {n}, {k}
# ---------------------------------------------------------------------------------------------

POS_TITLE = {
    "sq": ["Shitet {w}", "Shes {w}", "{W} – në shitje", "{W}, gjendje shumë e mirë", "Shitet urgjent: {w}"],
    "mk": ["Се продава {w}", "Продавам {w}", "{W} – итно", "{W}, одлична состојба"],
    "sr": ["Prodajem {w}", "Na prodaju {w}", "{W} – hitno", "{W}, odlično stanje"],
    "en": ["{W} for sale", "Selling {w}", "WTS: {w}", "{W} – mint condition"],
}
WANTED_TITLE = {
    "sq": ["Blej {w}", "Kërkoj të blej {w}"],
    "mk": ["Купувам {w}", "Барам {w}"],
    "sr": ["Kupujem {w}", "Tražim {w}"],
    "en": ["WTB: {w}", "Looking to buy {w}"],
}
POS_OPEN = {
    "sq": ["Shitet {w}, e pastër dhe funksionale.", "Kam për shitje {w}, e përdorur pak.",
           "Në shitje {w}, e testuar, punon pa problem."],
    "mk": ["Се продава {w}, исправен и чист.", "Имам за продажба {w}, малку користен.",
           "На продажба {w}, тестиран, работи без проблем."],
    "sr": ["Prodajem {w}, ispravan i čist.", "Imam na prodaju {w}, malo korišćen.",
           "Na prodaju {w}, testiran, radi bez greške."],
    "en": ["Selling {w}, clean and fully working.", "Got {w} available, lightly used.",
           "{W}, tested, runs without problems."],
}
WANTED_OPEN = {
    "sq": ["Blej {w}, paguaj mirë.", "Kërkoj {w}, vetëm në gjendje pune."],
    "mk": ["Купувам {w}, плаќам добро.", "Барам {w}, само исправен."],
    "sr": ["Kupujem {w}, plaćam dobro.", "Tražim {w}, samo ispravan."],
    "en": ["Buying {w}, paying well.", "Looking for {w}, working condition only."],
}
POS_EXTRA = {
    "sq": ["Vjen me {n} karikatorë dhe {k} fishekë.", "Pa numër serik, e pastër.", "Dorëzim dorë më dorë në {city}.",
           "Vetëm seriozë, mos humbni kohë.", "Mund të dërgoj edhe me postë, paketuar mirë.", "Nuk ka ulje në çmim."],
    "mk": ["Доаѓа со {n} оквира и {k} куршуми.", "Без сериски број, чист.", "Лично предавање во {city}.",
           "Само сериозни, не губете време.", "Може и испорака, добро спакувано.", "Цената не е фиксна."],
    "sr": ["Uz to idu {n} okvira i {k} metaka.", "Bez serijskog broja, čist.", "Lična primopredaja u {city}.",
           "Samo ozbiljni, ne gubite vreme.", "Može i slanje, dobro upakovano.", "Cena nije fiksna."],
    "en": ["Comes with {n} mags and {k} rounds.", "No serial, clean history.", "Meet in {city} or ship.",
           "Serious buyers only.", "Stealth shipping, vacuum sealed.", "Price is firm."],
}
PRICE_LINE = {
    "sq": "Çmimi: {price}.", "mk": "Цена: {price}.", "sr": "Cena: {price}.", "en": "Price: {price}.",
}
CONTACT_LINE = {
    "sq": "Kontakt: {c}", "mk": "Контакт: {c}", "sr": "Kontakt: {c}", "en": "Contact: {c}",
}

CITIES = {
    "sq": ["Tetovë", "Gostivar", "Shkup", "Kumanovë", "Strugë", "Prishtinë", "Prizren", "Pejë", "Tiranë", "Durrës", "Shkodër", "Ferizaj"],
    "mk": ["Скопје", "Битола", "Охрид", "Куманово", "Прилеп", "Струмица", "Велес", "Штип"],
    "sr": ["Beograd", "Novi Sad", "Niš", "Kragujevac", "Čačak", "Kraljevo", "Subotica", "Valjevo"],
    "en": ["Belgrade", "Skopje", "Pristina", "Tirana", "Novi Sad", "Nis"],
}
KOSOVO_CITIES = {"Prishtinë", "Prizren", "Pejë", "Ferizaj"}
ALBANIA_CITIES = {"Tiranë", "Durrës", "Shkodër"}

SELLERS = {
    "sq": ["Arti_tt", "Besnik B.", "Blerim", "Dardan_K", "Drilon", "Endrit.S", "Fisnik", "Gëzim H.", "Ilir_88",
           "Kastriot", "Labinot", "Liridon", "Mentor K.", "Njazi", "Qëndrim", "Rrezart", "Shkëlzen", "Taulant",
           "Valdet", "Visar_g", "Xhevdet", "Ylber", "Zenel T."],
    "mk": ["Аце_СК", "Бојан К.", "Влатко", "Горан77", "Дарко", "Зоки_БТ", "Игор Т.", "Кире", "Љупчо",
           "Мите", "Никола_С", "Оливер", "Пеце", "Сашко", "Тоше_К", "Филип", "Цане"],
    "sr": ["Lovac_Caca", "Dule_NS", "Miki_KV", "Zoki", "Stevan_P", "Bane", "Vlada_ue", "Raca", "Cile",
           "Žika_KG", "Mare", "Pera_S", "Šone", "Đole", "Bata_VA"],
    "en": ["GreyFox", "IronMule", "quietman", "BalkanPlug", "Sarge", "blackriver", "n0mad", "Kestrel"],
}

# ---------------------------------------------------------------------------------------------
# Hard negatives: (title, body sentences) per kind and language. {price}, {city}
# ---------------------------------------------------------------------------------------------

NEG = {
    "tool": {
        "sq": [("Pistoletë për ngjyrosje elektrike 650W", ["Pistoletë për ngjyrosje, përdorur dy herë për muret e shtëpisë.", "Vjen me enë 800 ml dhe dy hundëza."]),
               ("Pistoletë silikoni profesionale", ["Pistoletë për silikon, metalike, e fortë.", "E përshtatshme për banjo dhe dritare."]),
               ("Pistoletë me ajër të nxehtë 2000W", ["Pistoletë me ajër të nxehtë për heqje boje dhe plastikë.", "Temperatura deri 600°C."])],
        "mk": [("Пиштол за силикон", ["Пиштол за силикон, метален, нов во кутија.", "Одличен за бањи и прозорци."]),
               ("Пиштол за топол воздух 2000W", ["Пиштол за топол воздух, користен неколку пати.", "Температура до 600°C, со додатоци."]),
               ("Пиштол за боење со компресор", ["Пиштол за боење, ХВЛП, дизна 1.4 мм.", "Идеален за фарбање на ѕидови и огради."])],
        "sr": [("Pištolj za silikon, metalni", ["Prodajem pištolj za silikon, metalni, nov.", "Odličan za kupatila i prozore."]),
               ("Pištolj za lepak, 40W", ["Pištolj za vrući lepak sa 20 patrona lepka.", "Koristio sam ga za modelarstvo."]),
               ("Pištolj za pranje pod pritiskom", ["Pištolj za pranje za Karcher perače, nov.", "Odgovara za K2 do K7."]),
               ("Pištolj za eksere, pneumatski", ["Pneumatski pištolj za eksere, 18 Ga.", "Uz njega ide kutija eksera."])],
        "en": [("Heat gun 2000W with nozzles", ["Heat gun, used twice for paint stripping.", "Comes with four nozzles and a case."]),
               ("Nail gun, pneumatic, 18 gauge", ["Pneumatic nail gun, works fine, minor scratches.", "Includes a box of brad nails."]),
               ("HVLP paint spray gun", ["Paint spray gun, 1.4 mm tip, gravity feed.", "Great for car panels and furniture."])],
    },
    "airsoft": {
        "sq": [("Airsoft Glock 17 replikë, plastike", ["Replikë airsoft Glock 17, gjuan topa plastikë 6mm.", "Nuk është armë e vërtetë, ideale për lojë."])],
        "mk": [("Ерсофт пушка M4 реплика", ["Ерсофт реплика M4, електрична, 6мм топчиња.", "Не е вистинско оружје, само за игра."])],
        "sr": [("Airsoft replika AK-47, električna", ["Airsoft replika AK-47, ispaljuje plastične kuglice 6mm.", "Nije pravo oružje, samo za igru i kolekciju."])],
        "en": [("Airsoft Glock 17 gas blowback replica", ["Airsoft gas blowback replica, shoots 6mm BBs.", "Not a real firearm; for skirmish games only."])],
    },
    "replica": {
        "sq": [("Replikë dekorative kallashnikov për mur", ["Replikë prej druri dhe metali, nuk gjuan.", "Dekor për lokal ose shtëpi."])],
        "mk": [("Декоративна реплика на Колт, не пука", ["Метална реплика, само за декорација.", "Не може да се преправи, нема цевка."])],
        "sr": [("Dekorativna replika Colt 1873, ne puca", ["Metalna replika za vitrinu, bez cevi.", "Samo za kolekcionare, ne može se prepraviti."])],
        "en": [("Non-firing display replica Colt 1873", ["Metal display replica, solid barrel, cannot fire.", "Collector piece for a shelf."])],
    },
    "gel_blaster": {
        "sq": [("Gel blaster M416 për fëmijë", ["Lodër gel blaster me topa uji, bateri e rimbushshme.", "E sigurt për fëmijë mbi 14 vjeç."])],
        "mk": [("Гел бластер пиштол за деца", ["Гел бластер со водени топчиња, на батерии.", "Безбеден за деца над 14 години."])],
        "sr": [("Gel blaster pištolj igračka", ["Gel blaster na vodene kuglice, punjiva baterija.", "Igračka, za decu preko 14 godina."])],
        "en": [("Gel blaster M416 toy", ["Gel ball blaster toy, rechargeable battery.", "Safe fun for 14+, comes with 10k gel balls."])],
    },
    "toy": {
        "sq": [("Pistoletë uji për fëmijë", ["Pistoletë uji plastike, ngjyrë blu.", "Lodër për verë, e re."])],
        "mk": [("Пиштол играчка со звук", ["Пиштол играчка со светла и звук.", "Нов, за деца од 3 години."])],
        "sr": [("Pištolj igračka na vodu", ["Plastični pištolj na vodu za decu.", "Nov, u originalnom pakovanju."])],
        "en": [("Kids water pistol, 2-pack", ["Plastic water pistols, blue and green.", "Brand new, summer toy."])],
    },
    "game_item": {
        "sq": [("AK-47 | Redline (Field-Tested) skin CS2", ["Skin për lojën CS2, AK-47 | Redline, Field-Tested.", "Transferim përmes Steam trade."])],
        "mk": [("CS2 скин AK-47 | Redline", ["Скин за играта CS2, AK-47 | Redline, Minimal Wear.", "Размена преку Steam."])],
        "sr": [("CS2 skin AK-47 | Redline (Minimal Wear)", ["Prodajem skin AK-47 | Redline za CS2.", "Razmena preko Steam trade ponude."])],
        "en": [("CS2 skin: AK-47 | Redline (Field-Tested)", ["In-game item AK-47 | Redline, Field-Tested, float 0.21.", "Delivered by Steam trade offer."]),
               ("Desert Eagle | Blaze skin, Factory New", ["CS2 pistol skin Desert Eagle | Blaze, factory new.", "Game item only, Steam trade."])],
    },
    "ordinary": {
        "sq": [("Shitet Golf 4 1.9 TDI, viti 2002", ["Golf 4 në gjendje të mirë, regjistrim deri në maj.", "Naftë, 240.000 km."]),
               ("iPhone 13 128GB, si i ri", ["iPhone 13 me kuti dhe karikues, bateria 89%.", "Pa asnjë gërvishtje."])],
        "mk": [("Се продава Опел Астра 1.6, 2006", ["Опел Астра, регистрирана, сервисирана.", "Бензин/плин, 210.000 км."]),
               ("Samsung Galaxy S21, одличен", ["Samsung Galaxy S21, 128GB, со кутија.", "Батерија одлична, нема гребнатини."])],
        "sr": [("Prodajem Yugo 45, oldtajmer", ["Yugo 45 iz 1988, registrovan, ide na prvu.", "Garažiran, bez rđe."]),
               ("Xiaomi Redmi Note 12, nov", ["Xiaomi Redmi Note 12, 128GB, nov u kutiji.", "Garancija dve godine."])],
        "en": [("Toyota Corolla 2012, low mileage", ["Toyota Corolla, 1.4 diesel, 150,000 km.", "Full service history."]),
               ("Used Canon EOS camera body", ["Canon EOS body, 20k shutter count.", "Battery and charger included."])],
    },
    "news": {
        "sq": [("Policia sekuestron armë dhe municion në një shtëpi", ["Sipas policisë, gjatë kontrollit u gjetën dy pistoleta, një kallashnikov dhe 300 fishekë.", "Një person është arrestuar; hetimet vazhdojnë."])],
        "mk": [("Полицијата заплени оружје и рачни бомби", ["При претрес се пронајдени пиштол, автоматска пушка и две рачни бомби.", "Едно лице е приведено, истрагата продолжува."])],
        "sr": [("Policija zaplenila pištolje i municiju", ["Tokom pretresa pronađeno je pet pištolja, automatska puška i 500 metaka.", "Osumnjičeni je zadržan, istraga je u toku."])],
        "en": [("Police seize converted pistols in cross-border raid", ["Officers seized twelve converted alarm pistols and ammunition, the police said.", "Two suspects were detained; the investigation continues."])],
    },
    "hunting_talk": {
        "sr": [("Otvaranje sezone na divlje svinje", ["Kako ste prošli na prvom pogonu ove sezone?", "Kod nas je bilo mirno, jedan vepar za celu družinu."]),
               ("Koji optički nišan za lovački karabin?", ["Razmišljam o nišanu 3-9x40 za lov na srne.", "Ima li neko iskustva sa jeftinijim modelima?"]),
               ("Dozvola za lovačko oružje – koliko traje?", ["Predao sam papire u policiji pre mesec dana.", "Koliko je vama trajalo izdavanje dozvole?"])],
        "en": [("Best boots for late season hunting?", ["Looking for waterproof boots for the mountains.", "What do you all wear in November?"]),
               ("Range day report", ["Spent the day at the licensed range zeroing my hunting rifle.", "Groups were tight at 100 m."])],
    },
}
NEG_KINDS = list(NEG)

REPLIES = {
    "sr": ["PM poslat.", "Koja je konačna cena?", "Gore!", "Javio sam se u inbox.", "Da li je još aktuelno?",
           "Pozdrav, zanima me.", "Slažem se.", "Hvala na informaciji."],
    "en": ["PM sent.", "Still available?", "Bump.", "Interested, check your inbox.", "Thanks for sharing.",
           "Good luck with the sale.", "Agreed."],
}
