#!/usr/bin/env bash
# The framework's size floor (a profile, not a test): builds bench/web/floor like our wasm
# (wasm-release profile, wasm-bindgen, wasm-opt -Oz), with and without --cfg erase_components,
# and prints raw and brotli sizes next to the 150,000 B page budget of issue 7.
#   bench/web/floor/run.sh
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../../.. && pwd)
"$ROOT/scripts/install-tools.sh" >/dev/null
command -v brotli >/dev/null || apt-get install -y -qq brotli >/dev/null
cp "$ROOT/Cargo.lock" Cargo.lock   # the same crate versions as the app (cargo drops the rest)
OUT=${CARGO_TARGET_DIR:-$ROOT/target}/floor
measure() {
  local label=$1 flags=$2 dir=$OUT/$1
  RUSTFLAGS="$flags" cargo build -q --lib --target wasm32-unknown-unknown --profile wasm-release --target-dir "$dir"
  wasm-bindgen --target web --no-typescript --out-dir "$dir/site" "$dir/wasm32-unknown-unknown/wasm-release/floor.wasm"
  "$ROOT/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$dir/site/floor_bg.wasm" -o "$dir/site/floor_bg.wasm"
  local wasm js
  wasm=$(brotli -q 11 -c "$dir/site/floor_bg.wasm" | wc -c)
  js=$(brotli -q 11 -c "$dir/site/floor.js" | wc -c)
  printf '%-22s wasm %8d B raw %8d B br   js %6d B br   together %8d B br\n' \
    "$label" "$(stat -c %s "$dir/site/floor_bg.wasm")" "$wasm" "$js" $((wasm + js))
}
echo "the smallest hydrated Leptos app with a router and one server-function resource:"
measure erased "--cfg erase_components"
measure not-erased ""
echo "page budget (issue 7): 150,000 B for everything a cold load fetches (HTML, CSS, JS, wasm, images)"
