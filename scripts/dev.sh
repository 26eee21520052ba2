#!/usr/bin/env bash
# Command 1: install what is missing, start PostgreSQL and Kafka, then build and serve the
# app at http://127.0.0.1:3000 (the server migrates and seeds the database at start-up).
# Rebuilds on change; Ctrl-C stops the app (the services keep running: scripts/services.sh stop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
scripts/services.sh start
echo "[dev] building and serving on http://127.0.0.1:3000 (demo login: user@nextmail.com / 123456)"
exec cargo leptos watch --split
