#!/usr/bin/env bash
# Runs every fuzz target for a fixed time each (default 30 s): the token parser, the JSON
# bodies of the API and the dashboard's form decoder. cargo-fuzz needs nightly features,
# which RUSTC_BOOTSTRAP=1 unlocks on the stable toolchain.
#
#   bash fuzz/run.sh [seconds per target]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
# The instrumented build takes minutes from scratch; keep it beside, not in, the checkout so
# that a fresh checkout on the same machine reuses it.
target_dir="${LATCHKEY_FUZZ_TARGET_DIR:-$HOME/.cache/latchkey/fuzz-target}"
mkdir -p "$target_dir"
for target in token_parser json_bodies form_decoder; do
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run --fuzz-dir fuzz --target-dir "$target_dir" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
done
