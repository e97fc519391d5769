"""Self-check of the generated tree, from the files on disk. Returns a list of failures."""

from __future__ import annotations

import hashlib
import html
import json
import re
import tomllib
from pathlib import Path

from . import htmlcheck as H
from . import idents as I
from .png import png_size
from .sites import file_of


def _validate_ident(d: dict) -> str | None:
    k, v, n = d["kind"], d["value"], d["normalized"]
    if k == "btc_address":
        ok = I.valid_btc_bech32(n) if n.startswith("bc1") else I.valid_btc_p2pkh(n)
    elif k == "xmr_address":
        ok = I.valid_xmr(n)
    elif k == "onion":
        ok = I.valid_onion(n)
    elif k == "pgp_fingerprint":
        ok = re.fullmatch(r"[0-9A-F]{40}", n) is not None and re.sub(r"\s", "", v) == n
    elif k == "phone":
        ok = I.valid_phone(n, d["region"]) and I.phone_digits(v).lstrip("+").lstrip("0").endswith(
            n[1 + len(I.PHONE_RULES[d["region"]][0]):])
    elif k == "email":
        ok = re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.(example|invalid)", n) is not None and n in v.lower()
    elif k == "telegram":
        ok = re.fullmatch(r"@[a-z0-9_]{5,32}", n) is not None and n in v.lower()
    elif k in ("signal", "wickr"):
        ok = n in v.lower()
    else:
        return f"unknown identifier kind {k}"
    return None if ok else f"invalid {k} {v!r} -> {n!r}"


def verify(root: Path, gen) -> list[str]:
    """All checks; `gen` is the generate module (for the constants)."""
    errs: list[str] = []

    def check(cond, msg):
        if not cond:
            errs.append(msg)

    check(I.keccak256(b"").hex() == I.KECCAK256_EMPTY, "Keccak-256('') self-test")
    gt = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    sites_dir = root / "sites"
    L = gt["listings"]

    # ---- counts -------------------------------------------------------------------------------
    for site, n in gen.LISTINGS.items():
        got = sum(1 for x in L if x["site"] == site)
        check(got >= n, f"{site}: {got} listings < {n}")
    neg = sum(1 for x in L if not x["is_positive"])
    check(len(L) >= 220, f"only {len(L)} listings")
    check(neg / len(L) >= gen.MIN_NEGATIVE_SHARE, f"negatives {neg}/{len(L)} below {gen.MIN_NEGATIVE_SHARE}")
    check(all(x["negative_kind"] for x in L if not x["is_positive"]), "negative without kind")
    multi = [c for c, v in gt["clusters"].items() if len(v["sites"]) >= 2 and len(v["members"]) >= 2]
    check(len(multi) >= gen.MIN_CLUSTERS, f"only {len(multi)} cross-site clusters")
    planted = [a for a, v in gt["actors"].items() if v["planted"] and len(v["sites"]) >= 2
               and len(v["seller_names"]) >= 2 and v["shared_identifiers"]]
    check(len(planted) >= gen.MIN_ACTORS, f"only {len(planted)} cross-site actors")
    for name, members in gt["required_cases"].items():
        check(members, f"required case {name} missing")
    keys = {(x["site"], x["listing_id"]) for x in L}
    check(len(keys) == len(L), "duplicate listing ids")
    for x in L:
        check("2026-09-01" <= x["posted"] <= "2026-11-25", f"{x['path']}: posted {x['posted']} out of range")

    # ---- pages, identifiers --------------------------------------------------------------------
    texts: dict[tuple[str, str], str] = {}
    for x in L:
        f = sites_dir / x["site"] / file_of(x["path"])
        if not f.exists():
            errs.append(f"missing listing file {f}")
            continue
        doc = H.parse(f.read_text(encoding="utf-8"))
        text = doc.text()
        texts[(x["site"], x["path"])] = text
        for d in x["identifiers"]:
            e = _validate_ident(d)
            if e:
                errs.append(f"{x['site']}{x['path']}: {e}")
            check(d["value"] in text, f"{x['site']}{x['path']}: identifier {d['value']!r} not on the page")
        for im in x["images"]:
            data = (sites_dir / x["site"] / im["path"].lstrip("/")).read_bytes()
            w, h = png_size(data)
            check(32 <= w <= 64 and 32 <= h <= 64, f"{im['path']}: size {w}x{h}")
            check(hashlib.sha256(data).hexdigest() == im["sha256"], f"{im['path']}: sha256 differs")
        # stray identifiers: everything that looks like one must be in the truth
        known = {d["normalized"] for d in x["identifiers"]} | {d["value"] for d in x["identifiers"]}
        known |= {o["normalized"] for o in gt["site_identifiers"].get(x["site"], [])}
        for m in re.findall(r"\b(?:bc1[a-z0-9]{20,}|[13][1-9A-HJ-NP-Za-km-z]{25,34}|4[1-9A-HJ-NP-Za-km-z]{94}|[a-z2-7]{56}\.onion)\b", text):
            check(m in known, f"{x['site']}{x['path']}: stray identifier {m}")
        for m in re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text):
            check(m in known or m.lower() in known, f"{x['site']}{x['path']}: stray e-mail {m}")

    # ---- distinctive words only in their cluster ----------------------------------------------
    for c, v in gt["clusters"].items():
        members = set(v["members"])
        for term in v["distinctive_terms"]:
            hits = {f"{x['site']}:{x['listing_id']}" for x in L
                    if term.lower() in texts.get((x["site"], x["path"]), "").lower()}
            check(hits == members, f"distinctive term {term!r} of {c} found in {sorted(hits)} not {sorted(members)}")

    # ---- actors = connected components of shared identifiers ----------------------------------
    parent = list(range(len(L)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, x in enumerate(L):
        for d in x["identifiers"]:
            key = (d["kind"], d["normalized"])
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    comps: dict[int, set] = {}
    for i, x in enumerate(L):
        comps.setdefault(find(i), set()).add(i)
    for members in comps.values():
        actors = {L[i]["actor"] for i in members}
        if len(members) > 1:
            check(len(actors) == 1 and None not in actors,
                  f"listings sharing identifiers have actors {sorted(map(str, actors))}: "
                  + ", ".join(L[i]["site"] + L[i]["path"] for i in sorted(members))[:300])
    for aid, v in gt["actors"].items():
        idx = {find(i) for i, x in enumerate(L) if x["actor"] == aid}
        check(len(idx) == 1, f"actor {aid} is not connected by shared identifiers")

    # ---- vendors and the market onion ---------------------------------------------------------
    for key, v in gt["vendors"].items():
        doc = H.parse((sites_dir / "market" / file_of(v["path"])).read_text(encoding="utf-8"))
        pre = H.select(doc, "pre.pgp-key")
        try:
            fpr, uid = I.pgp_parse_armor(html.unescape(pre[0].text()))
            check(fpr == v["pgp_fingerprint"], f"vendor {key}: fingerprint {fpr} != truth")
            check(re.search(r"@[a-z0-9.-]+\.(invalid|example)>$", uid) is not None, f"vendor {key}: uid {uid}")
        except (ValueError, IndexError) as e:
            errs.append(f"vendor {key}: armored key: {e}")
        check(I.valid_btc_bech32(v["btc"]) or I.valid_btc_p2pkh(v["btc"]), f"vendor {key}: btc")
        check(I.valid_xmr(v["xmr"]), f"vendor {key}: xmr")
        check(v["btc"] in doc.text() and v["xmr"] in doc.text(), f"vendor {key}: addresses not on page")
    for site, lst in gt["site_identifiers"].items():
        for o in lst:
            check(I.valid_onion(o["normalized"]), f"{site}: onion {o['normalized']}")

    # ---- links, robots, profiles ---------------------------------------------------------------
    for site in gen.LISTINGS:
        errs += _check_site(root, site, gt)
    errs += _check_config(root, gen)

    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    check(total <= gen.MAX_TREE_BYTES, f"samples/ is {total} bytes > {gen.MAX_TREE_BYTES}")
    return errs


def _path_of(file: Path, site_root: Path) -> str:
    rel = file.relative_to(site_root).as_posix()
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[:-len("index.html")]
    return "/" + rel


def _check_site(root: Path, site: str, gt: dict) -> list[str]:
    errs: list[str] = []
    sroot = root / "sites" / site
    listing_paths = {x["path"] for x in gt["listings"] if x["site"] == site}
    docs: dict[str, H.Node] = {}
    for f in sorted(sroot.rglob("*.html")):
        try:
            docs[_path_of(f, sroot)] = H.parse(f.read_text(encoding="utf-8"))
        except ValueError as e:
            errs.append(f"{site}: {f.name}: {e}")
    robots = (sroot / "robots.txt").read_text()
    disallowed = re.findall(r"^Disallow:\s*(\S+)", robots, re.M)
    if not disallowed:
        errs.append(f"{site}: robots.txt disallows nothing")
    linked_disallowed = False
    for path, doc in docs.items():
        for link in H.links(doc):
            if not link.startswith("/") or link.startswith("//") or "?" in link:
                errs.append(f"{site}{path}: link {link!r} is not root-relative without query")
                continue
            if not (sroot / file_of(link)).exists():
                errs.append(f"{site}{path}: broken link {link}")
            if any(link.startswith(d) for d in disallowed):
                linked_disallowed = True
    if not linked_disallowed:
        errs.append(f"{site}: the robots-disallowed path is never linked")
    # reachability from the seed, following everything except disallowed paths
    seed = gt["sites"][site]["seed_path"]
    seen, todo = {seed}, [seed]
    while todo:
        p = todo.pop()
        for link in H.links(docs.get(p, H.Node("#root", {}, None))):
            if link.endswith("/") and link not in seen and not any(link.startswith(d) for d in disallowed):
                seen.add(link)
                todo.append(link)
    missing = listing_paths - seen
    if missing:
        errs.append(f"{site}: {len(missing)} listings unreachable from {seed}, e.g. {sorted(missing)[:3]}")
    # profile
    prof_file = root / "profiles" / f"{site}.toml"
    if not prof_file.exists():
        return errs + [f"{site}: no profile"]
    prof = tomllib.loads(prof_file.read_text(encoding="utf-8"))
    if prof.get("name") != site:
        errs.append(f"{site}: profile name {prof.get('name')}")
    pats = [re.compile(p) for p in prof["pages"]["listing_url"]]
    skips = [re.compile(p) for p in prof["pages"].get("skip_url", [])]
    for path in docs:
        is_listing = any(p.search(path) for p in pats)
        if is_listing != (path in listing_paths):
            errs.append(f"{site}: listing_url classifies {path} as listing={is_listing}")
        if path in listing_paths and any(s.search(path) for s in skips):
            errs.append(f"{site}: skip_url skips listing {path}")
    listing_docs = [docs[p] for p in sorted(listing_paths) if p in docs]
    for field, spec in prof.get("fields", {}).items():
        specs = spec if isinstance(spec, list) else [spec]
        for s in specs:
            try:
                hits = sum(1 for d in listing_docs if any(v.strip() for v in H.select_values(d, s)))
            except ValueError as e:
                errs.append(f"{site}: field {field}: {e}")
                continue
            if hits == 0:
                errs.append(f"{site}: field {field} selector {s!r} matches no listing page")
            if field in ("listing_id", "title", "posted", "description") and hits != len(listing_docs):
                errs.append(f"{site}: field {field} selector {s!r} matches {hits}/{len(listing_docs)} listing pages")
    for kind, sels in prof.get("links", {}).items():
        for s in sels:
            hrefs = [v for d in docs.values() for v in H.select_values(d, s + "@href")]
            if not hrefs:
                errs.append(f"{site}: links.{kind} selector {s!r} matches nothing")
            if kind == "listings" and any(h not in listing_paths for h in hrefs):
                errs.append(f"{site}: links.listings selector {s!r} reaches non-listing pages")
    return errs


def _check_config(root: Path, gen) -> list[str]:
    errs: list[str] = []
    text = (root / "salwatch.toml").read_text(encoding="utf-8")
    cfg = tomllib.loads(text)
    names = [s["name"] for s in cfg.get("sites", [])]
    if names != list(gen.LISTINGS):
        errs.append(f"salwatch.toml sites {names}")
    for s in cfg.get("sites", []):
        if not (root / s["profile"]).exists():
            errs.append(f"salwatch.toml: profile {s['profile']} missing")
        port = gen.PORTS[s["name"]]
        if s["seeds"] != [f"http://127.0.0.1:{port}{gen.SEEDS[s['name']]}"]:
            errs.append(f"salwatch.toml: {s['name']} seeds {s['seeds']}")
    # every key of the schema appears, set or commented (read from the crawler's config.rs if present)
    rs = root.parent / "crawler" / "src" / "config.rs"
    if rs.exists():
        src = rs.read_text(encoding="utf-8")
        for struct, table in [("CrawlConfig", "crawl"), ("ArchiveConfig", "archive"), ("RulesConfig", "rules"),
                              ("SiteConfig", "sites")]:
            body = re.search(r"pub struct " + struct + r" \{(.*?)\n\}", src, re.S)
            if not body:
                errs.append(f"config.rs: struct {struct} not found")
                continue
            fields = re.findall(r"pub (\w+):", body.group(1))
            section = text.split(f"[{table}]", 1)[-1] if table != "sites" else text.split("[[sites]]", 1)[-1]
            for fld in fields:
                if not re.search(r"^\s*#?\s*" + fld + r"\s*=", section, re.M):
                    errs.append(f"salwatch.toml: key {table}.{fld} neither set nor shown commented")
            actual = cfg.get(table, {}) if table != "sites" else {k: 1 for s in cfg["sites"] for k in s}
            for k in actual:
                if k not in fields:
                    errs.append(f"salwatch.toml: unknown key {table}.{k}")
    return errs
