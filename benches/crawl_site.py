#!/usr/bin/env python3
"""Benchmark inputs for the crawler (docs/BENCHMARKS.md "## Crawler"), all invented.

  crawl_site.py site DIR N        writes DIR/sites/bench/: N listing pages (~4 KB each) reached
                                  through list pages of 50 (a.ad-link, a.next), robots.txt allowing
                                  all; DIR/profiles/bench.toml is the matching salwatch profile
  crawl_site.py frontier DB SITE BASE N  adds N queued URLs under BASE (404 on the bench site)
                                  to the frontier of SITE in a state.db
"""
import os
import sqlite3
import sys

PER_LIST = 50

PROFILE = """name = "bench"
[pages]
listing_url = ['^/ad/\\d+/$']
[links]
listings = ["a.ad-link"]
pagination = ["a.next"]
[fields]
listing_id = "article.ad@data-id"
title = "h1.ad-title"
price = ".ad-price"
description = ".ad-body"
seller = ".seller a"
seller_link = ".seller a@href"
posted = "time.posted@datetime"
images = ["img.photo@src"]
breadcrumb = ["ol.crumbs li"]
contacts = [".phone"]
"""

WORDS = ("pistoletë zoraki glock shitet urgjent çmim i volitshëm municion kutia "
         "пиштол продавам евра контакт телефон pištolj prodajem hitno cena").split()


def ad_page(i):
    body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(450))
    return f"""<!doctype html><html lang="sq"><head><meta charset="utf-8"><title>Shpallja {i}</title></head>
<body><nav class="categories"><a href="/list/1/">Armë</a></nav>
<ol class="crumbs"><li>Kreu</li><li>Armë</li><li>Pistoleta</li></ol>
<article class="ad" data-id="{i}"><h1 class="ad-title">Zoraki 917 nr {i}</h1>
<span class="ad-price">{300 + i % 200} €</span><time class="posted" datetime="2026-10-{1 + i % 28:02d}">tetor</time>
<div class="ad-body"><p>{body}</p></div>
<p class="seller"><a href="/u/{i % 97}/">shitesi_{i % 97}</a></p><span class="phone">070 {i % 1000:03d} {i % 997:03d}</span>
<img class="photo" src="/img/{i}.png"></article></body></html>
"""


def list_page(n, total_lists, n_ads):
    first = (n - 1) * PER_LIST
    links = "\n".join(f'<li><a class="ad-link" href="/ad/{i}/">Shpallja {i}</a></li>'
                      for i in range(first, min(first + PER_LIST, n_ads)))
    nxt = f'<a class="next" href="/list/{n + 1}/">Më tej</a>' if n < total_lists else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Lista {n}</title></head>
<body><ul>{links}</ul>{nxt}</body></html>
"""


def write_site(root, n_ads):
    site = os.path.join(root, "sites", "bench")
    total_lists = (n_ads + PER_LIST - 1) // PER_LIST
    for sub in ("ad", "list"):
        os.makedirs(os.path.join(site, sub), exist_ok=True)
    with open(os.path.join(site, "robots.txt"), "w") as f:
        f.write("User-agent: *\nAllow: /\n")
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write(list_page(1, total_lists, n_ads))
    for n in range(1, total_lists + 1):
        d = os.path.join(site, "list", str(n))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write(list_page(n, total_lists, n_ads))
    for i in range(n_ads):
        d = os.path.join(site, "ad", str(i))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
            f.write(ad_page(i))
    os.makedirs(os.path.join(root, "profiles"), exist_ok=True)
    with open(os.path.join(root, "profiles", "bench.toml"), "w") as f:
        f.write(PROFILE)
    print(f"{n_ads} listing pages + {total_lists} list pages + index in {site}")


def fill_frontier(db, site, base, n):
    conn = sqlite3.connect(db)
    conn.executemany(
        "INSERT OR IGNORE INTO crawl_frontier(site, url, depth, priority, kind) VALUES (?, ?, 1, 10, 'page')",
        ((site, f"{base.rstrip('/')}/frontier/{i}/?q={i * 7919}") for i in range(n)))
    conn.commit()
    print(f"frontier of {site}: {conn.execute('SELECT COUNT(*) FROM crawl_frontier').fetchone()[0]} URLs")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "site":
        write_site(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 6 and sys.argv[1] == "frontier":
        fill_frontier(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)
