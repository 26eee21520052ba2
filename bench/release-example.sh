#!/usr/bin/env bash
# What the Rust benchmarks share: our services, a release build of the server binaries and of
# one example in server/examples, which then runs with the remaining arguments. SERVER_BIN and
# INVOICE_EVENTS_PROCESSOR_BIN may name other builds (e.g. an older commit's).
#   bench/release-example.sh EXAMPLE [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
example=$1; shift
# Servers started by a benchmark serve their metrics on any free port (a dev server may hold 9464).
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
scripts/services.sh start >/dev/null
# Hundreds of sockets on each side of loopback need more than the usual 1,024 descriptors.
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p server --bin server --bin invoice-events-processor --example "$example"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export SERVER_BIN=${SERVER_BIN:-$TARGET_DIR/release/server}
export INVOICE_EVENTS_PROCESSOR_BIN=${INVOICE_EVENTS_PROCESSOR_BIN:-$TARGET_DIR/release/invoice-events-processor}
RUST_LOG=error exec "$TARGET_DIR/release/examples/$example" "$@"
