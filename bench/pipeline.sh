#!/usr/bin/env bash
# Benchmark (not a test): the event pipeline at scale, in one run on the services of
# scripts/services.sh: the write ceiling and raw rdkafka rates; steady load at 100, 500 and
# 1,000 invoices/s with latency to the activity item and to a WebSocket client; a burst; and
# the burst with 1, 2 and 3 standalone processor processes. About 5 minutes.
#   bench/pipeline.sh                          (defaults: 30 s per steady rate, a 10,000 burst)
#   PIPELINE_BENCH_SECONDS=10 PIPELINE_BENCH_BURST=3000 bench/pipeline.sh     (a quick look)
#   SERVER_BIN=... INVOICE_EVENTS_PROCESSOR_BIN=... bench/pipeline.sh    (other builds)
exec "$(dirname "$0")/release-example.sh" pipeline_bench
