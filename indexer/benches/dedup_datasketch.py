#!/usr/bin/env python3
"""The datasketch peer of the dedup benchmark (docs/BENCHMARKS.md, "Dedup").

Reads the NDJSON set written by `cargo bench -p salwatch-indexer --bench dedup -- --out FILE`
and clusters it exactly as salwatch does: k-word shingles of the words, MinHash with the same
number of permutations, MinHashLSH with the same (bands, rows), candidates verified by the
estimated Jaccard similarity against the same threshold, joined with a union-find. Prints one JSON
line like the Rust side: throughput, pairwise precision and recall.

    pip install datasketch
    python3 indexer/benches/dedup_datasketch.py set.ndjson --shingle 1 --num-perm 128 \
        --bands 32 --threshold 0.5
"""

import argparse
import json
import sys
import time
from collections import Counter

from datasketch import MinHash, MinHashLSH


def shingles(words, k):
    if not words:
        return []
    if len(words) <= k:
        return [" ".join(words).encode()]
    return list({" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)})


def score(groups, labels):
    def pairs(n):
        return n * (n - 1) // 2
    true = sum(pairs(n) for n in Counter(groups).values())
    pred = sum(pairs(n) for n in Counter(labels).values())
    hits = sum(pairs(n) for n in Counter(zip(groups, labels)).values())
    return (hits / pred if pred else 1.0), (hits / true if true else 1.0), true, pred


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("--shingle", type=int, default=1)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--bands", type=int, default=32)
    ap.add_argument("--threshold", type=float, default=0.5)
    a = ap.parse_args()
    docs = [json.loads(line) for line in open(a.set, encoding="utf-8")]
    rows = a.num_perm // a.bands
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.num_perm, params=(a.bands, rows))
    sigs = []
    parent = list(range(len(docs)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, d in enumerate(docs):
        m = MinHash(num_perm=a.num_perm)
        m.update_batch(shingles(d["text"].split(), a.shingle))
        for j in lsh.query(m):
            if find(j) != find(i) and m.jaccard(sigs[j]) >= a.threshold:
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
        lsh.insert(i, m)
        sigs.append(m)
    labels = [find(i) for i in range(len(docs))]
    secs = time.perf_counter() - start
    p, r, true, pred = score([d["group"] for d in docs], labels)
    print(json.dumps({"tool": "datasketch", "docs": len(docs), "seconds": secs,
                      "docs_per_s": len(docs) / secs, "precision": p, "recall": r,
                      "true_pairs": true, "predicted_pairs": pred, "shingle": a.shingle,
                      "num_perm": a.num_perm, "bands": a.bands, "rows": rows,
                      "threshold": a.threshold}))


if __name__ == "__main__":
    sys.exit(main())
