# Helpers shared by the bench scripts (sourced, not run).

BENCH_EMAIL="bench@example.com"
BENCH_PASSWORD="bench tangerine orbit velvet"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_healthy() { for _ in $(seq 200); do curl -fs "$1" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# An administrator and the "bench" project, by BINARY run under the command prefix the rest
# of the arguments give (`env LATCHKEY_DATA_DIR=… …`).
create_bench_project() {
  local binary="$1"; shift
  echo "$BENCH_PASSWORD" | "$@" "$binary" create-admin --email "$BENCH_EMAIL" --name Bench >/dev/null
  "$@" "$binary" create-project --name Bench --slug bench --plan professional_unlimited --owner "$BENCH_EMAIL" >/dev/null
}
