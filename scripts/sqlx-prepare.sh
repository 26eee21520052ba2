#!/usr/bin/env bash
# Refreshes .sqlx/, the query descriptions that let `sqlx::query!` check our SQL at compile time
# without a database (builds run with SQLX_OFFLINE=true, set in .cargo/config.toml). Run it after
# changing a checked query or a migration, and commit .sqlx/: it applies every migration to a
# scratch database of the dev PostgreSQL (scripts/services.sh) and compiles against it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh start >/dev/null
ADMIN_URL=${DATABASE_URL:-postgres://acme:acme@127.0.0.1:5432/acme}
DB=acme_sqlx_prepare
SCRATCH_URL="${ADMIN_URL%/*}/$DB"
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
for migration in migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "$SCRATCH_URL" -f "$migration" >/dev/null
done
rm -rf .sqlx && mkdir -p .sqlx
# The macros describe each query while the crates compile: make them compile again.
touch app/src/lib.rs server/src/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" DATABASE_URL="$SCRATCH_URL" \
  cargo check -q -p app --features ssr -p server --lib --bins --tests --examples
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB"
echo "[sqlx-prepare] $(ls .sqlx | wc -l) query descriptions in .sqlx/"
