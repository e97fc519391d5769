#!/usr/bin/env python3
"""The naive peer of the rules benchmark: the default pack's patterns run by Python `re`.

Reads the patterns exported by `rules_bench patterns` (one regex per rule: its `pattern`, or its
folded `terms` as one alternation) and the corpus written by `rules_corpus.py`. Folding, to be
fair where the pack relies on the normalizer: the text is NFKD-decomposed, combining marks
(diacritics) removed and lower-cased (`str.lower`), which is the case and diacritic folding the
patterns assume; Python does not transliterate Cyrillic or undo leetspeak, which only changes
how many matches it finds, not the work of a pass. Timed: folding, then one `finditer` pass per
pattern over the whole text (the folded text, or the original for `source = "original"` rules).

Usage: python3 benches/rules_vs_python.py PATTERNS.json CORPUS.ndjson [--mb 5]
Prints one JSON line with MB/s of folding, of matching, and overall.
"""

import argparse
import json
import re
import time
import unicodedata


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("patterns")
    ap.add_argument("corpus")
    ap.add_argument("--mb", type=float, default=5.0, help="MB of the corpus to run (a prefix)")
    args = ap.parse_args()
    rules = json.load(open(args.patterns, encoding="utf-8"))
    compiled, skipped = [], []
    for r in rules:
        try:
            compiled.append((r["source"], re.compile(r["regex"])))
        except re.error as e:
            skipped.append((r["id"], str(e)))
    docs, size, limit = [], 0, int(args.mb * 1024 * 1024)
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            docs.append(text)
            size += len(text.encode("utf-8"))
            if size >= limit:
                break
    original = "\n".join(docs)
    mb = len(original.encode("utf-8")) / 1e6
    t0 = time.perf_counter()
    folded = fold(original)
    t1 = time.perf_counter()
    matches = 0
    for source, rx in compiled:
        hay = original if source == "original" else folded
        for _ in rx.finditer(hay):
            matches += 1
    t2 = time.perf_counter()
    print(json.dumps({
        "mb": round(mb, 2),
        "patterns": len(compiled),
        "skipped": skipped,
        "fold_mb_s": round(mb / (t1 - t0), 1),
        "match_mb_s": round(mb / (t2 - t1), 3),
        "total_mb_s": round(mb / (t2 - t0), 3),
        "matches": matches,
    }))


if __name__ == "__main__":
    main()
