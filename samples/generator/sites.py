"""HTML renderers of the four sample sites. Each returns {relative file path: bytes} and a page
index {url path: page kind}. Links are root-relative only (the port varies)."""

from __future__ import annotations

import html
import re

from .planted import Vendor
from .world import Ad

E = html.escape
CHAN = "oglasnik_balkan"
PER_PAGE = 10

_TR = dict(zip("абвгдѓежзѕијклљмнњопрстќуфхцчџшђћëçšžčćđ",
               ["a", "b", "v", "g", "d", "gj", "e", "zh", "z", "dz", "i", "j", "k", "l", "lj", "m", "n", "nj", "o",
                "p", "r", "s", "t", "kj", "u", "f", "h", "c", "ch", "dz", "sh", "dj", "c", "e", "c", "s", "z", "c",
                "c", "dj"]))


def slug(text: str) -> str:
    """ASCII slug of Latin or Cyrillic text."""
    out = "".join(_TR.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-")[:48] or "x"


def page(lang: str, title: str, body: str) -> bytes:
    """A whole HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{E(title)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n").encode()


def paras_html(ad: Ad) -> str:
    """Body paragraphs."""
    return "\n".join(f"<p>{E(p)}</p>" for p in ad.paras)


def date_label(ad: Ad) -> str:
    """14.10.2026"""
    return ad.posted.strftime("%d.%m.%Y")


def paginate(base: str, items: list, per: int = PER_PAGE) -> list[tuple[str, list, str | None, str | None]]:
    """[(path, items, prev path, next path)] with /page/<n>/ paths."""
    chunks = [items[i:i + per] for i in range(0, len(items), per)] or [[]]
    paths = [base] + [f"{base}page/{n}/" for n in range(2, len(chunks) + 1)]
    return [(paths[i], chunks[i], paths[i - 1] if i else None, paths[i + 1] if i + 1 < len(chunks) else None)
            for i in range(len(chunks))]


def file_of(path: str) -> str:
    """URL path -> file path (the static server's mapping)."""
    p = path.lstrip("/")
    return p + "index.html" if p == "" or p.endswith("/") else p


class Out:
    """Collected files and page kinds of one site."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.kinds: dict[str, str] = {}

    def put(self, path: str, kind: str, data: bytes) -> None:
        """Adds the page served at `path`."""
        self.files[file_of(path)] = data
        self.kinds[path] = kind


# ---------------------------------------------------------------------------------------------
# classifieds
# ---------------------------------------------------------------------------------------------

CL_CATS = [
    ("gjueti", "Gjueti & Sport / Лов и спорт"),
    ("vegla", "Vegla / Алати"),
    ("vetura", "Vetura / Возила"),
    ("telefona", "Telefona / Телефони"),
    ("lodra", "Lodra & Lojëra / Играчки"),
    ("te-tjera", "Të tjera / Останато"),
]


def classifieds(ads: list[Ad], photos) -> Out:
    """Pazari Yt / Пазар."""
    o = Out()
    nav = '<nav class="categories">' + " ".join(f'<a href="/c/{k}/">{E(v)}</a>' for k, v in CL_CATS) + "</nav>"
    head = ('<header class="top"><a class="logo" href="/">Pazari Yt · Пазар</a> '
            '<a class="login" href="/login/">Hyr / Најава</a></header>\n' + nav)
    foot = '<footer class="foot">© 2026 Pazari Yt — faqe e shpikur për teste / измислена страница</footer>'
    cat_label = dict(CL_CATS)

    def card(ad: Ad) -> str:
        return (f'<li class="ad-card"><a class="ad-link" href="{ad.path}">{E(ad.title)}</a> '
                f'<span class="card-price">{E(ad.price or "")}</span> <span class="card-date">{date_label(ad)}</span></li>')

    for ad in ads:
        imgs = "".join(f'<img class="photo" src="{p}" alt="foto" width="{photos[p][0]}" height="{photos[p][1]}">'
                       for p in ad.image_paths)
        contacts = ""
        for i in ad.idents:
            cls = "phone" if i.kind == "phone" else "messenger"
            contacts += f'<div class="{cls}">{E(i.value)}</div>'
        body = f"""{head}
<main>
<ol class="crumbs"><li><a href="/">Ballina / Почетна</a></li><li><a href="/c/{ad.category}/">{E(cat_label[ad.category])}</a></li><li>{E(ad.title)}</li></ol>
<article class="ad" data-id="{ad.listing_id}" lang="{ad.lang}">
<h1 class="ad-title">{E(ad.title)}</h1>
<div class="ad-price">{E(ad.price or "Me marrëveshje / По договор")}</div>
<div class="ad-meta">Postuar / Објавено: <time class="posted" datetime="{ad.posted.isoformat()}">{date_label(ad)}</time>{' · ' + E(ad.city) if ad.city else ''}</div>
<div class="ad-photos">{imgs}</div>
<div class="ad-body">
{paras_html(ad)}
</div>
<aside class="seller">Shitësi / Продавач: <a href="/perdoruesi/{slug(ad.seller)}/">{E(ad.seller)}</a>
{contacts}
</aside>
</article>
</main>
{foot}"""
        o.put(ad.path, "listing", page(ad.lang, ad.title, body))

    latest = sorted(ads, key=lambda a: (a.posted, a.listing_id), reverse=True)[:10]
    o.put("/", "home", page("sq", "Pazari Yt · Пазар", f"{head}\n<main><h1>Shpalljet e fundit / Последни огласи</h1>"
                                                     f'<ul class="ad-list">{"".join(card(a) for a in latest)}</ul></main>\n{foot}'))
    for key, label in CL_CATS:
        items = sorted([a for a in ads if a.category == key], key=lambda a: (a.posted, a.listing_id), reverse=True)
        for path, chunk, prev, nxt in paginate(f"/c/{key}/", items):
            pager = '<nav class="pager">'
            pager += f'<a class="prev" href="{prev}">‹</a> ' if prev else ""
            pager += f'<a class="next" href="{nxt}">›</a>' if nxt else ""
            pager += "</nav>"
            o.put(path, "category", page("sq", label, f'{head}\n<main><h1>{E(label)}</h1><ul class="ad-list">'
                                              f'{"".join(card(a) for a in chunk)}</ul>{pager}</main>\n{foot}'))
    by_seller: dict[str, list[Ad]] = {}
    for a in ads:
        by_seller.setdefault(slug(a.seller), []).append(a)
    for s, mine in sorted(by_seller.items()):
        o.put(f"/perdoruesi/{s}/", "seller", page("sq", mine[0].seller,
              f'{head}\n<main><h1 class="seller-name">{E(mine[0].seller)}</h1><ul class="ad-list">'
              f'{"".join(card(a) for a in mine)}</ul></main>\n{foot}'))
    o.put("/login/", "private", page("sq", "Hyr", f"{head}\n<main><h1>Hyr / Најава</h1><form><input name=\"u\"></form></main>"))
    o.files["robots.txt"] = b"User-agent: *\nDisallow: /login/\n"
    return o


# ---------------------------------------------------------------------------------------------
# forum
# ---------------------------------------------------------------------------------------------

FO_SECS = [
    ("oruzje", "Oružje – kupoprodaja / Оружје"),
    ("lov", "Lov i lovišta"),
    ("radionica", "Radionica i alati"),
    ("vesti", "Vesti"),
    ("international", "International (English)"),
    ("offtopic", "Off-topic"),
]


def forum(ads: list[Ad], photos, replies: dict[str, list[tuple[str, str, str]]]) -> Out:
    """Lovački kutak."""
    o = Out()
    head = ('<header class="forum-head"><a class="home" href="/">Lovački kutak</a> '
            '<a class="pm" href="/private/messages/">Privatne poruke</a></header>')
    foot = '<footer class="forum-foot">Lovački kutak — izmišljeni forum za testiranje</footer>'
    sec_label = dict(FO_SECS)

    def user_link(name: str) -> str:
        return f'<a href="/korisnik/{slug(name)}/">{E(name)}</a>'

    for ad in ads:
        sig = " · ".join(E(i.value) for i in ad.idents)
        imgs = "".join(f'<img class="attachment" src="{p}" alt="prilog">' for p in ad.image_paths)
        price = f'<div class="offer-box"><span class="offer-price">Cena: {E(ad.price)}</span></div>' if ad.price else ""
        posts = f"""<div class="post first-post" id="p{ad.listing_id}-1">
<div class="post-author">{user_link(ad.seller)}</div>
<div class="post-date"><time datetime="{ad.posted.isoformat()}">{date_label(ad)}</time></div>
{price}<div class="post-body">
{paras_html(ad)}
</div>
{imgs}{f'<div class="signature">{sig}</div>' if sig else ''}
</div>"""
        for n, (who, day, text) in enumerate(replies.get(ad.listing_id, []), start=2):
            posts += f"""
<div class="post reply" id="p{ad.listing_id}-{n}">
<div class="post-author">{user_link(who)}</div>
<div class="post-date"><time datetime="{day}">{day}</time></div>
<div class="post-body"><p>{E(text)}</p></div>
</div>"""
        body = f"""{head}
<ul class="breadcrumb"><li><a href="/">Lovački kutak</a></li><li><a href="/forum/{ad.category}/">{E(sec_label[ad.category])}</a></li><li>{E(ad.title)}</li></ul>
<div class="thread" data-thread-id="{ad.listing_id}">
<h1 class="thread-title">{E(ad.title)}</h1>
{posts}
</div>
{foot}"""
        o.put(ad.path, "listing", page("sr" if ad.lang == "sr" else ad.lang, ad.title, body))

    rows = "".join(f'<tr><td><a class="section-link" href="/forum/{k}/">{E(v)}</a></td>'
                   f'<td>{sum(1 for a in ads if a.category == k)}</td></tr>' for k, v in FO_SECS)
    o.put("/", "home", page("sr", "Lovački kutak", f'{head}\n<h1>Lovački kutak</h1><table class="sections">{rows}</table>\n{foot}'))
    for key, label in FO_SECS:
        items = sorted([a for a in ads if a.category == key], key=lambda a: (a.posted, a.listing_id), reverse=True)
        for path, chunk, prev, nxt in paginate(f"/forum/{key}/", items):
            li = "".join(f'<li><a class="thread-link" href="{a.path}">{E(a.title)}</a> — {user_link(a.seller)}</li>' for a in chunk)
            pager = '<div class="pager">' + (f'<a class="pager-prev" href="{prev}">Prethodna</a> ' if prev else "")
            pager += (f'<a class="pager-next" href="{nxt}">Sledeća</a>' if nxt else "") + "</div>"
            o.put(path, "category", page("sr", label, f'{head}\n<h1>{E(label)}</h1><ul class="threads">{li}</ul>{pager}\n{foot}'))
    users: dict[str, list[Ad]] = {}
    for a in ads:
        users.setdefault(slug(a.seller), []).append(a)
    for who, lst in replies.items():
        for name, _, _ in lst:
            users.setdefault(slug(name), [])
    for s, mine in sorted(users.items()):
        li = "".join(f'<li><a class="thread-link" href="{a.path}">{E(a.title)}</a></li>' for a in mine)
        o.put(f"/korisnik/{s}/", "seller", page("sr", s, f'{head}\n<h1 class="user-name">{E(s)}</h1><ul class="threads">{li}</ul>\n{foot}'))
    o.put("/private/messages/", "private", page("sr", "Privatne poruke", f"{head}\n<h1>Prijavite se</h1>"))
    o.files["robots.txt"] = b"User-agent: *\nDisallow: /private/\n"
    return o


# ---------------------------------------------------------------------------------------------
# market
# ---------------------------------------------------------------------------------------------

MK_CATS = [
    ("pistols", "Pistols"), ("rifles", "Rifles"), ("ammunition", "Ammunition"),
    ("explosives", "Explosives"), ("accessories", "Suppressors & magazines"),
    ("replicas", "Replicas & airsoft"), ("digital", "Digital goods"),
]
BTC_USD = 80000
XMR_USD = 340


def usd_of(price: str) -> int:
    """Dollar amount of a `$123` price."""
    return int(re.sub(r"\D", "", price))


def market(ads: list[Ad], photos, vendors: dict[str, Vendor], onion: str) -> Out:
    """Balkan Bazaar."""
    o = Out()
    nav = '<nav class="cats">' + " ".join(f'<a href="/category/{k}/">{E(v)}</a>' for k, v in MK_CATS) + "</nav>"
    head = ('<header class="bar"><a class="brand" href="/">Balkan Bazaar</a> '
            '<a class="account" href="/account/">My account</a></header>\n' + nav)
    foot = (f'<footer class="mirror">Balkan Bazaar (invented, test data). Only official address: '
            f'<code class="onion">{onion}</code></footer>')
    cat_label = dict(MK_CATS)

    def card(ad: Ad) -> str:
        return (f'<div class="listing-card"><a class="listing-link" href="{ad.path}">{E(ad.title)}</a> '
                f'<span class="card-price">{E(ad.price or "")}</span></div>')

    for ad in ads:
        v = vendors[ad.vendor]
        usd = usd_of(ad.price or "$0")
        btc = f"{usd / BTC_USD:.4f} BTC"
        xmr = f"{usd / XMR_USD:.1f} XMR"
        imgs = "".join(f'<img class="listing-img" src="{p}" alt="">' for p in ad.image_paths)
        contacts = "".join(f'<div class="vendor-contact">{E(i.value)}</div>'
                           for i in ad.idents if i.kind not in ("btc_address", "xmr_address", "pgp_fingerprint"))
        fpr = [i for i in ad.idents if i.kind == "pgp_fingerprint"]
        fpr_html = f'<div class="vendor-fpr">PGP fingerprint: <code>{E(fpr[0].value)}</code></div>' if fpr else ""
        pay = ""
        for i in ad.idents:
            if i.kind == "btc_address":
                pay += f'<div class="payment-address">Deposit BTC: <code>{i.value}</code></div>'
            if i.kind == "xmr_address":
                pay += f'<div class="payment-address">Deposit XMR: <code>{i.value}</code></div>'
        body = f"""{head}
<ul class="crumbs"><li><a href="/">Home</a></li><li><a href="/category/{ad.category}/">{E(cat_label[ad.category])}</a></li><li>{E(ad.title)}</li></ul>
<div class="listing" data-listing-id="{ad.listing_id}">
<h1 class="listing-title">{E(ad.title)}</h1>
{imgs}
<div class="listing-price"><span class="price-usd">{E(ad.price or '')}</span> · <span class="price-btc">{btc}</span> · <span class="price-xmr">{xmr}</span></div>
<div class="listed">Listed <time class="listed" datetime="{ad.posted.isoformat()}">{ad.posted.isoformat()}</time></div>
<div class="listing-description">
{paras_html(ad)}
</div>
<dl class="shipping"><dt>Ships from</dt><dd>{E(v.ships_from)}</dd><dt>Ships to</dt><dd>Balkans, EU</dd></dl>
<div class="vendor-box">Vendor: <a class="vendor-link" href="/vendor/{v.key}/">{E(v.name)}</a>
{fpr_html}{contacts}
</div>
{pay}
</div>
{foot}"""
        o.put(ad.path, "listing", page("en", ad.title, body))

    o.put("/", "home", page("en", "Balkan Bazaar", f"{head}\n<h1>Welcome to Balkan Bazaar</h1>"
                                                 f'<div class="listing-grid">{"".join(card(a) for a in ads[-10:])}</div>\n{foot}'))
    for key, label in MK_CATS:
        items = [a for a in ads if a.category == key]
        for path, chunk, prev, nxt in paginate(f"/category/{key}/", items):
            pager = '<div class="pages">' + (f'<a class="page-prev" href="{prev}">prev</a> ' if prev else "")
            pager += (f'<a class="page-next" href="{nxt}">next</a>' if nxt else "") + "</div>"
            o.put(path, "category", page("en", label, f'{head}\n<h1>{E(label)}</h1><div class="listing-grid">'
                                              f'{"".join(card(a) for a in chunk)}</div>{pager}\n{foot}'))
    for key, v in vendors.items():
        mine = [a for a in ads if a.vendor == key]
        from .idents import fingerprint_spaced
        contacts = "".join(f'<div class="vendor-contact">{E(i.value)}</div>' for i in v.contacts)
        body = f"""{head}
<div class="vendor" data-vendor="{v.key}">
<h1 class="vendor-name">{E(v.name)}</h1>
<p class="vendor-bio">{E(v.bio)}</p>
<div class="vendor-fpr">Fingerprint: <code>{fingerprint_spaced(v.fingerprint) if v.fpr_on_listings else v.fingerprint}</code></div>
<pre class="pgp-key">{v.armor}</pre>
<div class="payment-address">Deposit BTC: <code>{v.btc}</code></div>
<div class="payment-address">Deposit XMR: <code>{v.xmr}</code></div>
{contacts}
<div class="listing-grid">{"".join(card(a) for a in mine)}</div>
</div>
{foot}"""
        o.put(f"/vendor/{key}/", "vendor", page("en", v.name, body))
    o.put("/account/", "private", page("en", "Login", f"{head}\n<h1>Login required</h1>\n{foot}"))
    o.files["robots.txt"] = b"User-agent: *\nDisallow: /account/\n"
    return o


# ---------------------------------------------------------------------------------------------
# channel
# ---------------------------------------------------------------------------------------------

CHAN_PAGE = 12


def _message(ad: Ad) -> str:
    pid = ad.listing_id
    photo = ""
    for p in ad.image_paths:
        photo += (f'<a class="tgme_widget_message_photo_wrap" href="/{CHAN}/{pid}/" style="background-image:url(\'{p}\')">'
                  f'<img class="tgme_widget_message_photo" src="{p}" alt=""></a>\n')
    text = f"<b>{E(ad.title)}</b><br>\n" + "<br>\n".join(E(p) for p in ad.paras)
    views = 300 + (int(pid) * 37) % 4000
    hh, mm = divmod(ad.minute, 60)
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">
<div class="tgme_widget_message js-widget_message" data-post="{CHAN}/{pid}">
<div class="tgme_widget_message_bubble">
<div class="tgme_widget_message_author"><a class="tgme_widget_message_owner_name" href="/s/{CHAN}/"><span dir="auto">Oglasnik Balkan</span></a></div>
{photo}<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
<div class="tgme_widget_message_footer"><div class="tgme_widget_message_info"><span class="tgme_widget_message_from_author" dir="auto">{E(ad.seller)}</span> <span class="tgme_widget_message_views">{views}</span> <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="/{CHAN}/{pid}/"><time datetime="{ad.posted.isoformat()}T{hh:02d}:{mm:02d}:00+00:00" class="time">{hh:02d}:{mm:02d}</time></a></span></div></div>
</div>
</div>
</div>"""


def channel(ads: list[Ad], photos) -> Out:
    """t.me/s/oglasnik_balkan web preview and single-post pages."""
    o = Out()
    head = ('<header class="tgme_header"><a class="tgme_header_link" href="/login/">Log in</a> '
            f'<a class="tgme_header_link" href="/s/{CHAN}/">Oglasnik Balkan</a></header>')
    info = f"""<div class="tgme_channel_info">
<div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title"><span dir="auto">Oglasnik Balkan</span></div>
<div class="tgme_channel_info_header_username"><a href="/s/{CHAN}/">{CHAN}</a></div></div>
<div class="tgme_channel_info_description">Oglasi · Огласи · Shpallje — invented test channel</div>
<div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter"><span class="counter_value">{len(ads)}</span> <span class="counter_type">posts</span></div></div>
</div>"""
    for ad in ads:
        body = f"""{head}
<div class="tgme_page_widget">
{_message(ad)}
</div>
<div class="tgme_page_context"><a class="tgme_page_context_link" href="/s/{CHAN}/">View in channel</a></div>"""
        o.put(ad.path, "listing", page(ad.lang, f"Oglasnik Balkan – {ad.title}", body))
    # newest page at /s/<chan>/, older pages at /s/<chan>/before/<first id shown>/
    chunks = []
    rest = list(ads)
    while rest:
        chunks.append(rest[-CHAN_PAGE:])
        rest = rest[:-CHAN_PAGE]
    for n, chunk in enumerate(chunks):
        path = f"/s/{CHAN}/" if n == 0 else f"/s/{CHAN}/before/{chunks[n - 1][0].listing_id}/"
        more = ""
        if n + 1 < len(chunks):
            more = (f'<div class="tme_messages_more_wrap"><a class="tme_messages_more js-messages_more" '
                    f'data-before="{chunk[0].listing_id}" href="/s/{CHAN}/before/{chunk[0].listing_id}/">Load more</a></div>')
        msgs = "\n".join(_message(a) for a in chunk)
        o.put(path, "category", page("en", "Oglasnik Balkan", f'{head}\n{info}\n<section class="tgme_channel_history js-message_history">\n{more}\n{msgs}\n</section>'))
    o.put("/", "home", page("en", "Oglasnik Balkan", f'{head}\n{info}\n<a class="tgme_action_button" href="/s/{CHAN}/">Preview channel</a>'))
    o.put("/login/", "private", page("en", "Log in", f"{head}\n<h1>Log in</h1>"))
    o.files["robots.txt"] = b"User-agent: *\nDisallow: /login/\n"
    return o
