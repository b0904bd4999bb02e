#!/usr/bin/env bash
# Two builds of Latchkey side by side on this machine: the same checks, run against each in
# turn (A, B, A, B, …), so that drift in the CPU available hits both alike. For a change on
# the verification path, build the commit before it and compare:
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release --bin latchkey)
#   bash bench/compare.sh /tmp/before/target/release/latchkey target/release/latchkey
#
# Scenarios: a valid token with its permission (POST /api/v1/verify), a malformed one, and a
# forward-auth check (GET /api/v1/forward-auth?permission=… with the bearer header; SCENARIOS
# picks some, e.g. SCENARIOS=forward-auth);
# ROUNDS rounds of wrk -t2 -c64 -d$DURATION each. Prints the median req/s of each build and
# B's ratio to A.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
A="$(realpath "$1")"; B="$(realpath "$2")"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
EMAIL="$BENCH_EMAIL"
PASSWORD="$BENCH_PASSWORD"
export WRK_DIR="$repo/bench/wrk"
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
rps() { wrk -t2 -c64 -d"$DURATION" "$@" | awk '/Requests\/sec:/ { printf "%.0f", $2 }'; }

start() {
  local name="$1" binary="$2" dir="$work/$1"; mkdir -p "$dir"
  local env=(env -u LATCHKEY_CONFIG LATCHKEY_DATA_DIR="$dir/data" LATCHKEY_LOG=warn
             LATCHKEY_THROTTLE_VERIFY_PER_SOURCE="1000000000/1s")
  create_bench_project "$binary" "${env[@]}"
  local port; port=$(free_port)
  "${env[@]}" LATCHKEY_BIND="127.0.0.1:$port" "$binary" serve >"$dir/server.log" 2>&1 &
  pids+=($!)
  wait_healthy "http://127.0.0.1:$port/healthz"
  python3 "$repo/bench/seed_api.py" "http://127.0.0.1:$port" "$EMAIL" "$PASSWORD" bench 10 "$dir/secrets" >/dev/null
  echo "http://127.0.0.1:$port"
}

base_a=$(start a "$A")
base_b=$(start b "$B")
token_a="$(sed -n 1p "$work/a/secrets")"; token_b="$(sed -n 1p "$work/b/secrets")"
for scenario in ${SCENARIOS:-valid malformed forward-auth}; do
  a_all=(); b_all=()
  for _ in $(seq "$ROUNDS"); do
    for side in a b; do
      base_var="base_$side"; token_var="token_$side"
      token="${!token_var}"; permission="api-token.find"
      [ "$scenario" = malformed ] && token="lk_this-is-not-a-token" && permission=""
      if [ "$scenario" = forward-auth ]; then
        figure=$(rps "${!base_var}/api/v1/forward-auth?permission=api-token.find" -H "Authorization: Bearer $token")
      else
        figure=$(TOKEN="$token" PERMISSION="$permission" rps "${!base_var}/api/v1/verify" -s "$WRK_DIR/verify.lua")
      fi
      if [ "$side" = a ]; then a_all+=("$figure"); else b_all+=("$figure"); fi
    done
  done
  a=$(median "${a_all[@]}"); b=$(median "${b_all[@]}")
  printf '%-10s A %8.0f req/s   B %8.0f req/s   B/A %5.1f %%   (A: %s; B: %s)\n' "$scenario" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { print 100 * b / a }')" "${a_all[*]}" "${b_all[*]}"
done
