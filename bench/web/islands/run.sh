#!/usr/bin/env bash
# The islands spike of issue 16 (a profile, not a test): builds bench/web/islands like our wasm
# (wasm-release profile, wasm-bindgen, wasm-opt -Oz) and prints the brotli bytes a cold load
# of an islands page would fetch (wasm + JS, and our CSS, which stays as it is), beside the
# spike's gate (110,000 B) and the same figures of the full-hydration build in
# target/site (or $LEPTOS_SITE_ROOT) when one is there.
#   bench/web/islands/run.sh                 all three islands
#   ISLANDS=feed bench/web/islands/run.sh    one of figures, feed, form (what each costs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../../.. && pwd)
"$ROOT/scripts/install-tools.sh" >/dev/null
command -v brotli >/dev/null || apt-get install -y -qq brotli >/dev/null
cp "$ROOT/Cargo.lock" Cargo.lock   # the same crate versions as the app
DIR=${CARGO_TARGET_DIR:-$ROOT/target}/islands
features=()
[ -n "${ISLANDS:-}" ] && features=(--no-default-features --features "$ISLANDS")
# Split like `cargo leptos build --split`: our app crate marks its lazy pages as split points,
# and without splitting their code would stay in the main module (an islands page never loads
# it). The splitter needs relocations; the erased view types are our build's own setting.
SPLITTER=$DIR/tools/bin/wasm-split-cli
[ -x "$SPLITTER" ] || cargo install -q wasm_split_cli_support@0.2.3 --features build-binary --root "$DIR/tools"
RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs" \
  cargo build -q --lib "${features[@]}" --target wasm32-unknown-unknown --profile wasm-release --target-dir "$DIR"
rm -rf "$DIR/split" "$DIR/site" && mkdir -p "$DIR/split"
"$SPLITTER" "$DIR/wasm32-unknown-unknown/wasm-release/islands.wasm" "$DIR/split" --out-name islands >/dev/null
wasm-bindgen --target web --no-typescript --out-dir "$DIR/site" "$DIR/split/islands.wasm"
"$ROOT/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$DIR/site/islands_bg.wasm" -o "$DIR/site/islands_bg.wasm"
br() { brotli -q 11 -c "$1" | wc -c; }
wasm=$(br "$DIR/site/islands_bg.wasm")
js=$(br "$DIR/site/islands.js")
SITE=$ROOT/${LEPTOS_SITE_ROOT:-target/site}/pkg
css_file=$(ls "$SITE"/*.css 2>/dev/null | head -1 || true)
css=0
[ -n "$css_file" ] && css=$(br "$css_file")
printf 'islands spike (%s): wasm %8d B raw %8d B br   js %6d B br   css %6d B br   together %8d B br   (gate 110,000 B)\n' \
  "${ISLANDS:-figures,feed,form}" "$(stat -c %s "$DIR/site/islands_bg.wasm")" "$wasm" "$js" "$css" $((wasm + js + css))
main_wasm=$(ls "$SITE"/*.wasm 2>/dev/null | grep -v chunk_ | head -1 || true)
main_js=$(ls "$SITE"/*.js 2>/dev/null | grep -v -e chunk_ -e __wasm_split | head -1 || true)
if [ -n "$main_wasm" ] && [ -n "$main_js" ]; then
  printf 'full hydration (%s): wasm %8d B br   js %6d B br   css %6d B br   together %8d B br\n' \
    "${SITE#$ROOT/}" "$(br "$main_wasm")" "$(br "$main_js")" "$css" $(( $(br "$main_wasm") + $(br "$main_js") + css ))
fi
