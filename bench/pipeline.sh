#!/usr/bin/env bash
# Benchmark (not a test): events/s and commit -> activity latency through the whole pipeline,
# next to raw rdkafka produce/consume rates, against the services of scripts/services.sh.
#   bench/pipeline.sh [EVENTS]     (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start >/dev/null
RUST_LOG=error cargo run --release -q -p server --example pipeline_bench -- "${1:-10000}"
