#!/usr/bin/env bash
# Rules benchmark: MB/s per core of extraction with the full default pack (salw-core) against
# the same patterns run by Python `re`, on one synthetic listing corpus, in one run.
# Method and latest figures: docs/BENCHMARKS.md, section "Rules".
#
# Usage: benches/rules_vs_python.sh [CORPUS_MB (default 50)] [PYTHON_MB (default 5)]
# PROFILE=bench-fast benches/rules_vs_python.sh   builds the driver with the fast-iteration
# profile (root Cargo.toml) instead of the fat-LTO release one.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus_mb="${1:-50}"
python_mb="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

profile="${PROFILE:-release}"
cargo build --profile "$profile" --quiet -p salwatch-rules --example rules_bench
bench="target/$profile/examples/rules_bench"
python3 benches/rules_corpus.py "$work/corpus.ndjson" --mb "$corpus_mb"
"$bench" patterns "$work/patterns.json"

echo "== salwatch-rules (one thread, whole corpus)"
rust="$("$bench" run "$work/corpus.ndjson")"
echo "$rust"
echo "== Python re (one thread, first ${python_mb} MB of the same corpus)"
py="$(python3 benches/rules_vs_python.py "$work/patterns.json" "$work/corpus.ndjson" --mb "$python_mb")"
echo "$py"
python3 - "$rust" "$py" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ratio (salwatch extract MB/s / Python re MB/s): {r['extract_mb_s'] / p['total_mb_s']:.1f}x")
PY
