#!/usr/bin/env python3
"""Generates the synthetic salwatch sample sites under samples/sites/ and samples/ground_truth.json,
then verifies its own output (identifier checksums, counts, internal links, profile selectors) and
exits non-zero on any failure. Python 3.11 standard library only; deterministic (fixed seed, stable
order, no clock): re-running reproduces byte-identical files. All content is invented.

    python3 samples/generate.py            # regenerate and verify
    python3 samples/generate.py --check    # verify the files on disk only
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the embedded samples tree

import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generator import idents as I  # noqa: E402
from generator import png, sites  # noqa: E402
from generator.planted import (ACTOR_NOTES, CLUSTER_NOTES, DISTINCTIVE, make_vendors,  # noqa: E402
                               planted_ads, shared_identifiers)
from generator.vocab import ITEMS, REPLIES, sr_cyrl  # noqa: E402
from generator.world import Ad, Factory, Ident, Names, generic_negative, generic_positive, phone_written, tg  # noqa: E402


def salwatch_id(a) -> str:
    """The listing id as salwatch derives it from the site profile: the profile's listing_id field
    (a Telegram post is identified by `channel/number`, as in its `data-post` attribute)."""
    return f"{sites.CHAN}/{a.listing_id}" if a.site == "channel" else a.listing_id


def ref(a) -> str:
    """`site:listing id`, the listing's id in the index."""
    return f"{a.site}:{salwatch_id(a)}"

# ---------------------------------------------------------------------------------------------
# Knobs: grow the samples here.
# ---------------------------------------------------------------------------------------------
SEED = 20261125
LISTINGS = {"classifieds": 90, "forum": 50, "market": 45, "channel": 40}
NEGATIVE_SHARE = {"classifieds": 0.40, "forum": 0.42, "market": 0.22, "channel": 0.35}
WANTED_SHARE = 0.08
MIN_NEGATIVE_SHARE = 0.30
MIN_CLUSTERS = 8
MIN_ACTORS = 6
MAX_TREE_BYTES = 6 * 1024 * 1024
PORTS = {"classifieds": 8481, "forum": 8482, "market": 8483, "channel": 8484}
SEEDS = {"classifieds": "/", "forum": "/", "market": "/", "channel": f"/s/{sites.CHAN}/"}
# language mix per site: (lang, script, weight)
LANGS = {
    "classifieds": [("sq", "Latn", 5), ("mk", "Cyrl", 5)],
    "forum": [("sr", "Latn", 45), ("sr", "Cyrl", 25), ("en", "Latn", 30)],
    "market": [("en", "Latn", 1)],
    "channel": [("sq", "Latn", 3), ("mk", "Cyrl", 3), ("sr", "Latn", 2), ("sr", "Cyrl", 1), ("en", "Latn", 2)],
}
NEG_KINDS = {
    "classifieds": [("tool", 4), ("airsoft", 2), ("replica", 1), ("gel_blaster", 1), ("toy", 1), ("game_item", 2), ("ordinary", 4)],
    "forum": [("hunting_talk", 4), ("tool", 3), ("news", 2), ("game_item", 1), ("airsoft", 1)],
    "market": [("airsoft", 3), ("gel_blaster", 1), ("replica", 1), ("game_item", 3)],
    "channel": [("news", 3), ("ordinary", 2), ("tool", 2), ("airsoft", 1), ("game_item", 1)],
}
CL_NEG_CAT = {"tool": "vegla", "airsoft": "lodra", "replica": "gjueti", "gel_blaster": "lodra", "toy": "lodra",
              "game_item": "lodra", "ordinary": None}
FO_NEG_SEC = {"hunting_talk": "lov", "tool": "radionica", "news": "vesti", "game_item": "offtopic", "airsoft": "lov"}
MK_CAT_OF_ITEM = {"weapon": "pistols", "ammunition": "ammunition", "explosive": "explosives", "part": "accessories"}
RIFLES = {"Zastava M70", "Zastava M92", "Kalashnikov AK-47", "Zastava M84"}
PROFILE_FIELDS_SINGLE = ["listing_id", "title", "price", "description", "seller", "seller_link", "posted"]
PROFILE_FIELDS_LIST = ["images", "breadcrumb", "contacts"]


def weighted(rng: random.Random, options):
    """Picks from [(value..., weight)]."""
    total = sum(o[-1] for o in options)
    x = rng.uniform(0, total)
    for o in options:
        x -= o[-1]
        if x <= 0:
            return o[:-1] if len(o) > 2 else o[0]
    return options[-1][:-1] if len(options[-1]) > 2 else options[-1][0]


def handle(rng: random.Random, prefix: str = "") -> str:
    """An invented messenger handle."""
    syl = ["ka", "lo", "mir", "dr", "zo", "ve", "ni", "ta", "ber", "ko", "sha", "vu", "re", "gj", "al"]
    return prefix + "".join(rng.choice(syl) for _ in range(3)) + "_" + str(rng.randrange(10, 99))


# ---------------------------------------------------------------------------------------------
# Building the world
# ---------------------------------------------------------------------------------------------


def build(rng: random.Random):
    """All ads of all sites, vendors, shared identifiers, the market onion."""
    f = Factory(rng)
    shared = shared_identifiers(f)
    vendors = make_vendors(f, shared)
    names = Names(rng)
    onion = f.onion()
    ads = planted_ads(f, shared, names)
    for site, target in LISTINGS.items():
        have = [a for a in ads if a.site == site]
        need = target - len(have)
        neg_have = sum(1 for a in have if not a.positive)
        neg_need = max(0, round(target * NEGATIVE_SHARE[site]) - neg_have)
        plan = [False] * neg_need + [True] * (need - neg_need)
        rng.shuffle(plan)
        for positive in plan:
            lang, script = weighted(rng, LANGS[site])
            if positive:
                pool = ITEMS
                if site == "market":
                    pool = [i for i in ITEMS if not (i.key.startswith("ammo") and rng.random() < 0.3)]
                ad = generic_positive(f, site, lang, script, wanted=site != "market" and rng.random() < WANTED_SHARE,
                                      items=pool)
            else:
                ad = generic_negative(f, site, lang, script, weighted(rng, NEG_KINDS[site]))
            dress(f, rng, ad, vendors, names)
            ads.append(ad)
    for ad in ads:
        finish_planted(f, rng, ad, vendors, names)
    return ads, vendors, shared, onion


def dress(f: Factory, rng: random.Random, ad: Ad, vendors, names: Names) -> None:
    """Seller, contacts, category and photos of a generic ad."""
    site = ad.site
    if site == "market":
        if ad.positive:
            choices = [k for k, v in vendors.items() if v.sells == "weapons"]
            ad.vendor = rng.choice(choices)
        else:
            ad.vendor = "skinshop" if ad.negative_kind == "game_item" else "toybox"
        ad.seller = vendors[ad.vendor].name
        ad.price = f"${rng.randrange(40, 1200, 5)}" if ad.positive or ad.negative_kind != "game_item" else f"${rng.randrange(5, 300)}"
        ad.paras = [p for p in ad.paras if not p.startswith(("Price:", "Çmimi", "Cena", "Цена"))]
        ad.paras.append(f"Price: {ad.price}.")
    else:
        ad.seller = names.take(site, ad.lang)
    # contacts
    if site == "classifieds":
        region = "MK"
        if ad.city in ("Prishtinë", "Prizren", "Pejë", "Ferizaj"):
            region = "XK"
        elif ad.city in ("Tiranë", "Durrës", "Shkodër"):
            region = "AL"
        style = rng.choice(["nat_sp", "nat_dash", "nat_plain", "intl_sp", "intl_plain"]) if region == "MK" else rng.choice(["intl_sp", "intl_plain", "intl_00"])
        ad.idents.append(phone_written(f.phone(region), region, style))
        if rng.random() < 0.2:
            ad.idents.append(Ident("telegram", "Telegram: @" + handle(rng), ""))
            ad.idents[-1].normalized = "@" + ad.idents[-1].value.split("@")[1].lower()
    elif site == "forum":
        if ad.negative_kind not in ("hunting_talk", "news") and rng.random() < 0.5:
            style = rng.choice(["nat_sp", "nat_slash", "intl_sp"])
            ad.idents.append(phone_written(f.phone("RS"), "RS", style))
    elif site == "channel":
        if ad.negative_kind != "news":
            if rng.random() < 0.5:
                h = tg("@" + handle(rng))
                ad.body_idents.append(h)
                ad.paras.append({"sq": "Shkruani në ", "mk": "Пишете на ", "sr": "Pišite na ", "en": "DM "}[ad.lang] + h.value)
            else:
                region = {"sq": "MK", "mk": "MK", "sr": "RS", "en": "MK"}[ad.lang]
                style = rng.choice(["nat_sp", "nat_dash"]) if region == "MK" else "intl_sp"
                p = phone_written(f.phone(region), region, style)
                ad.body_idents.append(p)
                ad.paras.append("Tel: " + p.value)
        if ad.lang == "sr" and ad.script == "Cyrl":
            ad.paras[-1] = ad.paras[-1].replace("Pišite na", sr_cyrl("Pišite na"))
        ad.minute = rng.randrange(7 * 60, 23 * 60)
    # category
    if site == "classifieds":
        if ad.positive:
            ad.category = "gjueti" if rng.random() < 0.7 else "te-tjera"
        else:
            ad.category = CL_NEG_CAT[ad.negative_kind] or ("vetura" if any(w in ad.title for w in ("Golf", "Опел", "Yugo", "Toyota")) else "telefona")
    elif site == "forum":
        if ad.positive:
            ad.category = "international" if ad.lang == "en" else "oruzje"
        else:
            ad.category = "international" if ad.lang == "en" and ad.negative_kind != "news" else FO_NEG_SEC[ad.negative_kind]
    elif site == "market":
        if ad.positive:
            ad.category = MK_CAT_OF_ITEM[next(i.kind for i in ITEMS if i.normalized == ad.items[0])]
            if ad.items[0] in RIFLES:
                ad.category = "rifles"
        else:
            ad.category = "digital" if ad.negative_kind == "game_item" else "replicas"
    # photos
    if site in ("classifieds", "market") or (site == "channel" and rng.random() < 0.6) or (site == "forum" and rng.random() < 0.3):
        if ad.negative_kind not in ("news", "hunting_talk"):
            ad.photos = [(f.photo(), 0) for _ in range(2 if site == "classifieds" and rng.random() < 0.4 else 1)]


def finish_planted(f: Factory, rng: random.Random, ad: Ad, vendors, names: Names) -> None:
    """Market vendor identifiers on every listing; actor ids of vendors."""
    if ad.site == "market":
        v = vendors[ad.vendor]
        base = [Ident("btc_address", v.btc, v.btc.lower() if v.btc.startswith("bc1") else v.btc),
                Ident("xmr_address", v.xmr, v.xmr)]
        if v.fpr_on_listings:
            base.append(Ident("pgp_fingerprint", I.fingerprint_spaced(v.fingerprint), v.fingerprint))
        ad.idents = base + list(v.contacts)
        ad.actor = v.actor or f"V-{v.key}"
    if ad.site == "channel" and not ad.minute:
        ad.minute = rng.randrange(7 * 60, 23 * 60)


def assign_ids(ads: list[Ad]) -> None:
    """Site ids and paths in posting order."""
    for site in LISTINGS:
        mine = sorted((a for a in ads if a.site == site), key=lambda a: (a.posted, a.minute, a.title))
        for n, a in enumerate(mine):
            if site == "classifieds":
                a.listing_id = str(40117 + n * 7 + (n * n) % 5)
                a.path = f"/shpallje/{a.listing_id}/"
                a.image_paths = [f"/img/{a.listing_id}-{k}.png" for k in range(1, len(a.photos) + 1)]
            elif site == "forum":
                a.listing_id = str(1201 + n * 3)
                a.path = f"/tema/{a.listing_id}-{sites.slug(a.title)}/"
                a.image_paths = [f"/attachments/{a.listing_id}-{k}.png" for k in range(1, len(a.photos) + 1)]
            elif site == "market":
                a.listing_id = str(70301 + n * 11)
                a.path = f"/listing/{a.listing_id}/"
                a.image_paths = [f"/img/{a.listing_id}-{k}.png" for k in range(1, len(a.photos) + 1)]
            else:
                a.listing_id = str(101 + n)
                a.path = f"/{sites.CHAN}/{a.listing_id}/"
                a.image_paths = [f"/img/{a.listing_id}-{k}.png" for k in range(1, len(a.photos) + 1)]


def forum_replies(rng: random.Random, ads: list[Ad]) -> dict:
    """A few replies per thread."""
    import datetime as dt

    out = {}
    pool = ["Bane", "Cile", "Raca", "Šone", "Đole", "Mare", "Zoki", "sarge_en", "n0mad", "GreyFox"]
    for a in ads:
        if a.site != "forum":
            continue
        lang = "en" if a.lang == "en" else "sr"
        lst = []
        for k in range(rng.randrange(1, 5)):
            day = (a.posted + dt.timedelta(days=k + rng.randrange(0, 3))).isoformat()
            text = rng.choice(REPLIES[lang])
            if a.script == "Cyrl":
                text = sr_cyrl(text)
            lst.append((rng.choice(pool), day, text))
        out[a.listing_id] = lst
    return out


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def render(ads, vendors, onion, rng):
    """{site: sites.Out}, photo sizes, photo records."""
    photos_bytes: dict[tuple[str, str], bytes] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for a in ads:
        for p, (seed, variant) in zip(a.image_paths, a.photos):
            data = png.photo(seed, variant)
            photos_bytes[(a.site, p)] = data
            sizes[p] = png.png_size(data)
    by = {s: [a for a in ads if a.site == s] for s in LISTINGS}
    outs = {
        "classifieds": sites.classifieds(by["classifieds"], sizes),
        "forum": sites.forum(by["forum"], sizes, forum_replies(rng, ads)),
        "market": sites.market(by["market"], sizes, vendors, onion),
        "channel": sites.channel(by["channel"], sizes),
    }
    for (site, p), data in photos_bytes.items():
        outs[site].files[p.lstrip("/")] = data
    return outs, photos_bytes


def ground_truth(ads, vendors, shared, onion, photos_bytes) -> dict:
    """The planted truth the tests rely on."""
    listings = []
    for a in ads:
        listings.append({
            "site": a.site, "path": a.path, "listing_id": salwatch_id(a), "is_positive": a.positive,
            "negative_kind": a.negative_kind, "wanted": a.wanted, "language": a.lang, "script": a.script,
            "title": a.title, "seller": a.seller, "posted": a.posted.isoformat(), "price": a.price,
            "cluster": a.cluster, "actor": a.actor, "items": a.items, "obfuscations": a.obfuscations,
            "tags": sorted(set(a.tags)),
            "identifiers": [i.gt() for i in a.all_idents()],
            "images": [{"path": p, "sha256": hashlib.sha256(photos_bytes[(a.site, p)]).hexdigest(),
                        "seed": seed, "variant": variant} for p, (seed, variant) in zip(a.image_paths, a.photos)],
        })
    clusters = {}
    for c, note in CLUSTER_NOTES.items():
        members = [ref(a) for a in ads if a.cluster == c]
        clusters[c] = {"note": note, "members": members, "sites": sorted({a.site for a in ads if a.cluster == c}),
                       "distinctive_terms": DISTINCTIVE.get(c, [])}
    actors = {}
    for aid in sorted({a.actor for a in ads if a.actor}):
        mine = [a for a in ads if a.actor == aid]
        ids = sorted({(i.kind, i.normalized) for a in mine for i in a.all_idents()})
        counts = {}
        for a in mine:
            for i in {(i.kind, i.normalized) for i in a.all_idents()}:
                counts[i] = counts.get(i, 0) + 1
        actors[aid] = {"note": ACTOR_NOTES.get(aid, "market vendor (all listings show its payment addresses)"),
                       "members": [ref(a) for a in mine],
                       "sites": sorted({a.site for a in mine}),
                       "seller_names": sorted({a.seller for a in mine}),
                       "shared_identifiers": [{"kind": k, "normalized": n} for k, n in ids if counts[(k, n)] >= 2],
                       "planted": aid in ACTOR_NOTES}
    vend = {k: {"name": v.name, "path": f"/vendor/{k}/", "pgp_fingerprint": v.fingerprint, "btc": v.btc,
                "xmr": v.xmr, "actor": v.actor or f"V-{k}", "contacts": [i.gt() for i in v.contacts]}
            for k, v in vendors.items()}
    n_neg = sum(1 for a in ads if not a.positive)

    def find(tag):
        return [ref(a) for a in ads if tag in a.tags]

    return {
        "generator": {"seed": SEED, "note": "invented data; regenerate with python3 samples/generate.py"},
        "sites": {s: {"port": PORTS[s], "seed_path": SEEDS[s], "listings": sum(1 for a in ads if a.site == s),
                      "negatives": sum(1 for a in ads if a.site == s and not a.positive),
                      "listing_url_example": next(a.path for a in ads if a.site == s)} for s in LISTINGS},
        "site_identifiers": {"market": [{"kind": "onion", "normalized": onion, "where": "footer of every page"}]},
        "counts": {"listings": len(ads), "positives": len(ads) - n_neg, "negatives": n_neg,
                   "clusters": len(clusters), "planted_actors": len(ACTOR_NOTES)},
        "required_cases": {
            "macedonian_cyrillic_glock_19": find("cross_script_glock"),
            "serbian_latin_pistolj": [ref(a) for a in ads
                                      if a.lang == "sr" and a.script == "Latn" and a.positive and "pištolj" in " ".join([a.title] + a.paras)],
            "albanian_pistolete_gl0ck": find("pistolete_gl0ck"),
            "glue_gun_negative": find("glue_gun"),
            "kosovo_national_number_on_mk_site": find("kosovo_number_national_on_mk_site"),
        },
        "clusters": clusters,
        "actors": actors,
        "vendors": vend,
        "listings": listings,
    }


def write_all(outs, gt) -> None:
    """Replaces samples/sites/ and ground_truth.json."""
    root = HERE / "sites"
    if root.exists():
        shutil.rmtree(root)
    for site, out in outs.items():
        for rel, data in sorted(out.files.items()):
            p = root / site / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
    (HERE / "ground_truth.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Generate (unless --check) and verify."""
    from generator.verify import verify

    if "--check" not in argv:
        rng = random.Random(SEED)
        ads, vendors, shared, onion = build(rng)
        assign_ids(ads)
        outs, photos_bytes = render(ads, vendors, onion, rng)
        gt = ground_truth(ads, vendors, shared, onion, photos_bytes)
        write_all(outs, gt)
    errors = verify(HERE, sys.modules[__name__])
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        print(f"{len(errors)} check(s) failed", file=sys.stderr)
        return 1
    gt = json.loads((HERE / "ground_truth.json").read_text(encoding="utf-8"))
    print(f"ok: {gt['counts']['listings']} listing pages ({gt['counts']['negatives']} negatives), "
          f"{gt['counts']['clusters']} clusters, {len(gt['actors'])} actors; all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
