#!/usr/bin/env bash
# Benchmark (not a test): the server's memory under sign-ins. A fresh release server (its idle
# memory is the reference), 20 sign-ins in a row, three bursts of 8 at once, one burst of 32,
# then 20 s of rest; resident memory (VmRSS) and peak (VmHWM) after each, and the answers.
#   bench/sign-ins.sh            SERVER_BIN=path/to/other/server bench/sign-ins.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start >/dev/null
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release -q -p server --bin server
  SERVER_BIN=$TARGET_DIR/release/server
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ACME_METRICS_ADDR=127.0.0.1:0 LEPTOS_SITE_ADDR=127.0.0.1:$PORT RUST_LOG=error "$SERVER_BIN" >/dev/null 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done
sleep 2
mib() { awk -v k="$1:" '$1 == k { printf "%.0f MiB", $2 / 1024 }' "/proc/$SERVER/status"; }
ANSWERS=$(mktemp -d)
sign_in() {
  curl -s -o /dev/null -w "%{http_code}\n" -X POST -d "email=user@nextmail.com&password=123456" \
    "http://127.0.0.1:$PORT/api/login"
}
burst() {
  local pids=() i
  for i in $(seq "$1"); do sign_in >"$(mktemp -p "$ANSWERS")" & pids+=($!); done
  wait "${pids[@]}"
}
answers() { cat "$ANSWERS"/* | sort | uniq -c | awk '{ printf "%s x %s  ", $1, $2 }'; rm -f "$ANSWERS"/*; }
echo "machine: $(nproc) cores; server: $SERVER_BIN"
echo "fresh process, idle (the reference):  $(mib VmRSS)"
for _ in $(seq 20); do sign_in >/dev/null; done
echo "after 20 sign-ins in a row:          $(mib VmRSS)"
for _ in 1 2 3; do burst 8; done
echo "after three bursts of 8 at once:     $(mib VmRSS) (peak $(mib VmHWM)); answers $(answers)"
burst 32
echo "after a burst of 32 at once:         $(mib VmRSS) (peak $(mib VmHWM)); answers $(answers)"
sleep 20
echo "20 s later:                          $(mib VmRSS)"
