"""Hand-written planted ground truth: repost clusters, cross-site actors, market vendors and the
required cross-script cases. Everything here is invented."""

from __future__ import annotations

from dataclasses import dataclass, field

from .world import Ad, Factory, Ident, Names, contact_line, email, phone_written, tg


@dataclass
class Vendor:
    """A market vendor."""

    key: str
    name: str
    armor: str
    fingerprint: str
    btc: str
    xmr: str
    ships_from: str
    contacts: list[Ident] = field(default_factory=list)
    fpr_on_listings: bool = False
    actor: str | None = None
    sells: str = "weapons"  # weapons | replicas | digital
    bio: str = ""


def make_vendors(f: Factory, shared: dict) -> dict[str, Vendor]:
    """Market vendors; some carry the planted actors' identifiers."""
    vs: dict[str, Vendor] = {}

    def add(key, name, ships, *, pgp=None, btc=None, xmr=None, bech32=True, sells="weapons", bio="",
            contacts=(), fpr=False, actor=None):
        armor, fingerprint = pgp or f.pgp(f"{name} <{key}@bazaar.invalid>")
        vs[key] = Vendor(key, name, armor, fingerprint, btc or f.btc(bech32), xmr or f.xmr(), ships,
                         list(contacts), fpr, actor, sells, bio)

    add("northwolf", "NorthWolf", "Serbia", btc=shared["A02_btc"], actor="A02",
        bio="Ammo and pistols, Balkan stock. Escrow only.")
    add("shadowsmith", "ShadowSmith", "Kosovo", xmr=shared["A03_xmr"], actor="A03",
        bio="Glock specialist. XMR preferred, BTC accepted.")
    add("drinatrade", "DrinaTrade", "Bosnia and Herzegovina", pgp=shared["A04_pgp"], fpr=True, actor="A04",
        bio="Always verify my fingerprint before you pay.")
    add("drinabackup", "Drina_Backup", "Bosnia and Herzegovina", pgp=shared["A04_pgp"], fpr=True, actor="A04",
        bio="Backup account. Same key as always.")
    add("kosovarking", "KosovarKing", "Kosovo", contacts=[Ident("wickr", "Wickr: kosovar_ks", "kosovar_ks")],
        actor="A07", bio="Converted Turkish pistols, fast dead drops.")
    add("oldschool", "OldSchool", "North Macedonia", btc=shared["A10_btc"], bech32=False, actor="A10",
        bio="Old Yugoslav stock. M57, M70, TT.")
    add("vardarfox", "VardarFox", "North Macedonia", bio="Ammunition by the box.")
    add("ironbalkan", "IronBalkan", "Serbia", bech32=False, bio="Rifles and parts.")
    add("adriatic", "AdriaticGhost", "Albania", bio="Pistols, suppressors, magazines.")
    add("toybox", "ToyBoxReplicas", "Bulgaria", sells="replicas", bio="Airsoft and gel blasters. NO real guns.")
    add("skinshop", "SkinShop", "Serbia", sells="digital", bio="CS2 skins and game items, instant delivery.")
    return vs


def shared_identifiers(f: Factory) -> dict:
    """The identifiers the planted actors reuse."""
    return {
        "A01_phone": f.phone("MK"),
        "A02_btc": f.btc(True),
        "A03_xmr": f.xmr(),
        "A04_pgp": f.pgp("Drina Trade <drina@bazaar.invalid>"),
        "A05_tg": "@tetova_gjah",
        "A06_email": "balkanwolf@posta.example",
        "A07_wickr": "kosovar_ks",
        "A08_phone": f.phone("XK"),
        "A09_signal": "vele.44",
        "A10_btc": f.btc(False),
    }


ACTOR_NOTES = {
    "A01": "same North Macedonian phone written 070 123 456 / +38970123456 / 070-123-456",
    "A02": "same BTC bech32 address on a market vendor and a channel post",
    "A03": "same XMR address on a market vendor and a forum offer",
    "A04": "same PGP key: armored block on two market vendors, fingerprint written out on the forum",
    "A05": "same Telegram handle (different case) on classifieds, channel and forum",
    "A06": "same e-mail (different case) on forum and classifieds",
    "A07": "same Wickr id on a market vendor and the forum",
    "A08": "same Kosovo phone +383 44 … / +38344… on classifieds and channel",
    "A09": "same Signal username on classifieds and channel",
    "A10": "same legacy BTC address on a market vendor and the forum",
    "A11": "repost C03: the same phone, national on classifieds, international on the channel",
    "A12": "repost C04: the same Serbian phone on the forum and the channel",
    "A13": "repost C10: the same Albanian phone on classifieds and the channel",
}

CLUSTER_NOTES = {
    "C01": "Zoraki 917 e konvertuar with the wolf engraving (distinctive word: gdhendje) — classifieds + channel",
    "C02": "market Glock 19 Gen5 listing reposted on the forum (price changed)",
    "C03": "Macedonian Глок 19 ad — classifieds + channel (sentence added, price changed)",
    "C04": "Zastava M70 — forum (Serbian Latin) + channel (Serbian Cyrillic, words swapped)",
    "C05": "Продајем пиштољ CZ 99 — forum twice (bumped repost) + channel",
    "C06": "7.62x39 ammunition box — market + channel",
    "C07": "M75 hand grenades — classifieds + channel",
    "C08": "Ekol Firat converted — classifieds twice (altered photo) + channel",
    "C09": "airsoft Glock replica (negative) — market + forum",
    "C10": "Kallashnikov — classifieds + channel (title changed)",
}

DISTINCTIVE = {"C01": ["gdhendje", "ujku"]}


def planted_ads(f: Factory, s: dict, names: Names) -> list[Ad]:
    """Ads of the planted clusters and actors."""
    import datetime as dt

    D = dt.date
    ads: list[Ad] = []

    def add(**kw) -> Ad:
        ad = Ad(**kw)
        names.reserve(ad.site, ad.seller)
        ads.append(ad)
        return ad

    # --- C01: Zoraki 917 with the wolf engraving (A05 Telegram) ---------------------------------
    p = f.photo()
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="gjueti", cluster="C01", actor="A05",
        title="Zoraki 917 e konvertuar, dorezë me gdhendje ujku",
        paras=["Shitet Zoraki 917 e konvertuar për fishekë 9mm, punon pa asnjë problem.",
               "Doreza ka gdhendje ujku të bërë me dorë, e vetme në treg. Vjen me dy karikatorë.",
               "Çmimi: 320 €. Dorëzim në Tetovë ose Gostivar."],
        price="320 €", posted=D(2026, 10, 14), seller="Dardan_K", city="Tetovë",
        idents=[Ident("telegram", "Telegram: @Tetova_Gjah", "@tetova_gjah")],
        items=["Zoraki 917"], photos=[(p, 0), (f.photo(), 0)], tags=["converted"])
    add(site="channel", lang="sq", script="Latn", positive=True, cluster="C01", actor="A05",
        title="ZORAKI 917 E KONVERTUAR",
        paras=["Zoraki 917 e konvertuar për 9mm, dorezë me gdhendje ujku (punë dore).",
               "Dy karikatorë + kuti fishekësh falas. Çmimi 300e, pa pazar.",
               "Shkruani në @tetova_gjah"],
        body_idents=[tg("@tetova_gjah")],
        price="300e", posted=D(2026, 10, 19), seller="Gjahtari", minute=20 * 60 + 15,
        items=["Zoraki 917"], photos=[(p, 0)], obfuscations=["price_e"], tags=["converted"])

    # --- C02: market Glock 19 reposted on the forum (A03 XMR) ----------------------------------
    p = f.photo()
    add(site="market", lang="en", script="Latn", positive=True, category="pistols", cluster="C02", actor="A03",
        vendor="shadowsmith", title="Glock 19 Gen5 + 2 mags, clean",
        paras=["Glock 19 Gen5, 9x19, comes with two 15-round magazines.",
               "Never registered, clean history. Stealth shipping inside a hollowed printer.",
               "Ships from Kosovo to the whole Balkans, EU on request."],
        price="$900", posted=D(2026, 9, 22), seller="ShadowSmith", items=["Glock 19"], photos=[(p, 0)])
    add(site="forum", lang="en", script="Latn", positive=True, category="international", cluster="C02", actor="A03",
        title="WTS Glock 19 Gen5 with two mags",
        paras=["Glock 19 Gen5, 9x19, comes with two 15-round magazines.",
               "Never registered, clean history. Can ship or meet in Pristina.",
               "Price dropped to $850. XMR only: " + s["A03_xmr"]],
        body_idents=[Ident("xmr_address", s["A03_xmr"], s["A03_xmr"])],
        price="$850", posted=D(2026, 10, 3), seller="smith_ks", items=["Glock 19"], photos=[(p, 1)])

    # --- C03: Macedonian Глок 19 ----------------------------------------------------------------
    ph = f.phone("MK")
    p = f.photo()
    add(site="classifieds", lang="mk", script="Cyrl", positive=True, category="gjueti", cluster="C03", actor="A11",
        title="Продавам пиштол Глок 19 со два оквира",
        paras=["Продавам пиштол Глок 19, четврта генерација, исправен и чист.",
               "Доаѓа со два оквира и кутија муниција 9x19.",
               "Цена: 55.000 ден. Лично предавање во Скопје."],
        price="55.000 ден", posted=D(2026, 9, 18), seller="Горан77", city="Скопје",
        idents=[phone_written(ph, "MK", "nat_sp")], items=["Glock 19"], photos=[(p, 0)],
        tags=["cross_script_glock"])
    add(site="channel", lang="mk", script="Cyrl", positive=True, cluster="C03", actor="A11",
        title="Глок 19 со два оквира",
        paras=["Продавам пиштол Глок 19, четврта генерација, исправен и чист.",
               "Доаѓа со два оквира и кутија муниција 9x19. Може и замена за автомат.",
               "Цена: 52.000 ден, Скопје.", "Тел: " + phone_written(ph, "MK", "intl_sp").value],
        body_idents=[phone_written(ph, "MK", "intl_sp")],
        price="52.000 ден", posted=D(2026, 10, 2), seller="Горан", minute=9 * 60 + 40,
        items=["Glock 19"], photos=[(p, 0)], tags=["cross_script_glock"])

    # --- C04: Zastava M70, Latin then Cyrillic ----------------------------------------------------
    ph = f.phone("RS")
    add(site="forum", lang="sr", script="Latn", positive=True, category="oruzje", cluster="C04", actor="A12",
        title="Prodajem automatsku pušku Zastava M70",
        paras=["Prodajem automatsku pušku Zastava M70, ispravna, bez serijskog broja.",
               "Uz nju idu tri okvira i 120 metaka 7,62x39.",
               "Cena 480 €, lična primopredaja u Kraljevu."],
        price="480 €", posted=D(2026, 9, 9), seller="Miki_KV", idents=[phone_written(ph, "RS", "nat_sp")],
        items=["Zastava M70"])
    add(site="channel", lang="sr", script="Cyrl", positive=True, cluster="C04", actor="A12",
        title="Аутоматска пушка Застава М70",
        paras=["Продајем аутоматску пушку Застава М70, без серијског броја, исправна.",
               "Уз њу иду три оквира и 120 метака 7,62x39.",
               "Цена 450 €, Краљево. Тел " + phone_written(ph, "RS", "nat_slash").value],
        body_idents=[phone_written(ph, "RS", "nat_slash")],
        price="450 €", posted=D(2026, 9, 25), seller="Мики", minute=18 * 60 + 5, items=["Zastava M70"])

    # --- C05: Продајем пиштољ CZ 99 (forum twice + channel) ----------------------------------
    p = f.photo()
    for day, seller, site, minute, extra in [
        (D(2026, 10, 6), "Stevan_P", "forum", 0, ""),
        (D(2026, 10, 27), "Stevan_P", "forum", 0, "Поново постављам, први оглас је закључан."),
        (D(2026, 11, 2), "Стеван", "channel", 11 * 60 + 30, ""),
    ]:
        paras = ["Продајем пиштољ CZ 99, калибар 9x19, одлично очуван.",
                 "Иде са кутијом, два оквира и футролом.", "Цена 420 €, Ниш."]
        if extra:
            paras.insert(0, extra)
        add(site=site, lang="sr", script="Cyrl", positive=True, category="oruzje", cluster="C05",
            title="Продајем пиштољ CZ 99" if site == "forum" else "CZ 99 – продајем",
            paras=paras, price="420 €", posted=day, seller=seller, minute=minute, items=["CZ 99"],
            photos=[(p, 0)])

    # --- C06: 7.62x39 box, market + channel (A02 BTC) -------------------------------------------
    add(site="market", lang="en", script="Latn", positive=True, category="ammunition", cluster="C06", actor="A02",
        vendor="northwolf", title="7.62x39 ammo – 2 boxes of 100",
        paras=["Factory 7.62x39 rounds, two sealed boxes of 100, steel case.",
               "Fits AK-47 and Zastava M70. Shipping vacuum sealed, tracking on request."],
        price="$140", posted=D(2026, 9, 14), seller="NorthWolf", items=["7.62x39mm"], photos=[(f.photo(), 0)])
    add(site="channel", lang="en", script="Latn", positive=True, cluster="C06", actor="A02",
        title="7.62x39 ammo, 2 boxes of 100",
        paras=["Factory 7.62x39 rounds, two sealed boxes of 100, steel case, fits AK-47 and M70.",
               "Now $130 for both boxes. BTC only: " + s["A02_btc"]],
        body_idents=[Ident("btc_address", s["A02_btc"], s["A02_btc"])],
        price="$130", posted=D(2026, 10, 8), seller="Vuk", minute=22 * 60, items=["7.62x39mm"])

    # --- C07: M75 grenades (A08 Kosovo phone) ---------------------------------------------------
    p = f.photo()
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="te-tjera", cluster="C07", actor="A08",
        title="Bombë dore M75, 3 copë",
        paras=["Shiten tri bomba dore M75, të ruajtura mirë në vend të thatë.",
               "Vetëm dorë më dorë, në Prizren. Çmimi: 60 € copa."],
        price="60 €", posted=D(2026, 10, 1), seller="Shkëlzen", city="Prizren",
        idents=[phone_written(s["A08_phone"], "XK", "intl_sp")], items=["hand_grenade"], photos=[(p, 0)])
    add(site="channel", lang="sq", script="Latn", positive=True, cluster="C07", actor="A08",
        title="Bomba dore M75",
        paras=["Shiten bomba dore M75, 3 copë, të ruajtura mirë.", "55 € copa, Prizren.",
               "Tel/Viber: " + s["A08_phone"]],
        body_idents=[phone_written(s["A08_phone"], "XK", "intl_plain")],
        price="55 €", posted=D(2026, 10, 11), seller="Prizreni", minute=13 * 60 + 45,
        items=["hand_grenade"], photos=[(p, 1)])

    # --- C08: Ekol Firat converted (A09 Signal) -------------------------------------------------
    p = f.photo()
    ph = f.phone("MK")
    for site, day, price, variant, seller, minute in [
        ("classifieds", D(2026, 9, 12), "16.000 ден", 0, "Тоше_К", 0),
        ("classifieds", D(2026, 10, 20), "14.500 ден", 1, "Тоше_К", 0),
        ("channel", D(2026, 10, 22), "14.500 ден", 1, "Тоше", 16 * 60 + 10),
    ]:
        sig = Ident("signal", "Signal: vele.44", "vele.44")
        paras = ["Се продава Ekol Firat, преправен на бојева муниција 9мм.",
                 "Работи беспрекорно, со еден оквир." + (" Итно, ја намалив цената." if variant else ""),
                 f"Цена: {price}, Велес."]
        a = add(site=site, lang="mk", script="Cyrl", positive=True, category="gjueti", cluster="C08", actor="A09",
                title="Ekol Firat преправен" if site == "classifieds" else "Ekol Firat, преправен – итно",
                paras=paras, price=price, posted=day, seller=seller, minute=minute, items=["Ekol Firat"],
                photos=[(p, variant)], tags=["converted"])
        if site == "classifieds":
            a.idents = [phone_written(ph, "MK", "nat_plain"), sig]
        else:
            a.paras.append("Signal: vele.44")
            a.body_idents = [sig]

    # --- C09: airsoft replica (negative) market + forum -----------------------------------------
    p = f.photo()
    add(site="market", lang="en", script="Latn", positive=False, negative_kind="airsoft", category="replicas",
        cluster="C09", vendor="toybox", title="Airsoft Glock 17 gas blowback (replica)",
        paras=["Gas blowback airsoft replica of the Glock 17, shoots 6mm plastic BBs.",
               "NOT a real firearm and cannot be converted. Orange tip included."],
        price="$95", posted=D(2026, 9, 30), seller="ToyBoxReplicas", photos=[(p, 0)])
    add(site="forum", lang="en", script="Latn", positive=False, negative_kind="airsoft", category="international",
        cluster="C09", title="Airsoft Glock 17 gas blowback – replica, for skirmish",
        paras=["Gas blowback airsoft replica of the Glock 17, shoots 6mm plastic BBs.",
               "Not a real firearm and cannot be converted. Used in two skirmish games. $80."],
        price="$80", posted=D(2026, 10, 16), seller="Kestrel", photos=[(p, 0)])

    # --- C10: Kallashnikov, title changed --------------------------------------------------------
    ph = f.phone("AL")
    p = f.photo()
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="gjueti", cluster="C10", actor="A13",
        title="Shitet kallashnikov AK-47 me dy karikatorë",
        paras=["Shitet kallashnikov AK-47, i pastër, i testuar.", "Me dy karikatorë dhe 60 fishekë 7.62x39.",
               "Çmimi: 45000 lekë. Tiranë."],
        price="45000 lekë", posted=D(2026, 9, 5), seller="Ylber", city="Tiranë",
        idents=[phone_written(ph, "AL", "intl_sp")], items=["Kalashnikov AK-47"], photos=[(p, 0)])
    add(site="channel", lang="sq", script="Latn", positive=True, cluster="C10", actor="A13",
        title="Automatik AK-47 – Tiranë",
        paras=["Shitet kallashnikov AK-47, i pastër, i testuar.", "Me dy karikatorë dhe 60 fishekë 7.62x39.",
               "Çmimi 420 €. Tel: " + phone_written(ph, "AL", "intl_plain").value],
        body_idents=[phone_written(ph, "AL", "intl_plain")],
        price="420 €", posted=D(2026, 9, 16), seller="Ylberi", minute=21 * 60 + 50,
        items=["Kalashnikov AK-47"], photos=[(p, 0)])

    # --- A01: one MK phone written three ways ---------------------------------------------------
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="gjueti", actor="A01",
        title="Shitet pistoletë Tokarev TT me municion",
        paras=["Shitet pistoletë Tokarev TT, e vjetër por funksionale.", "Me 50 plumba 7,62x25.",
               "Çmimi: 260 €. Kumanovë."],
        price="260 €", posted=D(2026, 9, 20), seller="Labinot", city="Kumanovë",
        idents=[phone_written(s["A01_phone"], "MK", "nat_sp")], items=["Tokarev TT"], photos=[(f.photo(), 0)])
    add(site="forum", lang="sr", script="Latn", positive=True, category="oruzje", actor="A01",
        title="Prodajem pištolj Makarov, 9x18",
        paras=["Prodajem pištolj Makarov, kalibar 9x18, sa dva okvira.",
               "Cena 300 €, moguće slanje. Pozovite na " + s["A01_phone"]],
        body_idents=[phone_written(s["A01_phone"], "MK", "intl_plain")],
        price="300 €", posted=D(2026, 10, 10), seller="Ace_Sk", items=["Makarov PM"], tags=["cross_script_pistolj"])
    add(site="channel", lang="mk", script="Cyrl", positive=True, actor="A01",
        title="Пиштол Zastava M57",
        paras=["Се продава пиштол Застава М57, исправен.", "Цена 18.000 ден.",
               "Јавете се на " + phone_written(s["A01_phone"], "MK", "nat_dash").value],
        body_idents=[phone_written(s["A01_phone"], "MK", "nat_dash")],
        price="18.000 ден", posted=D(2026, 11, 4), seller="Куманово", minute=19 * 60 + 20, items=["Zastava M57"])

    # --- A04: PGP fingerprint written out on the forum -------------------------------------------
    from .idents import fingerprint_spaced
    armor, fpr = s["A04_pgp"]
    add(site="forum", lang="sr", script="Latn", positive=True, category="oruzje", actor="A04",
        title="Prigušivači za 9mm i .22, pišite samo šifrovano",
        paras=["Imam prigušivače za 9mm i .22 LR, navoj 1/2x28.",
               "Pišite samo šifrovano, moj PGP otisak: " + fingerprint_spaced(fpr),
               "Cena po dogovoru."],
        body_idents=[Ident("pgp_fingerprint", fingerprint_spaced(fpr), fpr)],
        posted=D(2026, 10, 24), seller="drina_guy", items=["suppressor"])

    # --- A05: the same Telegram handle on the forum ----------------------------------------------
    add(site="forum", lang="sr", script="Latn", positive=True, category="oruzje", actor="A05",
        title="Prodajem prerađeni Zoraki 914, Telegram",
        paras=["Prodajem prerađeni pištolj Zoraki 914, radi na bojevu municiju.",
               "Cena 280 €. Javite se na Telegram: @TETOVA_GJAH"],
        body_idents=[tg("@TETOVA_GJAH")], price="280 €", posted=D(2026, 11, 8), seller="Gjahu",
        items=["Zoraki 914"], tags=["converted"])

    # --- A06: e-mail on forum and classifieds ----------------------------------------------------
    add(site="forum", lang="en", script="Latn", positive=True, category="international", actor="A06",
        title="Beretta 92FS and two boxes of 9mm",
        paras=["Beretta 92FS, 9x19, minor holster wear, plus two boxes of 50.",
               "Price $780. Email only: BalkanWolf@posta.example"],
        body_idents=[email("BalkanWolf@posta.example")], price="$780", posted=D(2026, 9, 28),
        seller="wolf_en", items=["Beretta 92", "9x19mm"])
    add(site="classifieds", lang="mk", script="Cyrl", positive=True, category="gjueti", actor="A06",
        title="Beretta 92 пиштол",
        paras=["Се продава пиштол Beretta 92, калибар 9мм, со кутија.", "Цена: 700 €. Охрид.",
               "Е-пошта: balkanwolf@posta.example"],
        body_idents=[email("balkanwolf@posta.example")], price="700 €", posted=D(2026, 10, 30),
        seller="Волк", city="Охрид", idents=[phone_written(f.phone("MK"), "MK", "nat_sp")],
        items=["Beretta 92"], photos=[(f.photo(), 0)])

    # --- A07: Wickr on the forum ------------------------------------------------------------------
    add(site="forum", lang="en", script="Latn", positive=True, category="international", actor="A07",
        title="Converted Retay and Blow pistols, bulk",
        paras=["Converted Retay 84FS and Blow TR92, fire live 9mm, 5+ pieces.", "From $250 each. wickr me: kosovar_ks"],
        body_idents=[Ident("wickr", "wickr me: kosovar_ks", "kosovar_ks")], price="$250",
        posted=D(2026, 10, 12), seller="ks_guns", items=["Retay 84FS", "Blow TR92"], tags=["converted"])

    # --- A09: Signal on the channel is in C08; A10 legacy BTC on the forum ------------------------
    add(site="forum", lang="en", script="Latn", positive=True, category="international", actor="A10",
        title="Old Yugo stock: M57 and TT pistols",
        paras=["Zastava M57 and Tokarev TT pistols from old stock, working order.",
               "$320 each, pay to BTC " + s["A10_btc"]],
        body_idents=[Ident("btc_address", s["A10_btc"], s["A10_btc"])], price="$320",
        posted=D(2026, 11, 14), seller="yugo_stock", items=["Zastava M57", "Tokarev TT"])

    # --- required cross-script and obfuscation cases ----------------------------------------------
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="gjueti",
        title="Pistoletë gl0ck 17, e re",
        paras=["Shitet pistoletë gl0ck 17, e re, në kuti origjinale.", "Me tre karikatorë.",
            "Çmimi: 750e. Shkup."],
        price="750e", posted=D(2026, 11, 1), seller="Arti_tt", city="Shkup",
        idents=[phone_written(f.phone("MK"), "MK", "intl_sp")], items=["Glock 17"],
        obfuscations=["leet", "price_e"], photos=[(f.photo(), 0)], tags=["pistolete_gl0ck"])
    add(site="forum", lang="sr", script="Latn", positive=False, negative_kind="tool", category="radionica",
        title="Pištolj za silikon – koji kupiti?",
        paras=["Treba mi dobar pištolj za silikon za kupatilo, metalni ili plastični?",
               "Video sam jedan za 900 din, da li je dovoljno jak?"],
        posted=D(2026, 10, 4), seller="Pera_S", tags=["glue_gun"])
    add(site="channel", lang="en", script="Latn", positive=True, wanted=True, title="WTB: G l o c k 19 or CZ 75",
        paras=["Looking to buy G l o c k 19 or CZ 75, working condition only.", "Paying cash, Skopje area.",
               "DM @quietbuyer_mk"],
        body_idents=[tg("@quietbuyer_mk")], posted=D(2026, 11, 20), seller="Admin", minute=8 * 60 + 5,
        items=["Glock 19", "CZ 75"], obfuscations=["spaced"])
    add(site="classifieds", lang="mk", script="Cyrl", positive=True, category="te-tjera",
        title="Автомат Калашников со пригушувач",
        paras=["Се продава автомат Калашников АК-47 со пригушувач и три оквира.",
               "Цена: 36.000 ден. Прилеп."],
        price="36.000 ден", posted=D(2026, 11, 12), seller="Кире", city="Прилеп",
        idents=[phone_written(f.phone("MK"), "MK", "nat_dash")], items=["Kalashnikov AK-47", "suppressor"],
        photos=[(f.photo(), 0)])
    add(site="classifieds", lang="sq", script="Latn", positive=True, category="te-tjera",
        title="TNT dhe eksploziv për gurore",
        paras=["Shes eksploziv TNT, 5 kg, dhe detonatorë.", "Vetëm për seriozë. Çmimi: 40 € kg. Ferizaj."],
        price="40 €", posted=D(2026, 10, 26), seller="Xhevdet", city="Ferizaj",
        idents=[phone_written(f.phone("XK"), "XK", "nat_sp")], items=["tnt"],
        tags=["kosovo_number_national_on_mk_site"])
    return ads


__all__ = ["ACTOR_NOTES", "CLUSTER_NOTES", "DISTINCTIVE", "Vendor", "contact_line", "make_vendors",
           "planted_ads", "shared_identifiers"]
