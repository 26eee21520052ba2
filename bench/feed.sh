#!/usr/bin/env bash
# Benchmark (not a test): live-feed fan-out. CLIENTS WebSocket clients on a release server while
# invoices are written at RATE/s for SECONDS; latency, items lost, server memory and CPU.
#   bench/feed.sh [CLIENTS] [RATE] [SECONDS]     (default 1000 100 60)
set -euo pipefail
cd "$(dirname "$0")/.."
# The server started here serves its metrics on any free port (a dev server may hold 9464).
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
scripts/services.sh start >/dev/null
# A thousand sockets on each side of loopback need more than the usual 1,024 descriptors.
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p server --bin server --example feed_bench
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
SERVER_BIN="$TARGET_DIR/release/server" RUST_LOG=error "$TARGET_DIR/release/examples/feed_bench" "${1:-1000}" "${2:-100}" "${3:-60}"
