#!/usr/bin/env bash
# Benchmark (not a test): live-feed fan-out. CLIENTS WebSocket clients on a release server while
# invoices are written at RATE/s for SECONDS; latency, items lost, server memory and CPU.
#   bench/feed.sh [CLIENTS] [RATE] [SECONDS]     (default 1000 100 60)
exec "$(dirname "$0")/release-example.sh" feed_bench "${1:-1000}" "${2:-100}" "${3:-60}"
