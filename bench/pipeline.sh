#!/usr/bin/env bash
# Benchmark (not a test): the event pipeline at scale, in one run on the services of
# scripts/services.sh: the write ceiling and raw rdkafka rates; steady load at 100, 500 and
# 1,000 invoices/s with latency to the activity item and to a WebSocket client; a burst; and
# the burst with 1, 2 and 3 standalone processor processes. About 4 minutes.
#   bench/pipeline.sh                          (defaults: 30 s per steady rate, a 10,000 burst)
#   PIPELINE_BENCH_SECONDS=10 PIPELINE_BENCH_BURST=3000 bench/pipeline.sh     (a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
scripts/services.sh start >/dev/null
cargo build --release -q -p server --bin server --bin invoice-events-processor --example pipeline_bench
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
# SERVER_BIN / INVOICE_EVENTS_PROCESSOR_BIN may name other builds (e.g. an older commit's).
export SERVER_BIN=${SERVER_BIN:-$TARGET_DIR/release/server}
export INVOICE_EVENTS_PROCESSOR_BIN=${INVOICE_EVENTS_PROCESSOR_BIN:-$TARGET_DIR/release/invoice-events-processor}
RUST_LOG=error "$TARGET_DIR/release/examples/pipeline_bench"
