#!/usr/bin/env bash
# Refreshes .sqlx/, the query descriptions that let `sqlx::query!` check our SQL at compile time
# without a database (builds run with SQLX_OFFLINE=true, set in .cargo/config.toml). Run it after
# changing a checked query or a migration, and commit .sqlx/: it applies every migration to a
# scratch database of our PostgreSQL (scripts/services.sh; DATABASE_URL names the server) and
# compiles against it.
#   scripts/sqlx-prepare.sh           rewrite .sqlx/
#   scripts/sqlx-prepare.sh --check   only say whether .sqlx/ is up to date (CI)
set -euo pipefail
export PGOPTIONS="--client-min-messages=warning"
cd "$(dirname "$0")/.."
CHECK=false
[ "${1:-}" = "--check" ] && CHECK=true
scripts/services.sh start >/dev/null
ADMIN_URL=${DATABASE_URL:-postgres://acme:acme@127.0.0.1:5432/acme}
DB=acme_sqlx_prepare
SCRATCH_URL="${ADMIN_URL%/*}/$DB"
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
for migration in migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "$SCRATCH_URL" -f "$migration" >/dev/null
done
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true' EXIT
# The macros describe each query while the crates compile: make them compile again.
touch app/src/lib.rs server/src/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$OUT" DATABASE_URL="$SCRATCH_URL" \
  cargo check -q -p app --features ssr -p server --lib --bins --tests --examples
if $CHECK; then
  if diff -r -q .sqlx "$OUT" >/dev/null; then
    echo "[sqlx-prepare] .sqlx/ matches the queries and migrations ($(ls "$OUT" | wc -l) queries)"
  else
    diff -r -q .sqlx "$OUT" | sed 's/^/[sqlx-prepare] /' >&2
    echo "[sqlx-prepare] .sqlx/ is out of date: run scripts/sqlx-prepare.sh and commit .sqlx/" >&2
    exit 1
  fi
else
  rm -rf .sqlx && cp -r "$OUT" .sqlx
  echo "[sqlx-prepare] $(ls .sqlx | wc -l) query descriptions in .sqlx/"
fi
