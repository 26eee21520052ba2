#!/usr/bin/env bash
# Benchmark (not a test): the release server's memory under ten minutes of mixed traffic
# (sign-ins with bursts of 32, page loads, 200 feed sockets, 50 invoice writes/s, the Kafka
# page), sampled every second, next to a fresh process's idle figure. About 12 minutes.
#   bench/soak.sh                 SOAK_SECONDS=120 bench/soak.sh (a quick look)
#   SERVER_BIN=path/to/other/server bench/soak.sh (another build, e.g. an older commit's)
exec "$(dirname "$0")/release-example.sh" soak_bench
