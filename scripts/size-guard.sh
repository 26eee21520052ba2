#!/usr/bin/env bash
# A check that cannot flake: what a cold load of each page makes the browser download, as the
# server sends it (the .br files the release build precompresses), must stay under a ceiling.
# The overview, invoices, customers and sign-in pages need the files every page asks for
# (acme.<hash>.js/.wasm/.css and the split loader); a lazy page (app/src/routes/split.rs) also
# needs its wasm module and the shared chunks the build's split manifest names for it. Issue
# 16 brought both down; the ceilings sit just above what it measured, so that any growth is
# seen (bench/web/run.sh measures whole cold loads, HTML and headers included).
#   scripts/size-guard.sh PKG_DIR HASH_FILE [CEILING_MAIN_PAGES [CEILING_LAZY_PAGES]]
set -euo pipefail
USAGE="usage: size-guard.sh PKG_DIR HASH_FILE [CEILING_MAIN_PAGES [CEILING_LAZY_PAGES]]"
PKG=${1:?$USAGE}
HASHES=${2:?$USAGE}
CEILING_MAIN=${3:-322000}
CEILING_LAZY=${4:-510000}
hash() { sed -n "s/^$1: *//p" "$HASHES"; }
# As sent to a browser: the brotli file the release build made (gzip when there is none).
sent() {
  [ -f "$1" ] || { echo "[size] missing $1" >&2; exit 1; }
  if [ -f "$1.br" ]; then stat -c %s "$1.br"; else gzip -9 -c "$1" | wc -c; fi
}
common=0
for f in "$PKG/acme.$(hash js).js" "$PKG/acme.$(hash wasm).wasm" "$PKG/acme.$(hash css).css" "$PKG/__wasm_split.$(hash split).js"; do
  bytes=$(sent "$f")
  printf '[size] %10d B raw  %9d B sent  %s (every page)\n' "$(stat -c %s "$f")" "$bytes" "$(basename "$f")"
  common=$((common + bytes))
done
manifest="$PKG/__wasm_split_manifest.$(hash manifest).json"
[ -f "$manifest" ] || { echo "[size] no split manifest $manifest: was the site built with --split?" >&2; exit 1; }
# {"module":["chunk_5.<hash>","split_module.<hash>"],...} -> one line per module: name file file...
modules=$(tr -d '{}" \n' < "$manifest" | sed 's/\],*/\n/g' | sed 's/:\[/ /; s/,/ /g' | sed '/^$/d')
[ -n "$modules" ] || { echo "[size] the split manifest names no module" >&2; exit 1; }
status=0
if [ "$common" -le "$CEILING_MAIN" ]; then
  echo "[size] pages in the main module: $common B <= ceiling $CEILING_MAIN B: ok"
else
  echo "[size] pages in the main module: $common B > ceiling $CEILING_MAIN B: every page got heavier (issue 16)" >&2
  status=1
fi
while read -r module files; do
  total=$common
  for file in $files; do total=$((total + $(sent "$PKG/$file.wasm"))); done
  if [ "$total" -le "$CEILING_LAZY" ]; then verdict="<= ceiling $CEILING_LAZY B: ok"; else verdict="> ceiling $CEILING_LAZY B: heavier than issue 16 left it"; status=1; fi
  printf '[size] lazy page module %-14s (%d files): %d B %s\n' "$module" "$(wc -w <<< "$files")" "$total" "$verdict"
done <<< "$modules"
exit $status
