#!/usr/bin/env bash
# Installs the build and test tools this project needs, each only when missing or at the
# wrong version. Safe to run again: a second run does nothing and takes a second.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml

log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*"; }

# Runs a long step, saying every 30 s how long it has taken against what it took on a 2-core
# machine, so a first run on a fresh machine is never a silent wait.
with_progress() {
  local label=$1 estimate_min=$2; shift 2
  local start=$SECONDS
  log "$label (about $estimate_min min on 2 cores, once)"
  ( while sleep 30; do
      printf '\033[1;34m[tools]\033[0m   %s: %d min %02d s so far (about %d min expected)\n' \
        "$label" $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$estimate_min"
    done ) &
  local ticker=$! status=0
  "$@" || status=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  log "$label: done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
  return "$status"
}
need_root_or_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Builds a crate from its crates.io source after pinning one dependency, for crates whose
# own lock file names a version the registry mirror or our Rust does not accept.
install_patched() {
  local crate=$1 version=$2 dep=$3 dep_version=$4 estimate_min=$5 drop_toolchain=${6:-no}
  log "fetching the source of $crate $version"
  # Let cargo fetch the source into its registry cache; its own build fails (see above).
  cargo install "$crate" --version "$version" --locked --debug >/dev/null 2>&1 || true
  local src
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version" 2>/dev/null | head -1)
  if [ -z "$src" ]; then
    cargo fetch >/dev/null 2>&1 || true
    echo "could not download the source of $crate $version from crates.io" >&2; exit 1
  fi
  local tmp; tmp=$(mktemp -d)
  cp -r "$src" "$tmp/"
  ( cd "$tmp/$crate-$version"
    [ "$drop_toolchain" = yes ] && rm -f rust-toolchain.toml rust-toolchain
    cargo update -q -p "$dep" --precise "$dep_version"
    # A debug build: these tools only orchestrate (the compilers and wasm-opt do the heavy
    # work), and an optimised build of them is what made the first run slow.
    with_progress "building $crate $version" "$estimate_min" cargo install -q --path . --locked --debug )
  rm -rf "$tmp"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  install_patched cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 8 yes
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  install_patched wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10 2
fi

# Tailwind v4 and binaryen's wasm-opt come from npm; cargo-leptos finds them in node_modules/.bin.
if [ ! -x node_modules/.bin/tailwindcss ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm tools (tailwindcss, binaryen)"
  npm ci --no-audit --no-fund
fi
if [ -f end2end/package.json ] && { [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; }; then
  log "installing Playwright (test runner only; the browser is Debian's Chromium)"
  (cd end2end && npm ci --no-audit --no-fund)
fi
log "tools ready"
