#!/usr/bin/env bash
# Command 2: every test against real services. Rust unit and integration tests (real
# PostgreSQL and Kafka from scripts/services.sh), then Playwright in Debian's Chromium.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
step() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*"; }

# The tests run beside a developer's app (scripts/dev.sh) without touching it: PostgreSQL and
# Kafka of their own (other ports, below the ephemeral range 32768-60999 so that no client
# connection in TIME_WAIT holds them; data in .services-test/), and a site directory of their own
# for the release build (the dev server keeps serving target/site).
export ACME_SERVICES_DIR=${ACME_SERVICES_DIR:-$ROOT/.services-test}
export DATABASE_URL=${DATABASE_URL:-postgres://acme:acme@127.0.0.1:15432/acme}
export KAFKA_BROKER=${KAFKA_BROKER:-127.0.0.1:19092}
export E2E_PORT=${E2E_PORT:-3190}
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/test-site}
# Servers started by the tests serve metrics on any free port, not the dev app's, and send
# their mail to a port of their own, not to the dev app's mail catcher.
export ACME_METRICS_ADDR=${ACME_METRICS_ADDR:-127.0.0.1:0}
export ACME_SMTP_PORT=${ACME_SMTP_PORT:-12525}

step "tools"
scripts/install-tools.sh || exit 1
if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's Chromium"
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || exit 1
  else echo "Chromium is missing: sudo apt-get install -y chromium" >&2; exit 1; fi
fi

step "services"
scripts/services.sh start || exit 1

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

PSQL_ADMIN="${DATABASE_URL%/*}/postgres"
# Databases left by earlier runs (each integration test makes its own).
for db in $(psql "$PSQL_ADMIN" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'acme\_test\_%'"); do
  psql "$PSQL_ADMIN" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

RESULTS=$(mktemp -d)
passed=0; failed=0

step "Rust unit and integration tests"
# A bound, so that a test that hangs fails the run instead of eating CI's 90 minutes.
timeout --signal=KILL 2400 cargo test -p app -p server --no-fail-fast 2>&1 | tee "$RESULTS/cargo.log"
cargo_status=${PIPESTATUS[0]}
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  sed -n 's/^test result: [A-Za-z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$RESULTS/cargo.log")
if [ "$cargo_status" -ne 0 ] && ! grep -q '^test result:' "$RESULTS/cargo.log"; then
  echo "[test] the Rust tests did not build" >&2; failed=$((failed + 1))
fi

step "building the release site for the browser tests (what production runs)"
if scripts/build-site.sh 2>&1 | grep -v "^ *Compiling " | tail -40; [ "${PIPESTATUS[0]}" -eq 0 ]; then
  step "size guard: what a browser downloads on a cold load (JS + wasm + CSS, as sent: brotli)"
  if scripts/size-guard.sh "$ROOT/$LEPTOS_SITE_ROOT/pkg" "$TARGET_DIR/release/hash.txt"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  step "Playwright (Debian's Chromium)"
  # A fresh database for the browser tests on every run.
  E2E_DATABASE_URL="${DATABASE_URL%/*}/acme_e2e"
  psql "$PSQL_ADMIN" -qc "DROP DATABASE IF EXISTS acme_e2e WITH (FORCE)" -c "CREATE DATABASE acme_e2e" || exit 1
  (cd end2end && E2E_DATABASE_URL="$E2E_DATABASE_URL" E2E_SERVER_BIN="$TARGET_DIR/release/server" npx playwright test)
  report=end2end/test-results/results.json
  if [ -f "$report" ]; then
    read -r p f < <(node -e 'const s=require(process.argv[1]).stats; console.log(s.expected+s.flaky, s.unexpected)' "$ROOT/$report")
    passed=$((passed + p)); failed=$((failed + f))
  else
    echo "[test] Playwright wrote no report" >&2; failed=$((failed + 1))
  fi
else
  echo "[test] the release build (scripts/build-site.sh) failed: browser tests not run" >&2; failed=$((failed + 1))
fi

step "the query descriptions in .sqlx/ match our queries and migrations"
if scripts/sqlx-prepare.sh --check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
