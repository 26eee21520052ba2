#!/usr/bin/env bash
# Benchmark (not a test): the dashboard pages against the performance budget (issue 7).
# Builds the release site, starts the services and a release server on its own database and
# topics, logs in, and prints for /dashboard, /dashboard/invoices and /dashboard/customers:
# bytes and requests of a cold Chromium load, requests/s and p50/p99 under wrk (32
# connections, 30 s each), server memory idle and peak, and process start to first 200; then
# the bytes and requests of a cold load of every other page (the lazy ones fetch their modules).
# The load generator, the server, PostgreSQL and Kafka share this machine's cores.
#   bench/web/run.sh [SECONDS]      (default 30)
# BENCH_SERVER=path/to/server BENCH_SITE=path/to/site bench/web/run.sh measures a server built
# elsewhere (e.g. an older commit) instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The server started here serves its metrics on any free port (a dev server may hold 9464).
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
ROOT=$PWD
SECONDS_PER_PAGE=${1:-30}
PAGES=(/dashboard /dashboard/invoices /dashboard/customers)
say() { printf '\n\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }

scripts/install-tools.sh >/dev/null
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
scripts/services.sh start >/dev/null
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
if [ -z "${BENCH_SERVER:-}" ]; then
  say "building the release site"
  scripts/release.sh >&2
fi
SERVER_BIN=${BENCH_SERVER:-$TARGET_DIR/release/server}
SITE_ROOT=${BENCH_SITE:-$ROOT/target/site}

setting() { sed -n "/^\[acme\]/,/^\[/ s/^$1 *= *\"\(.*\)\".*/\1/p" Leptos.toml | head -1; }
DB_URL=${DATABASE_URL:-$(setting database_url)}
BENCH_DB="${DB_URL%/*}/acme_bench_web"
psql "${DB_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS acme_bench_web WITH (FORCE)" -c "CREATE DATABASE acme_bench_web"
PORT=3290
BASE="http://127.0.0.1:$PORT"
start_server() {
  DATABASE_URL=$BENCH_DB KAFKA_TOPIC=bench-web.invoices ACME_ACTIVITY_TOPIC=bench-web.invoice-activity \
    ACME_DLQ_TOPIC=bench-web.invoices.dlq KAFKA_GROUP_ID=bench-web-processor \
    LEPTOS_SITE_ADDR=127.0.0.1:$PORT LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_ENV=PROD RUST_LOG=error \
    LEPTOS_HASH_FILES=${BENCH_HASH_FILES:-true} \
    "$SERVER_BIN" >/dev/null 2>&1 &
  SERVER_PID=$!
}
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
wait_ready() { until curl -fso /dev/null "$BASE/login"; do sleep 0.002; done; }

# First start migrates and seeds; the timed start finds the database ready (services up).
start_server; wait_ready; kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
t0=$(date +%s%N); start_server; wait_ready; t1=$(date +%s%N)
STARTUP_MS=$(( (t1 - t0) / 1000000 ))
sleep 5
rss() { awk "/^$1:/ {print \$2}" /proc/$SERVER_PID/status; }
IDLE_KB=$(rss VmRSS)

COOKIE=$(curl -si -X POST "$BASE/api/login" -d 'email=user@nextmail.com&password=123456' | sed -n 's/^[Ss]et-[Cc]ookie: \(acme_session=[^;]*\).*/\1/p' | head -1)
[ -n "$COOKIE" ] || { echo "login failed" >&2; exit 1; }

# Every other page: the forms, the feed, the operator's pages (an invoice's edit page by the
# first invoice the list links to).
EDIT=$(curl -s -H "Cookie: $COOKIE" "$BASE/dashboard/invoices" | grep -o '/dashboard/invoices/[0-9a-f-]*/edit' | head -1)
OTHER_PAGES=(/login /dashboard/invoices/create ${EDIT:-} /dashboard/activity /dashboard/kafka /dashboard/users
  /dashboard/audit /dashboard/account /dashboard/deliveries /dashboard/mailbox)

say "cold loads in Chromium"
LOADS=$(cd end2end && node "$ROOT/bench/web/cold-load.mjs" "$BASE" "${PAGES[@]}" "${OTHER_PAGES[@]}")
# "requests bytes" of one page's cold load.
cold_load() {
  echo "$LOADS" | node -e 'const p=process.argv[1]; for (const l of require("fs").readFileSync(0,"utf8").trim().split("\n")) { const j=JSON.parse(l); if (j.path===p) console.log(j.requests, j.bytes) }' "$1"
}

echo
echo "machine: $(nproc) cores; wrk, the server, PostgreSQL and Kafka share them"
echo "server: $SERVER_BIN, process start -> first 200 on /login: ${STARTUP_MS} ms"
echo "server memory idle: $((IDLE_KB / 1024)) MiB"
echo
printf '%-22s %9s %9s %11s %9s %9s %9s\n' page requests bytes "req/s" p50 p99 non-2xx
for page in "${PAGES[@]}"; do
  line=$(cold_load "$page")
  url="$BASE$page"
  [ "$page" = /dashboard/invoices ] && url="$BASE/dashboard/invoices?query=&page=1"
  out=$(wrk -t2 -c32 -d"${SECONDS_PER_PAGE}s" --latency -H "Cookie: $COOKIE" "$url")
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  printf '%-22s %9s %9s %11s %9s %9s %9s\n' "$page" $line "$rps" "$p50" "$p99" "${non2xx:-0}"
done
echo
echo "server memory peak (VmHWM, whole run): $(( $(rss VmHWM) / 1024 )) MiB"
echo
printf '%-40s %9s %9s\n' "cold load of every other page" requests bytes
for page in "${OTHER_PAGES[@]}"; do
  line=$(cold_load "$page")
  printf '%-40s %9s %9s\n' "$page" $line
done
echo
echo "what each cold load fetched (type, bytes on the wire, encoding, url):"
echo "$LOADS" | node -e 'for (const l of require("fs").readFileSync(0,"utf8").trim().split("\n")) { const j=JSON.parse(l); console.log(j.path); for (const f of j.files) console.log("  " + f) }'
echo
echo "budget: < 300,748 B per cold load (issue 16: the Next.js Learn dashboard's); >= 900 req/s and p99 <= 50 ms;"
echo "        <= 35 MiB idle, <= 150 MiB peak; <= 200 ms from start to first 200"
