#!/usr/bin/env bash
# Benchmark (not a test): the release server's memory under ten minutes of mixed traffic
# (sign-ins with bursts of 32, page loads, 200 feed sockets, 50 invoice writes/s, the Kafka
# page), sampled every second, next to a fresh process's idle figure. About 12 minutes.
#   bench/soak.sh                 SOAK_SECONDS=120 bench/soak.sh (a quick look)
#   SERVER_BIN=path/to/other/server bench/soak.sh (another build, e.g. an older commit's)
set -euo pipefail
cd "$(dirname "$0")/.."
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
scripts/services.sh start >/dev/null
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p server --bin server --example soak_bench
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export SERVER_BIN=${SERVER_BIN:-$TARGET_DIR/release/server}
RUST_LOG=error "$TARGET_DIR/release/examples/soak_bench"
