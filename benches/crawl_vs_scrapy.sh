#!/usr/bin/env bash
# Crawler benchmark (docs/BENCHMARKS.md "## Crawler"): pages/s end to end on a loopback site with
# politeness off, salwatch against Scrapy in the same run, plus peak RSS with a 1-million-URL
# frontier. Needs: a release build (cargo build --release -p salwatch-cli), python3, scrapy,
# GNU time (/usr/bin/time). The site is served by nginx when it is installed (as in the issue's
# figure; it costs both crawlers less CPU on the shared cores), else by `salwatch samples serve`;
# BENCH_SERVER=salwatch forces the latter. The server used is printed.
#
#   benches/crawl_vs_scrapy.sh [LISTINGS] [FRONTIER_URLS]      (default 5000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
FRONTIER=${2:-1000000}
BIN=${SALWATCH_BIN:-target/release/salwatch}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p salwatch-cli" >&2; exit 2; }
command -v scrapy >/dev/null || { echo "pip install scrapy" >&2; exit 2; }
TMP=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

python3 benches/crawl_site.py site "$TMP/site" "$N"
NGINX=$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v nginx || true)
if [ -n "$NGINX" ] && [ "${BENCH_SERVER:-nginx}" = nginx ]; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  chmod 755 "$TMP" && chmod -R a+rX "$TMP/site"   # nginx workers may run as another user
  cat > "$TMP/nginx.conf" <<NGINX
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
  types { text/html html; text/plain txt; }
  default_type text/plain;
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $TMP/nginx-body;
  proxy_temp_path $TMP/nginx-proxy;
  fastcgi_temp_path $TMP/nginx-fastcgi;
  uwsgi_temp_path $TMP/nginx-uwsgi;
  scgi_temp_path $TMP/nginx-scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $TMP/site/sites/bench;
    index index.html;
  }
}
NGINX
  "$NGINX" -c "$TMP/nginx.conf" -p "$TMP" -g 'daemon off;' 2> "$TMP/nginx-start.log" &
  SERVER_PID=$!
  BASE="http://127.0.0.1:$PORT/"
  for _ in $(seq 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$BASE" 2>/dev/null && break
    sleep 0.1
  done
  echo "serving $BASE with nginx ($("$NGINX" -v 2>&1 | sed 's/.*: //'))"
else
  "$BIN" samples serve --dir "$TMP/site" > "$TMP/serve.txt" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q '^ready' "$TMP/serve.txt" 2>/dev/null && break; sleep 0.1; done
  BASE=$(awk -F'\t' '$1 == "bench" {print $2}' "$TMP/serve.txt")
  echo "serving $BASE with salwatch samples serve"
fi

mkdir -p "$TMP/ws/profiles"
cp "$TMP/site/profiles/bench.toml" "$TMP/ws/profiles/"
cat > "$TMP/ws/salwatch.toml" <<TOML
[crawl]
allow_private_addresses = true
requests_per_minute = 0
concurrency = 16
per_site_concurrency = 16
fetch_images = false
max_pages = 10000000
max_depth = 100000
[archive]
operator = "benchmark"
[[sites]]
name = "bench"
profile = "profiles/bench.toml"
seeds = ["$BASE"]
TOML

echo "== salwatch crawl --no-index (fetch, parse, profile fields, WARC archive)"
/usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak RSS" -o "$TMP/sw.time" \
  "$BIN" -w "$TMP/ws" crawl --no-index --quiet > "$TMP/sw.out"
cat "$TMP/sw.out" "$TMP/sw.time"
SW_PAGES=$(grep -o '^Crawled [0-9]*' "$TMP/sw.out" | awk '{print $2}')
SW_SECS=$(awk '{print $1}' "$TMP/sw.time")

echo "== scrapy (fetch, parse, same selectors, items written as JSON lines)"
(cd "$TMP" && /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak RSS" -o "$TMP/sc.time" \
  scrapy runspider "$OLDPWD/benches/scrapy_bench.py" -a start="$BASE" \
  -s FEEDS='{"items.jsonl": {"format": "jsonlines"}}' 2> "$TMP/sc.log")
cat "$TMP/sc.time"
SC_ITEMS=$(wc -l < "$TMP/items.jsonl")
read -r SC_PAGES SC_ELAPSED < <(python3 - "$TMP/sc.log" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
m = re.findall(r"'downloader/response_count': (\d+)", log)
e = re.findall(r"'elapsed_time_seconds': ([0-9.]+)", log)
print(m[-1] if m else 0, e[-1] if e else 0)
PY
)
if [ "$SC_PAGES" = 0 ]; then SC_PAGES=$((SC_ITEMS + N / 50 + 2)); fi
SC_SECS=$(awk '{print $1}' "$TMP/sc.time")
python3 - "$SW_PAGES" "$SW_SECS" "$SC_PAGES" "$SC_SECS" "$SC_ITEMS" "$SC_ELAPSED" <<'PY'
import sys
swp, sws, scp, scs, items, sce = (int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]),
                                  float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
a, b = swp / sws, scp / scs
print(f"salwatch: {swp} responses in {sws:.2f} s (process wall) = {a:.0f} pages/s")
print(f"scrapy:   {scp} responses ({items} items) in {scs:.2f} s (process wall) = {b:.0f} pages/s")
print(f"ratio salwatch/scrapy, process wall both: {a / b:.1f}x")
if sce > 0:
    c = scp / sce
    print(f"scrapy, its own elapsed_time_seconds (spider open to close, no start-up): "
          f"{sce:.2f} s = {c:.0f} pages/s")
    print(f"ratio salwatch (process wall) / scrapy (own elapsed): {a / c:.1f}x")
PY

echo "== peak RSS with a ${FRONTIER}-URL frontier (crawl of 2000 pages from it)"
python3 benches/crawl_site.py frontier "$TMP/ws/state.db" bench "$BASE" "$FRONTIER"
sed -i 's/^max_pages = .*/max_pages = 2000/' "$TMP/ws/salwatch.toml"
/usr/bin/time -f "%e s wall, %M KB peak RSS" -o "$TMP/fr.time" \
  "$BIN" -w "$TMP/ws" crawl --no-index --quiet > "$TMP/fr.out" 2>&1 || true
tail -3 "$TMP/fr.out"; cat "$TMP/fr.time"
