#!/usr/bin/env bash
# Starts, checks, stops and resets the project's own PostgreSQL and Apache Kafka (KRaft,
# single node), both on 127.0.0.1, with all data and logs under .services/ (git-ignored).
#
#   scripts/services.sh start    start what is not running yet, wait until both accept connections
#   scripts/services.sh status   say what runs where
#   scripts/services.sh stop     stop what this script started (never anything else)
#   scripts/services.sh reset    stop, then wipe .services/ data and logs
#
# Ports come from the settings: the port in `database_url` and in `kafka_broker` of
# Leptos.toml, or from DATABASE_URL / KAFKA_BROKER when set. ACME_SERVICES_DIR moves the data
# and logs elsewhere: scripts/test.sh runs a second pair of its own there, on other ports, so
# a running dev app is never touched by the tests.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SVC=${ACME_SERVICES_DIR:-$ROOT/.services}
LOGS="$SVC/logs"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
# The broker's jars are the same for every instance: fetched once, shared.
KAFKA_LIBS="$ROOT/.services/kafka/libs"
START_TIMEOUT=${SERVICES_START_TIMEOUT:-90}

say() { printf '\033[1;32m[services]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[services] %s\033[0m\n' "$*" >&2; exit 1; }

# A setting from the [acme] table of Leptos.toml (a quoted string on one line).
setting() { sed -n "/^\[acme\]/,/^\[/ s/^$1 *= *\"\(.*\)\".*/\1/p" "$ROOT/Leptos.toml" | head -1; }

DATABASE_URL=${DATABASE_URL:-$(setting database_url)}
KAFKA_BROKER=${KAFKA_BROKER:-$(setting kafka_broker)}
# postgres://user:password@host:port/database
PG_USER=$(sed -E 's#^postgres(ql)?://([^:@/]+).*#\2#' <<<"$DATABASE_URL")
PG_PASSWORD=$(sed -nE 's#^postgres(ql)?://[^:@/]+:([^@]*)@.*#\2#p' <<<"$DATABASE_URL")
PG_PORT=$(sed -nE 's#^[^@]*@[^:/]+:([0-9]+)/.*#\1#p' <<<"$DATABASE_URL"); PG_PORT=${PG_PORT:-5432}
PG_DB=$(sed -E 's#^.*/([^/?]+)(\?.*)?$#\1#' <<<"$DATABASE_URL")
KAFKA_PORT=${KAFKA_BROKER##*:}
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "cannot read a port from database_url ($DATABASE_URL): fix database_url in Leptos.toml or DATABASE_URL"
[[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] || die "cannot read a port from kafka_broker ($KAFKA_BROKER): fix kafka_broker in Leptos.toml or KAFKA_BROKER"

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# --- prerequisites -----------------------------------------------------------------------
install_debian() {
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing $* from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
  else
    die "missing $1: install it with: sudo apt-get install -y $*"
  fi
}
check_prerequisites() {
  [ -x "$PG_BIN/initdb" ] || { install_debian postgresql; PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); }
  if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then install_debian openjdk-17-jre-headless; fi
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  # The dev app and the tests may start at once on a fresh machine: one fetch at a time.
  exec 9>"$(dirname "$KAFKA_LIBS")/.fetch.lock"; flock 9
  if [ ! -f "$KAFKA_LIBS/.complete" ]; then
    command -v mvn >/dev/null || install_debian maven
    say "fetching Apache Kafka's jars from Maven Central (once)"
    rm -rf "$KAFKA_LIBS"; mkdir -p "$KAFKA_LIBS"
    mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime \
      || die "could not fetch Kafka from Maven Central (see the Maven output above)"
    touch "$KAFKA_LIBS/.complete"
  fi
  flock -u 9
}

# --- PostgreSQL --------------------------------------------------------------------------
PG_DATA="$SVC/postgres"
PG_LOG="$LOGS/postgres.log"
# As root, PostgreSQL runs as the postgres user, who must reach its data directory: a clone
# under a private directory (/root, mktemp -d) keeps its cluster under /var/tmp instead.
pg_paths() {
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$SVC" 2>/dev/null; then
    local home; home="/var/tmp/acme-postgres-$(printf %s "$SVC" | md5sum | cut -c1-12)"
    mkdir -p "$home"
    PG_DATA="$home/postgres"; PG_LOG="$home/postgres.log"
  fi
}
pg_ours_running() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

start_postgres() {
  if pg_ours_running; then say "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return; fi
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is taken by a process that is not this project's PostgreSQL: stop it, or choose another port in database_url (Leptos.toml) or DATABASE_URL"
  fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA" && chmod 700 "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
      || die "initdb failed: see $LOGS/initdb.log"
  fi
  touch "$PG_LOG"; [ "$(id -u)" = 0 ] && chown postgres: "$PG_LOG"
  # The socket goes into the data directory so that we never need /var/run/postgresql.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c max_connections=200 -c fsync=on" start >/dev/null \
    || die "PostgreSQL did not start within ${START_TIMEOUT}s: see $PG_LOG"
  say "PostgreSQL started on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
}

ensure_database() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  fi
  if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
    say "created database $PG_DB owned by $PG_USER"
  fi
}

stop_postgres() {
  if pg_ours_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null && say "PostgreSQL stopped"
  else say "PostgreSQL: not running (ours)"; fi
}

# --- Kafka -------------------------------------------------------------------------------
KAFKA_DIR="$SVC/kafka"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
kafka_ours_running() { pid_alive "$KAFKA_PID" && grep -q "kafka.Kafka" "/proc/$(head -1 "$KAFKA_PID")/cmdline" 2>/dev/null; }

write_kafka_properties() {
  cat >"$KAFKA_PROPS" <<PROPS
# Written by scripts/services.sh; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Our app creates its topics itself, with the partition counts from its settings.
auto.create.topics.enable=false
delete.topic.enable=true
# A single local node: let consumer groups form at once.
group.initial.rebalance.delay.ms=0
PROPS
}

# Broker logs go to a file, through log4j2 (see scripts/kafka/log4j2.properties).
KAFKA_JVM=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" -Dkafka.logs.dir="$LOGS"
  -cp "$KAFKA_LIBS/*")
kafka_java() { java "${KAFKA_JVM[@]}" "$@"; }

start_kafka() {
  if kafka_ours_running && port_open "$KAFKA_PORT"; then say "Kafka already running on 127.0.0.1:$KAFKA_PORT"; return; fi
  if ! kafka_ours_running; then
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      port_open "$port" && die "port $port is taken by a process that is not this project's Kafka: stop it, or choose another port in kafka_broker (Leptos.toml) or KAFKA_BROKER (the controller uses that port + 1)"
    done
    mkdir -p "$KAFKA_DIR/data"
    write_kafka_properties
    if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
      say "formatting Kafka's KRaft storage in $KAFKA_DIR/data"
      local cluster_id; cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log")
      kafka_java kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$KAFKA_PROPS" >>"$LOGS/kafka-format.log" 2>&1 \
        || die "formatting Kafka's storage failed: see $LOGS/kafka-format.log"
    fi
    # Fresh logs, so the start-up check below reads this start's lines only.
    [ -f "$LOGS/kafka.log" ] && mv "$LOGS/kafka.log" "$LOGS/kafka.previous.log"
    nohup java "${KAFKA_JVM[@]}" kafka.Kafka "$KAFKA_PROPS" >"$LOGS/kafka.out" 2>&1 </dev/null &
    echo $! >"$KAFKA_PID"
  fi
  local waited=0
  until port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|KafkaRaftServer.*started" "$LOGS/kafka.out" "$LOGS"/kafka*.log 2>/dev/null; do
    # Alive is enough here: just after the fork the child may not have exec'd java yet, so its
    # command line does not say kafka.Kafka for a moment.
    pid_alive "$KAFKA_PID" || die "Kafka exited during start-up: see $LOGS/kafka.out"
    sleep 1; waited=$((waited + 1))
    [ "$waited" -ge "$START_TIMEOUT" ] && die "Kafka did not accept connections on 127.0.0.1:$KAFKA_PORT within ${START_TIMEOUT}s: see $LOGS/kafka.out"
  done
  say "Kafka started on 127.0.0.1:$KAFKA_PORT (log: $LOGS/kafka.out)"
}

stop_kafka() {
  if kafka_ours_running; then
    # A controlled shutdown; the port is free only once the JVM has exited.
    local pid; pid=$(head -1 "$KAFKA_PID")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kafka_ours_running || break; sleep 0.5; done
    if kafka_ours_running; then kill -KILL "$pid" 2>/dev/null || true; sleep 1; fi
    rm -f "$KAFKA_PID"; say "Kafka stopped"
  else say "Kafka: not running (ours)"; fi
}

status() {
  if pg_ours_running; then say "PostgreSQL: running on 127.0.0.1:$PG_PORT, database $PG_DB"; else say "PostgreSQL: stopped"; fi
  if kafka_ours_running && port_open "$KAFKA_PORT"; then say "Kafka: running on 127.0.0.1:$KAFKA_PORT"; else say "Kafka: stopped"; fi
}

mkdir -p "$LOGS"
[ "$(id -u)" = 0 ] && chmod 755 "$SVC" "$LOGS"
pg_paths
case "${1:-start}" in
  start) check_prerequisites; start_postgres; ensure_database; start_kafka ;;
  status) status ;;
  stop) stop_kafka; stop_postgres ;;
  stop-kafka) stop_kafka ;;
  start-kafka) check_prerequisites; start_kafka ;;
  reset) stop_kafka; stop_postgres; rm -rf "$PG_DATA" "$KAFKA_DIR/data" "$KAFKA_PROPS" "$LOGS"; say "wiped data and logs in $SVC" ;;
  *) die "usage: $0 start|status|stop|reset|start-kafka|stop-kafka" ;;
esac
