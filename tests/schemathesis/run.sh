#!/usr/bin/env bash
# Property-based run of schemathesis against the served OpenAPI document: no response may
# be a 5xx or break the documented schema. Starts a fresh Latchkey on SQLite with an
# administrator and a project, and authenticates with a login access token.
#
#   bash tests/schemathesis/run.sh [path/to/latchkey] [examples per operation]
set -euo pipefail
cd "$(dirname "$0")/../.."

binary="$(realpath "${1:-target/debug/latchkey}")"
examples="${2:-40}"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

unset LATCHKEY_DATABASE_URL LATCHKEY_SECRET_KEY LATCHKEY_CONFIG LATCHKEY_DATA_DIR
cd "$work"
echo "schemathesis tangerine orbit" | "$binary" create-admin --email admin@example.com --name Admin >/dev/null
"$binary" create-project --name Fuzz --slug fuzz --plan professional_unlimited --owner admin@example.com >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LATCHKEY_BIND="127.0.0.1:$port" LATCHKEY_LOG=warn LATCHKEY_ACCESS_TOKEN_MINUTES=60 \
  "$binary" serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

access_token=$(curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@example.com","password":"schemathesis tangerine orbit","project":"fuzz"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

status=0
schemathesis run "$base/api/v1/openapi.json" \
  --url "$base" \
  --header "Authorization: Bearer $access_token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$examples" \
  --seed 20261122 \
  --workers 1 \
  --request-timeout 10 || status=$?

# A 500 is logged by the application; a panic by the runtime. (actix's own ERROR lines for
# requests it cannot even parse, such as invalid header bytes, are the client's fault.)
if grep -E "request failed|panicked" "$work/server.log"; then
  echo "the server failed on some request during the run" >&2
  status=1
fi
exit "$status"
