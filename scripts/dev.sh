#!/usr/bin/env bash
# Command 1: install what is missing, start PostgreSQL and Kafka, then build and serve the
# app at http://127.0.0.1:3000 (the server migrates and seeds the database at start-up).
# Rebuilds on change; Ctrl-C stops the app (the services keep running: scripts/services.sh stop).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
scripts/install-tools.sh
scripts/services.sh start
# The server keeps the processor's mail itself, to read on /dashboard/mailbox (no SMTP sink to run).
export ACME_DEV_MAIL_CATCHER=${ACME_DEV_MAIL_CATCHER:-true}
if [ ! -d target/front ]; then
  echo "[dev] first build of the workspace: about 10 min on 2 cores (later rebuilds take seconds)"
  # Say every minute how far along the wait is, until the app answers.
  ( build_started=$SECONDS
    while sleep 60; do
      curl -sf -o /dev/null http://127.0.0.1:3000/healthz && break
      echo "[dev] first build: $(((SECONDS - build_started) / 60)) min so far (about 10 min expected)"
    done ) &
fi
echo "[dev] tools and services ready after $((SECONDS - started)) s"
echo "[dev] building and serving on http://127.0.0.1:3000 (demo login: user@nextmail.com / 123456)"
echo "[dev] mail the app sends: http://127.0.0.1:3000/dashboard/mailbox"
# Content-hashed file names are for release builds: `cargo leptos watch` does not write the
# hash file the server then looks for (every page panicked with "failed to read hash file").
export LEPTOS_HASH_FILES=false
exec cargo leptos watch --split
