#!/usr/bin/env bash
# The production build: the release site (server with its own release profile, wasm built for
# size with wasm-opt), every JS, CSS and wasm file precompressed (.br, .gz) so the server
# sends them compressed without compressing per request, names carrying content hashes.
#   scripts/release.sh        -> target/release/server, target/site
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh >/dev/null
# cargo-leptos builds the site and, with --precompress, writes .br and .gz
# next to each asset; old hashed files are removed first so the folder holds one set.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
rm -rf target/site/pkg
scripts/build-site.sh 2>&1 | grep -v "^ *Compiling " | tail -5
ls -l target/site/pkg | awk 'NR>1 {printf "[release] %10d  %s\n", $5, $9}' >&2
