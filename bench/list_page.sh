#!/usr/bin/env bash
# Server time of the API Tokens list page with 10,000 tokens in the project.
#
# Builds release, seeds a fresh SQLite data folder with 10,000 tokens through the token
# service, signs in with a cookie jar, and requests each variant of the page (default
# order, sorted by name, by last use, a search, a late page) REQUESTS times, reporting the
# median and p95 of curl's time_total over loopback.
#
#   bash bench/list_page.sh            # 10,000 tokens, 100 requests per variant
#   TOKENS=1000 REQUESTS=30 bash bench/list_page.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TOKENS="${TOKENS:-10000}"
REQUESTS="${REQUESTS:-100}"
EMAIL="bench@example.com"
PASSWORD="bench tangerine orbit velvet"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet --bin latchkey --example seed_tokens
unset LATCHKEY_DATABASE_URL LATCHKEY_SECRET_KEY LATCHKEY_CONFIG
export LATCHKEY_DATA_DIR="$work/data"
./target/release/examples/seed_tokens "$work/data" "$TOKENS" "$EMAIL" "$PASSWORD"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LATCHKEY_BIND="127.0.0.1:$port" LATCHKEY_COOKIE_SECURE=false LATCHKEY_LOG=warn \
  ./target/release/latchkey serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

jar="$work/cookies"
csrf=$(curl -fs -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$base/login"

list="$base/projects/bench/settings/api-tokens"
rows=$(curl -fs -b "$jar" "$list" | grep -c 'class="token-name"')
[ "$rows" -eq 50 ] || { echo "expected 50 rows on the first page, got $rows" >&2; exit 1; }

measure() {
  local label="$1" url="$2"
  curl -fs -o /dev/null -b "$jar" "$url"   # warm-up
  for _ in $(seq "$REQUESTS"); do
    curl -fs -o /dev/null -b "$jar" -w '%{time_total}\n' "$url"
  done | sort -n | awk -v label="$label" '
    { t[NR] = $1 * 1000 }
    END {
      median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      p95 = t[int(NR * 0.95)]
      printf "| %s | %.1f | %.1f |\n", label, median, p95
    }'
}

echo
echo "API Tokens list page, $TOKENS tokens, $REQUESTS requests each, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| page | median ms | p95 ms |"
echo "|---|---|---|"
measure "newest first (default)" "$list"
measure "sorted by name" "$list?sort=name&order=asc"
measure "sorted by last used" "$list?sort=last_used&order=desc"
measure "search \"token 09\"" "$list?q=token+09"
measure "page 150 of 200" "$list?page=150"
