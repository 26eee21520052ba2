#!/usr/bin/env bash
# The release site as production serves it (scripts/release.sh and scripts/test.sh build it
# here): the wasm for the browser, then the server. Arguments go to both `cargo leptos build`s.
#
# The wasm gets two flags that take about 17% off what every page downloads (issue 16): no
# source locations in panic messages (-Zlocation-detail=none), and `{:?}` and derived Debug
# printing nothing (-Zfmt-debug=none; nothing the browser shows is printed with them). They are
# unstable flags of the stable compiler, which accepts them when RUSTC_BOOTSTRAP=1: that is set
# for the wasm's build alone (its own cargo-leptos run, its own target folder), never for the
# server's. `cargo leptos build --release` by hand builds the same app without them.
# (A target's own flags replace .cargo/config.toml's [build] rustflags rather than adding to
# them, so `--cfg erase_components` is said again here.)
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zlocation-detail=none -Zfmt-debug=none" \
  cargo leptos build --release --precompress --split --frontend-only "$@"
cargo leptos build --release --precompress --split --server-only "$@"
