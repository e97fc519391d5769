"""The invented world: identifiers, actors, ads (listings) with their ground truth."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from . import idents as I
from .vocab import (CITIES, CONTACT_LINE, ITEM, ITEMS, NEG, POS_EXTRA, POS_OPEN, POS_TITLE,
                    PRICE_LINE, SELLERS, WANTED_OPEN, WANTED_TITLE, sr_cyrl, unmark)

START = dt.date(2026, 9, 1)
END = dt.date(2026, 11, 25)
KEY_CREATED = 1767225600  # 2026-01-01T00:00:00Z, creation time of every invented PGP key


@dataclass
class Ident:
    """One identifier as written on a page, and its canonical form (DESIGN.md §3)."""

    kind: str
    value: str
    normalized: str
    region: str | None = None  # phones: the number's country
    national: bool = False  # phones: written without a country code

    def gt(self) -> dict:
        """Ground-truth record."""
        d = {"kind": self.kind, "value": self.value, "normalized": self.normalized}
        if self.kind == "phone":
            d["region"] = self.region
            d["national_format"] = self.national
        return d


@dataclass
class Ad:
    """One listing page's content and its planted truth."""

    site: str
    lang: str  # sq mk sr en
    script: str  # Latn | Cyrl
    positive: bool
    title: str
    paras: list[str]
    posted: dt.date
    seller: str
    negative_kind: str | None = None
    wanted: bool = False
    price: str | None = None
    category: str = ""
    idents: list[Ident] = field(default_factory=list)  # rendered in the site's contact area
    body_idents: list[Ident] = field(default_factory=list)  # already written inside `paras`
    items: list[str] = field(default_factory=list)
    obfuscations: list[str] = field(default_factory=list)
    cluster: str | None = None
    actor: str | None = None
    photos: list[tuple[int, int]] = field(default_factory=list)  # (seed, variant)
    vendor: str | None = None  # market vendor key
    city: str | None = None
    minute: int = 0  # minutes after midnight (channel post time)
    tags: list[str] = field(default_factory=list)
    # filled by the site renderer
    listing_id: str = ""
    path: str = ""
    image_paths: list[str] = field(default_factory=list)

    def all_idents(self) -> list[Ident]:
        """Every identifier the listing page carries."""
        return self.body_idents + self.idents


class Factory:
    """Seeded source of unique invented identifiers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.photo_seed = 1000

    def _unique(self, make):
        for _ in range(1000):
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("identifier space exhausted")

    def phone(self, region: str) -> str:
        """A fresh valid mobile number, E.164."""
        r = self.rng

        def make():
            if region == "MK":
                nat = "7" + r.choice("0125678") + "".join(r.choice("0123456789") for _ in range(6))
            elif region == "XK":
                nat = "4" + r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(6))
            elif region == "AL":
                nat = "69" + "".join(r.choice("0123456789") for _ in range(7))
            else:
                nat = "6" + r.choice("0234569") + "".join(r.choice("0123456789") for _ in range(7))
            e = "+" + I.PHONE_RULES[region][0] + nat
            assert I.valid_phone(e, region), e
            return e

        return self._unique(make)

    def btc(self, bech32: bool) -> str:
        """A fresh BTC address (P2WPKH bech32 or P2PKH base58check)."""
        raw = lambda: bytes(self.rng.randrange(256) for _ in range(20))  # noqa: E731
        return self._unique(lambda: I.btc_p2wpkh(raw()) if bech32 else I.btc_p2pkh(raw()))

    def xmr(self) -> str:
        """A fresh standard Monero address."""
        raw = lambda: bytes(self.rng.randrange(256) for _ in range(32))  # noqa: E731
        return self._unique(lambda: I.xmr_address(raw(), raw()))

    def onion(self) -> str:
        """A fresh v3 onion address."""
        return self._unique(lambda: I.onion_v3(bytes(self.rng.randrange(256) for _ in range(32))))

    def pgp(self, user_id: str) -> tuple[str, str]:
        """A fresh armored EdDSA public key and its fingerprint."""
        pub = bytes(self.rng.randrange(256) for _ in range(32))
        armor, fpr = I.pgp_armor(pub, KEY_CREATED, user_id)
        self.used.add(fpr)
        return armor, fpr

    def photo(self) -> int:
        """A fresh photo seed."""
        self.photo_seed += 1
        return self.photo_seed

    def date(self) -> dt.date:
        """A posted date between START and END."""
        return START + dt.timedelta(days=self.rng.randrange((END - START).days + 1))


# ---------------------------------------------------------------------------------------------
# Writing identifiers
# ---------------------------------------------------------------------------------------------


def phone_written(e164: str, region: str, style: str) -> Ident:
    """Writes a number the way sellers do. Styles: nat_sp, nat_dash, nat_plain, nat_slash,
    intl_sp, intl_plain, intl_00."""
    cc = I.PHONE_RULES[region][0]
    nat = e164[1 + len(cc):]
    n = "0" + nat
    if len(nat) == 8:  # MK, XK: 0XX XXX XXX
        groups = [n[:3], n[3:6], n[6:]]
        igroups = [nat[:2], nat[2:5], nat[5:]]
    else:  # AL, RS: 0XX XXX XXXX
        groups = [n[:3], n[3:6], n[6:]]
        igroups = [nat[:2], nat[2:5], nat[5:]]
    text = {
        "nat_sp": " ".join(groups),
        "nat_dash": "-".join(groups),
        "nat_plain": n,
        "nat_slash": groups[0] + "/" + groups[1] + "-" + groups[2],
        "intl_sp": f"+{cc} " + " ".join(igroups),
        "intl_plain": e164,
        "intl_00": f"00{cc} " + " ".join(igroups),
    }[style]
    assert I.phone_digits(text).lstrip("+").endswith(nat)
    return Ident("phone", text, e164, region, style.startswith("nat"))


def tg(handle: str) -> Ident:
    """A Telegram handle as written (with @)."""
    return Ident("telegram", handle, handle.lower())


def email(addr: str) -> Ident:
    """An e-mail address at an invented domain."""
    return Ident("email", addr, addr.lower())


# ---------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------


def thousands(n: int, sep: str = ".") -> str:
    """18000 -> 18.000"""
    return f"{n:,}".replace(",", sep)


def price_text(eur: int, lang: str, rng: random.Random) -> str:
    """A price the way the language's ads write it."""
    if lang == "sq":
        return rng.choice([f"{eur} €", f"{eur}e", f"{thousands(eur * 100, '')} lekë", f"{eur} euro"])
    if lang == "mk":
        return rng.choice([f"{thousands(int(round(eur * 61.5, -2)))} ден", f"{eur} €", f"{eur}e"])
    if lang == "sr":
        return rng.choice([f"{thousands(int(round(eur * 117, -2)))} din", f"{eur} €", f"{eur}e", f"{eur} evra"])
    return rng.choice([f"€{eur}", f"{eur} EUR", f"${round(eur * 1.08)}"])


# ---------------------------------------------------------------------------------------------
# Obfuscation
# ---------------------------------------------------------------------------------------------

_LOOKALIKE = str.maketrans({"o": "о", "a": "а", "e": "е", "c": "с", "p": "р", "x": "х"})


def obfuscate(phrase: str, rng: random.Random) -> tuple[str, str | None]:
    """Obfuscates the first maker name in `phrase`: leet, spaced letters or Cyrillic look-alikes."""
    m = re.search(r"(Glock|Zoraki|Beretta|Makarov|Ekol)", phrase)
    if not m:
        return phrase, None
    word = m.group(1)
    kind = rng.choice(["leet", "spaced", "lookalike"])
    if kind == "leet":
        new = word.replace("o", "0").replace("e", "3", 1) if word != "Glock" else "Gl0ck"
    elif kind == "spaced":
        new = " ".join(word.upper() if word == "Ekol" else word)
    else:
        new = word[0] + word[1:].translate(_LOOKALIKE)
    return phrase[:m.start()] + new + phrase[m.end():], kind


# ---------------------------------------------------------------------------------------------
# Generic ads
# ---------------------------------------------------------------------------------------------


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(t: str, **kw) -> str:
    w = kw.get("w", "")
    return t.format(W=_cap(w), **kw)


def item_phrase(item, lang: str) -> str:
    """The item as the language writes it (sr keeps ⟦⟧ markers)."""
    return getattr(item, "sr" if lang == "sr" else lang)


def finish(text: str, lang: str, script: str) -> str:
    """Serbian Cyrillic transliteration where needed, then drop markers."""
    if lang == "sr" and script == "Cyrl":
        text = sr_cyrl(text)
    return unmark(text)


def generic_positive(f: Factory, site: str, lang: str, script: str, *, wanted: bool = False,
                     items=None, obf_rate: float = 0.25) -> Ad:
    """A positive ad (offer, or wanted-to-buy) from the templates."""
    r = f.rng
    item = r.choice(items or ITEMS)
    w = item_phrase(item, lang)
    obf = None
    if r.random() < obf_rate and lang in ("sq", "en", "sr"):
        w, obf = obfuscate(w, r)
    city = r.choice(CITIES[lang])
    eur = r.randrange(item.eur[0], item.eur[1] + 1, 5)
    price = price_text(eur, lang, r)
    if price.endswith("e") and price[:-1].isdigit():
        obf = obf or "price_e"
    title = _fill(r.choice((WANTED_TITLE if wanted else POS_TITLE)[lang]), w=w)
    opener = _fill(r.choice((WANTED_OPEN if wanted else POS_OPEN)[lang]), w=w)
    extras = r.sample(POS_EXTRA[lang], 2)
    paras = [opener, " ".join(_fill(e, n=r.randrange(1, 4), k=r.choice([20, 30, 50, 100]), city=city) for e in extras)]
    if not wanted:
        paras.append(PRICE_LINE[lang].format(price=price))
    ad = Ad(site=site, lang=lang, script=script, positive=True, wanted=wanted,
            title=finish(title, lang, script), paras=[finish(p, lang, script) for p in paras],
            posted=f.date(), seller="", price=None if wanted else price, items=[item.normalized],
            city=city)
    if obf:
        ad.obfuscations.append(obf)
    if item.converted:
        ad.tags.append("converted")
    return ad


def generic_negative(f: Factory, site: str, lang: str, script: str, kind: str) -> Ad:
    """A hard negative from the templates."""
    r = f.rng
    options = NEG[kind].get(lang) or NEG[kind]["en"]
    use_lang = lang if lang in NEG[kind] else "en"
    title, body = r.choice(options)
    city = r.choice(CITIES[use_lang])
    price = None
    paras = list(body)
    if kind not in ("news", "hunting_talk"):
        eur = r.randrange(10, 60) if kind != "ordinary" else r.randrange(150, 4000, 50)
        price = price_text(eur, use_lang, r)
        paras.append(PRICE_LINE[use_lang].format(price=price))
    return Ad(site=site, lang=use_lang, script=script if use_lang == "sr" else ("Cyrl" if use_lang == "mk" else "Latn"),
              positive=False, negative_kind=kind, title=finish(title, use_lang, script),
              paras=[finish(p, use_lang, script) for p in paras], posted=f.date(), seller="",
              price=price, city=city)


def contact_line(lang: str, idents: list[Ident]) -> str:
    """`Kontakt: …` sentence for identifiers written into a body."""
    return CONTACT_LINE[lang].format(c=", ".join(i.value for i in idents))


class Names:
    """Unique seller display names per site drawn from the language pools."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: dict[str, set[str]] = {}

    def take(self, site: str, lang: str) -> str:
        """A name not yet used on `site`."""
        used = self.used.setdefault(site, set())
        pool = SELLERS[lang]
        for _ in range(50):
            name = self.rng.choice(pool)
            if name not in used:
                used.add(name)
                return name
        i = 2
        while True:
            name = f"{self.rng.choice(pool)}{i}"
            if name not in used:
                used.add(name)
                return name
            i += 1

    def reserve(self, site: str, name: str) -> str:
        """Marks a planted name as used on `site`."""
        self.used.setdefault(site, set()).add(name)
        return name


__all__ = ["Ad", "Factory", "Ident", "Names", "ITEM", "contact_line", "email", "finish",
           "generic_negative", "generic_positive", "phone_written", "price_text", "tg"]
