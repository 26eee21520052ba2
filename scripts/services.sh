#!/usr/bin/env bash
# Starts, checks, stops and resets the project's own PostgreSQL and Apache Kafka (KRaft: a
# single node, or a three-node cluster when kafka_broker lists three addresses), all on
# 127.0.0.1, with all data and logs under .services/ (git-ignored).
#
#   scripts/services.sh start    start what is not running yet, wait until all accept connections
#   scripts/services.sh status   say what runs where
#   scripts/services.sh stop     stop what this script started (never anything else)
#   scripts/services.sh reset    stop, then wipe .services/ data and logs
#   scripts/services.sh start-kafka | stop-kafka    Kafka only
#   scripts/services.sh kill-broker N               SIGKILL node N (a fault drill; start brings it back)
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
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "cannot read a port from database_url ($DATABASE_URL): fix database_url in Leptos.toml or DATABASE_URL"

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
# One node per address in kafka_broker: "127.0.0.1:9092" is a single node (broker and
# controller in one JVM); "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096" is a three-node KRaft
# cluster (each node a broker and a voter; its controller listens on its port + 1), whose
# topics get replication factor 3 and min.insync.replicas 2.
IFS=',' read -r -a KAFKA_ADDRS <<<"$KAFKA_BROKER"
KAFKA_NODES=${#KAFKA_ADDRS[@]}
KAFKA_PORTS=()
for addr in "${KAFKA_ADDRS[@]}"; do
  port=${addr##*:}
  [[ "$port" =~ ^[0-9]+$ ]] || die "cannot read a port from kafka_broker ($KAFKA_BROKER): fix kafka_broker in Leptos.toml or KAFKA_BROKER"
  KAFKA_PORTS+=("$port")
done
KAFKA_DIR="$SVC/kafka"
replication=$((KAFKA_NODES < 3 ? KAFKA_NODES : 3))
min_isr=$((replication > 1 ? replication - 1 : 1))
# Each JVM's heap is bounded; three nodes fit beside the app and the tests (ACME_KAFKA_HEAP).
if [ "$KAFKA_NODES" -eq 1 ]; then KAFKA_HEAP=${ACME_KAFKA_HEAP:-512m}; else KAFKA_HEAP=${ACME_KAFKA_HEAP:-320m}; fi

# Where node $1 (1-based) keeps its data, pid, properties and logs. A single node keeps the
# layout it always had.
node_dir() { if [ "$KAFKA_NODES" -eq 1 ]; then echo "$KAFKA_DIR"; else echo "$KAFKA_DIR/node-$1"; fi; }
node_logs() { if [ "$KAFKA_NODES" -eq 1 ]; then echo "$LOGS"; else echo "$LOGS/kafka-$1"; fi; }
node_port() { echo "${KAFKA_PORTS[$(($1 - 1))]}"; }
node_running() {
  local pid="$(node_dir "$1")/kafka.pid"
  pid_alive "$pid" && grep -q "kafka.Kafka" "/proc/$(head -1 "$pid")/cmdline" 2>/dev/null
}
kafka_ours_running() { local i; for i in $(seq "$KAFKA_NODES"); do node_running "$i" || return 1; done; }
kafka_all_open() { local i; for i in $(seq "$KAFKA_NODES"); do port_open "$(node_port "$i")" || return 1; done; }

write_node_properties() {
  local i=$1 dir port quorum
  dir=$(node_dir "$i"); port=$(node_port "$i")
  if [ "$KAFKA_NODES" -eq 1 ]; then
    quorum="controller.quorum.bootstrap.servers=127.0.0.1:$((port + 1))"
  else
    local voters=() n
    for n in $(seq "$KAFKA_NODES"); do voters+=("$n@127.0.0.1:$(($(node_port "$n") + 1))"); done
    quorum="controller.quorum.voters=$(IFS=,; echo "${voters[*]}")"
  fi
  cat >"$dir/server.properties" <<PROPS
# Written by scripts/services.sh; edit the script, not this file.
process.roles=broker,controller
node.id=$i
$quorum
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=$replication
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replication
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
# Our app creates its topics itself, with the partition counts from its settings.
auto.create.topics.enable=false
delete.topic.enable=true
# Local nodes: let consumer groups form at once.
group.initial.rebalance.delay.ms=0
PROPS
}

# Broker logs go to a file, through log4j2 (see scripts/kafka/log4j2.properties).
kafka_jvm() {
  echo "-Xms128m -Xmx$KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true"
  echo "-Dlog4j2.configurationFile=$ROOT/scripts/kafka/log4j2.properties -Dkafka.logs.dir=$(node_logs "$1")"
}
kafka_java() { local node=$1; shift; java $(kafka_jvm "$node") -cp "$KAFKA_LIBS/*" "$@"; }

launch_node() {
  local i=$1 dir logs port
  dir=$(node_dir "$i"); logs=$(node_logs "$i"); port=$(node_port "$i")
  for p in "$port" "$((port + 1))"; do
    port_open "$p" && die "port $p is taken by a process that is not this project's Kafka: stop it, or choose another port in kafka_broker (Leptos.toml) or KAFKA_BROKER (a node's controller uses its port + 1)"
  done
  mkdir -p "$dir/data" "$logs"
  write_node_properties "$i"
  if [ ! -f "$dir/data/meta.properties" ]; then
    say "formatting Kafka's KRaft storage in $dir/data"
    if [ ! -f "$KAFKA_DIR/cluster.id" ]; then
      kafka_java "$i" kafka.tools.StorageTool random-uuid 2>>"$logs/kafka-format.log" >"$KAFKA_DIR/cluster.id"
    fi
    local standalone=(); [ "$KAFKA_NODES" -eq 1 ] && standalone=(--standalone)
    kafka_java "$i" kafka.tools.StorageTool format "${standalone[@]}" -t "$(cat "$KAFKA_DIR/cluster.id")" -c "$dir/server.properties" >>"$logs/kafka-format.log" 2>&1 \
      || die "formatting Kafka's storage failed: see $logs/kafka-format.log"
  fi
  # Fresh logs, so the start-up check reads this start's lines only.
  [ -f "$logs/kafka.log" ] && mv "$logs/kafka.log" "$logs/kafka.previous.log"
  nohup java $(kafka_jvm "$i") -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" >"$logs/kafka.out" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
}

start_kafka() {
  mkdir -p "$KAFKA_DIR"
  if kafka_ours_running && kafka_all_open; then say "Kafka already running on $KAFKA_BROKER"; return; fi
  # Every missing node first: a cluster's nodes wait for each other's votes.
  local i
  for i in $(seq "$KAFKA_NODES"); do node_running "$i" || launch_node "$i"; done
  for i in $(seq "$KAFKA_NODES"); do
    local waited=0 logs port; logs=$(node_logs "$i"); port=$(node_port "$i")
    until port_open "$port" && grep -q "Kafka Server started\|KafkaRaftServer.*started" "$logs/kafka.out" "$logs"/kafka*.log 2>/dev/null; do
      # Alive is enough here: just after the fork the child may not have exec'd java yet, so
      # its command line does not say kafka.Kafka for a moment.
      pid_alive "$(node_dir "$i")/kafka.pid" || die "Kafka exited during start-up: see $logs/kafka.out"
      sleep 1; waited=$((waited + 1))
      [ "$waited" -ge "$START_TIMEOUT" ] && die "Kafka did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s: see $logs/kafka.out"
    done
    say "Kafka started on 127.0.0.1:$port (log: $logs/kafka.out)"
  done
}

stop_kafka() {
  local i pids=()
  for i in $(seq "$KAFKA_NODES"); do
    # A controlled shutdown of every node at once (one by one, the last would wait for votes).
    node_running "$i" && { pids+=("$(head -1 "$(node_dir "$i")/kafka.pid")"); kill -TERM "${pids[-1]}" 2>/dev/null || true; }
  done
  if [ "${#pids[@]}" -eq 0 ]; then say "Kafka: not running (ours)"; return; fi
  for _ in $(seq 60); do
    local alive=0; for i in $(seq "$KAFKA_NODES"); do node_running "$i" && alive=1; done
    [ "$alive" -eq 0 ] && break; sleep 0.5
  done
  for i in $(seq "$KAFKA_NODES"); do
    node_running "$i" && kill -KILL "$(head -1 "$(node_dir "$i")/kafka.pid")" 2>/dev/null || true
    rm -f "$(node_dir "$i")/kafka.pid"
  done
  say "Kafka stopped"
}

# A fault drill: node $1 dies at once (SIGKILL), as a crashed machine would. `start` or
# `start-kafka` brings it back.
kill_node() {
  local i=${1:-}
  [[ "$i" =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$KAFKA_NODES" ] || die "usage: $0 kill-broker N (1..$KAFKA_NODES)"
  node_running "$i" || die "Kafka node $i is not running"
  kill -KILL "$(head -1 "$(node_dir "$i")/kafka.pid")"
  while node_running "$i"; do sleep 0.2; done
  say "Kafka node $i killed (127.0.0.1:$(node_port "$i"))"
}

status() {
  if pg_ours_running; then say "PostgreSQL: running on 127.0.0.1:$PG_PORT, database $PG_DB"; else say "PostgreSQL: stopped"; fi
  local i
  for i in $(seq "$KAFKA_NODES"); do
    if node_running "$i" && port_open "$(node_port "$i")"; then say "Kafka node $i: running on 127.0.0.1:$(node_port "$i")"; else say "Kafka node $i: stopped"; fi
  done
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
  kill-broker) kill_node "${2:-}" ;;
  reset) stop_kafka; stop_postgres; rm -rf "$PG_DATA" "$KAFKA_DIR" "$LOGS"; say "wiped data and logs in $SVC" ;;
  *) die "usage: $0 start|status|stop|reset|start-kafka|stop-kafka|kill-broker N" ;;
esac
