#!/usr/bin/env bash
# A local Apache Kafka (the real broker, KRaft mode) on loopback, for the
# ledger's Kafka mode, its tests and benchmarks.
#
#   tools/kafka-local.sh up [--brokers N] [--dir DIR] [--prefix P]
#   tools/kafka-local.sh down [--dir DIR]
#   tools/kafka-local.sh restart N [--dir DIR]
#   tools/kafka-local.sh fetch
#
# up       starts a new, empty cluster of N brokers (1 or 3; default 1), each
#          a combined broker+controller, on free ports of 127.0.0.1; creates
#          the ledger's topics with deploy/kafka/topics.sh (prefix P, default
#          xueji) and the broker settings of deploy/kafka/broker-*.properties:
#          replication factor 3 and min.insync.replicas 2 with three brokers,
#          1 and 1 with one. Once the cluster accepts clients (checked with
#          kcat), the FIRST line of stdout is the bootstrap list
#          (127.0.0.1:port,...); nothing else goes to stdout. Broker N's pid
#          is in DIR/broker-N/pid, its log in DIR/broker-N/log. DIR holds the
#          previous cluster of the same DIR, if any: it is deleted (only a
#          DIR that this script made, never another folder).
# down     stops every broker of DIR (SIGTERM, up to 30 s, then SIGKILL).
# restart  starts broker N of DIR again with the same configuration and data
#          (after a test killed it), prints the bootstrap list once it is
#          back in the cluster.
# fetch    only downloads Kafka (tools/setup.sh runs it).
#
# DIR defaults to ./kafka-local. Apache Kafka ($XUEJI_KAFKA_VERSION, default
# 4.4.0; the broker artifact org.apache.kafka:kafka_2.13 and the admin tools
# org.apache.kafka:kafka-tools) is fetched from Maven Central with mvn into
# $XUEJI_KAFKA_CACHE (default ~/.cache/xueji-kafka) once; later runs use
# only the cache. Needs Java 17 and Maven (installed with apt-get when
# missing, as root or with sudo) and kcat. Heap per broker:
# $XUEJI_KAFKA_HEAP (default -Xms128m -Xmx512m).
# DIR/bin/ gets kafka-topics.sh, kafka-consumer-groups.sh and
# kafka-transactions.sh wrappers over the same jars, e.g.
#   kafka-local/bin/kafka-consumer-groups.sh --bootstrap-server $B --describe --all-groups
#
# Exit: 0 ok, 2 usage, 1 anything else (the reason on stderr, with the tail
# of the broker's log when a broker did not come up).
set -euo pipefail

KAFKA_VERSION=${XUEJI_KAFKA_VERSION:-4.4.0}
CACHE=${XUEJI_KAFKA_CACHE:-${HOME:-/root}/.cache/xueji-kafka}/$KAFKA_VERSION
HEAP=${XUEJI_KAFKA_HEAP:--Xms128m -Xmx512m}
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MARKER=kafka-local.env  # in DIR: what `up` wrote, read by down and restart

die() { echo "kafka-local: $*" >&2; exit 1; }
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
say() { echo "kafka-local: $*" >&2; }

# --- prerequisites and the download -----------------------------------------

install_packages() {  # PACKAGE...
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing $*"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

ensure_tools() {
  local missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v kcat >/dev/null || missing+=(kcat)
  command -v python3 >/dev/null || missing+=(python3)
  if ((${#missing[@]})); then install_packages "${missing[@]}"; fi
  local version
  version=$(java -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = //p')
  [ "${version%%.*}" -ge 17 ] 2>/dev/null ||
    die "Kafka $KAFKA_VERSION needs Java 17 or newer; java on PATH is ${version:-unknown}"
}

fetch() {
  [ -f "$CACHE/libs/.complete" ] && return 0
  ensure_tools
  mkdir -p "$CACHE"
  cat >"$CACHE/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.xueji</groupId>
  <artifactId>kafka-local</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- Kafka logs through SLF4J 1.x; the broker distribution ships this
         binding to Log4j 2 (without it the brokers log nothing). -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>2.25.5</version>
    </dependency>
  </dependencies>
</project>
EOF
  say "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $CACHE (once)"
  rm -rf "$CACHE/libs"
  if ! (cd "$CACHE" && mvn -B -q dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$CACHE/libs" \
      >"$CACHE/mvn.log" 2>&1); then
    cat "$CACHE/mvn.log" >&2
    die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  [ -f "$CACHE/libs/kafka_2.13-$KAFKA_VERSION.jar" ] ||
    die "mvn ran but $CACHE/libs has no kafka_2.13-$KAFKA_VERSION.jar"
  touch "$CACHE/libs/.complete"
}

# --- helpers -------------------------------------------------------------------

free_ports() {  # COUNT: distinct free TCP ports of 127.0.0.1, one per line
  python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))
EOF
}

# A KRaft cluster id: 16 random bytes, base64url, no padding. Drawn again
# when it starts with "-" (1 in 64), which StorageTool's `-t ID` would read
# as an option, as Kafka's own Uuid.randomUuid does.
cluster_id() {
  python3 -c '
import base64, os
while True:
    id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    if not id.startswith("-"):
        print(id)
        break'
}

# True if PID is a running broker of DIR (a recycled pid is not).
is_broker() {  # PID DIR
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] &&
    tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2/" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'
}

broker_pid() {  # N -> the pid of broker N if it runs, else nothing
  local pid
  pid=$(cat "$DIR/broker-$1/pid" 2>/dev/null || true)
  if is_broker "$pid" "$DIR"; then echo "$pid"; fi
}

java_tool() {  # CLASS ARGS...: a Kafka tool class, quiet logging
  java -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$DIR/tools-log4j2.properties" \
    -cp "$CACHE/libs/*" "$@"
}

write_logging() {
  cat >"$DIR/log4j2.properties" <<'EOF'
# Broker logging: INFO to the console (DIR/broker-N/log); config dumps off.
rootLogger.level=INFO
rootLogger.appenderRef.console.ref=CONSOLE
appender.console.type=Console
appender.console.name=CONSOLE
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=[%d] %p %m (%c)%n
logger.config.name=org.apache.kafka.common.config.AbstractConfig
logger.config.level=WARN
logger.state.name=state.change.logger
logger.state.level=WARN
EOF
  cat >"$DIR/tools-log4j2.properties" <<'EOF'
# Admin tools: warnings and errors only, to stderr.
rootLogger.level=WARN
rootLogger.appenderRef.console.ref=CONSOLE
appender.console.type=Console
appender.console.name=CONSOLE
appender.console.target=SYSTEM_ERR
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=[%d] %p %m (%c)%n
EOF
}

write_wrappers() {
  mkdir -p "$DIR/bin"
  local name class
  for pair in kafka-topics.sh=org.apache.kafka.tools.TopicCommand \
      kafka-consumer-groups.sh=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
      kafka-transactions.sh=org.apache.kafka.tools.TransactionsCommand; do
    name=${pair%%=*}
    class=${pair#*=}
    cat >"$DIR/bin/$name" <<EOF
#!/bin/sh
# $class of Apache Kafka $KAFKA_VERSION (written by tools/kafka-local.sh).
exec java -Xmx256m -XX:TieredStopAtLevel=1 \\
  -Dlog4j2.configurationFile="$DIR/tools-log4j2.properties" \\
  -cp "$CACHE/libs/*" $class "\$@"
EOF
    chmod +x "$DIR/bin/$name"
  done
}

write_broker_config() {  # N
  local n=$1 replication=$REPLICATION min_isr=$MIN_ISR
  mkdir -p "$DIR/broker-$n/data"
  cat >"$DIR/broker-$n/server.properties" <<EOF
# Broker $n of $BROKERS (tools/kafka-local.sh): combined broker+controller,
# plaintext on loopback. Durability settings as deploy/kafka/broker-*.properties
# (replication $replication, min.insync.replicas $min_isr on this cluster size).
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORTS[$n]},CONTROLLER://127.0.0.1:${CONTROLLER_PORTS[$n]}
advertised.listeners=PLAINTEXT://127.0.0.1:${CLIENT_PORTS[$n]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/broker-$n/data

default.replication.factor=$replication
min.insync.replicas=$min_isr
unclean.leader.election.enable=false
offsets.topic.replication.factor=$replication
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
auto.create.topics.enable=false
num.partitions=6
log.retention.ms=-1
replica.fetch.max.bytes=16777216

# Local only (fewer internal partitions on a small machine; a new group's
# first join is not delayed). Production keeps Kafka's defaults.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
EOF
}

start_broker() {  # N
  local n=$1
  rm -f "$DIR/broker-$n/pid"  # an old pid would pass for the new one below
  : >>"$DIR/broker-$n/log"
  echo "[kafka-local] starting broker $n $(date -u +%FT%TZ)" >>"$DIR/broker-$n/log"
  # A session of its own: a Ctrl-C where `up` ran does not reach it. The
  # shell writes its own pid, then becomes the JVM (exec keeps the pid).
  # shellcheck disable=SC2086,SC2016
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$DIR/broker-$n/pid" \
    java $HEAP -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
    -cp "$CACHE/libs/*" kafka.Kafka "$DIR/broker-$n/server.properties" \
    >>"$DIR/broker-$n/log" 2>&1 </dev/null &
  local waited=0
  until [ -s "$DIR/broker-$n/pid" ]; do
    sleep 0.05
    waited=$((waited + 1))
    ((waited < 100)) || die "broker $n did not start (see $DIR/broker-$n/log)"
  done
}

show_log_tail() {  # N
  say "last lines of $DIR/broker-$1/log:"
  tail -n 20 "$DIR/broker-$1/log" >&2 || true
}

# Waits until kcat's metadata lists all the brokers.
wait_brokers() {  # TIMEOUT_S
  local deadline=$((SECONDS + $1)) want=$BROKERS seen n
  while :; do
    seen=$(kcat -L -b "$BOOTSTRAP" -m 3 2>/dev/null |
      sed -n 's/^ *\([0-9]*\) brokers:$/\1/p' || true)
    [ "${seen:-0}" -ge "$want" ] && return 0
    for n in $(seq 1 "$BROKERS"); do
      if [ -z "$(broker_pid "$n")" ]; then
        show_log_tail "$n"
        die "broker $n exited while starting"
      fi
    done
    if ((SECONDS >= deadline)); then
      for n in $(seq 1 "$BROKERS"); do show_log_tail "$n"; done
      die "the cluster at $BOOTSTRAP did not list $want broker(s) within $1 s"
    fi
    sleep 0.5
  done
}

# Waits until every partition of the ledger's topics has a leader and at
# least min.insync.replicas in sync (so acks=all writes succeed).
wait_topics() {  # TIMEOUT_S
  local deadline=$((SECONDS + $1)) meta
  while :; do
    meta=$(kcat -L -b "$BOOTSTRAP" -m 3 2>/dev/null || true)
    if printf '%s\n' "$meta" | python3 -c '
import re, sys
prefix, min_isr = sys.argv[1], int(sys.argv[2])
want = {prefix + "." + t: n for t, n in
        (("requests", 1), ("events", None), ("results", 6), ("registry", 1),
         ("journal", 1))}
topics, current = {}, None
for line in sys.stdin:
    m = re.match(r"\s*topic \"([^\"]+)\" with (\d+) partitions:", line)
    if m:
        current = m.group(1)
        topics[current] = []
        continue
    m = re.match(r"\s*partition (\d+), leader (-?\d+), replicas: ([\d,]*), isrs: ([\d,]*)(.*)", line)
    if m and current is not None:
        ok = int(m.group(2)) >= 0 and not m.group(5).strip() and \
            len([x for x in m.group(4).split(",") if x]) >= min_isr
        topics[current].append(ok)
for name, n in want.items():
    parts = topics.get(name)
    if not parts or not all(parts) or (n is not None and len(parts) != n):
        sys.exit(1)
' "$PREFIX" "$MIN_ISR"; then
      return 0
    fi
    ((SECONDS < deadline)) ||
      die "the topics of $PREFIX have no leader or too few in-sync replicas after $1 s"
    sleep 0.5
  done
}

load_env() {
  [ -f "$DIR/$MARKER" ] || die "no cluster in $DIR (start one with: $0 up --dir $DIR)"
  # shellcheck disable=SC1090
  . "$DIR/$MARKER"
}

# --- commands ----------------------------------------------------------------

stop_brokers() {
  local pids=() n pid
  for n in $(seq 1 "$BROKERS"); do
    pid=$(broker_pid "$n")
    [ -n "$pid" ] && pids+=("$pid")
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + 30)) alive
  while :; do
    alive=()
    for pid in "${pids[@]}"; do
      is_broker "$pid" "$DIR" && alive+=("$pid")
    done
    ((${#alive[@]})) || break
    if ((SECONDS >= deadline)); then
      say "SIGKILL to ${alive[*]} (still running 30 s after SIGTERM)"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}

cmd_up() {
  case "$BROKERS" in
    1) REPLICATION=1 MIN_ISR=1 ;;
    3) REPLICATION=3 MIN_ISR=2 ;;
    *) echo "kafka-local: --brokers must be 1 or 3 (got $BROKERS)" >&2; exit 2 ;;
  esac
  fetch
  ensure_tools
  if [ -e "$DIR" ]; then
    if [ -f "$DIR/$MARKER" ]; then
      # shellcheck disable=SC1090
      (. "$DIR/$MARKER"; stop_brokers)
      rm -rf "${DIR:?}"/broker-* "${DIR:?}/bin" "${DIR:?}/$MARKER" \
        "${DIR:?}"/*.properties "${DIR:?}/topics.log"
    elif [ -n "$(ls -A "$DIR")" ]; then
      die "$DIR exists and is not a kafka-local folder; choose another --dir"
    fi
  fi
  mkdir -p "$DIR"
  local ports n
  mapfile -t ports < <(free_ports $((2 * BROKERS)))
  CLIENT_PORTS=() CONTROLLER_PORTS=()
  local voters=() bootstrap=()
  for n in $(seq 1 "$BROKERS"); do
    CLIENT_PORTS[n]=${ports[2 * n - 2]}
    CONTROLLER_PORTS[n]=${ports[2 * n - 1]}
    voters+=("$n@127.0.0.1:${CONTROLLER_PORTS[n]}")
    bootstrap+=("127.0.0.1:${CLIENT_PORTS[n]}")
  done
  VOTERS=$(IFS=,; echo "${voters[*]}")
  BOOTSTRAP=$(IFS=,; echo "${bootstrap[*]}")
  write_logging
  write_wrappers
  local id
  id=$(cluster_id)
  for n in $(seq 1 "$BROKERS"); do
    write_broker_config "$n"
    java_tool kafka.tools.StorageTool format -t "$id" \
      -c "$DIR/broker-$n/server.properties" >>"$DIR/broker-$n/log" 2>&1 ||
      { show_log_tail "$n"; die "formatting the storage of broker $n failed"; }
  done
  cat >"$DIR/$MARKER" <<EOF
# Written by tools/kafka-local.sh up; read by down and restart.
BROKERS=$BROKERS
BOOTSTRAP=$BOOTSTRAP
PREFIX=$PREFIX
REPLICATION=$REPLICATION
MIN_ISR=$MIN_ISR
EOF
  # A cluster that does not come up whole is stopped again.
  trap stop_brokers EXIT
  for n in $(seq 1 "$BROKERS"); do start_broker "$n"; done
  wait_brokers 120
  : >"$DIR/admin.properties"
  if ! KAFKA_BIN="$DIR/bin" REPLICATION_FACTOR=$REPLICATION \
      MIN_INSYNC_REPLICAS=$MIN_ISR \
      "$SOURCE_DIR/deploy/kafka/topics.sh" "$BOOTSTRAP" "$DIR/admin.properties" \
      "$PREFIX" >"$DIR/topics.log" 2>&1; then
    cat "$DIR/topics.log" >&2
    die "creating the topics failed"
  fi
  wait_topics 60
  trap - EXIT
  echo "$BOOTSTRAP"
  say "$BROKERS broker(s) up, topics $PREFIX.* created; logs in $DIR/broker-*/log; stop with: $0 down --dir $DIR"
}

cmd_down() {
  if [ ! -f "$DIR/$MARKER" ]; then
    say "no cluster in $DIR; nothing to stop"
    return 0
  fi
  load_env
  stop_brokers
  say "stopped the brokers of $DIR"
}

cmd_restart() {
  local n=$1
  load_env
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= BROKERS)) ||
    { echo "kafka-local: no broker $n in $DIR (brokers 1..$BROKERS)" >&2; exit 2; }
  local pid
  pid=$(broker_pid "$n")
  [ -z "$pid" ] || die "broker $n of $DIR is running (pid $pid)"
  local from
  from=$(($(wc -l <"$DIR/broker-$n/log") + 1))
  start_broker "$n"
  local deadline=$((SECONDS + 120))
  until tail -n "+$from" "$DIR/broker-$n/log" | grep -q 'Kafka Server started' &&
      kcat -L -b "$BOOTSTRAP" -m 3 2>/dev/null |
        grep -q "^ *broker $n at "; do
    if [ -z "$(broker_pid "$n")" ]; then
      show_log_tail "$n"
      die "broker $n exited while starting"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$n"
      die "broker $n did not rejoin the cluster within 120 s"
    fi
    sleep 0.5
  done
  echo "$BOOTSTRAP"
  say "broker $n restarted"
}

# --- arguments -----------------------------------------------------------------

(($# >= 1)) || usage
COMMAND=$1
shift
BROKERS=1
DIR=./kafka-local
PREFIX=xueji
RESTART_N=""
if [ "$COMMAND" = restart ]; then
  (($# >= 1)) || usage
  RESTART_N=$1
  shift
fi
while (($#)); do
  case "$1" in
    --brokers) (($# >= 2)) || usage; BROKERS=$2; shift 2 ;;
    --dir) (($# >= 2)) || usage; DIR=$2; shift 2 ;;
    --prefix) (($# >= 2)) || usage; PREFIX=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "kafka-local: unknown argument $1" >&2; usage ;;
  esac
done
# Absolute: pids are matched against the paths on the brokers' command lines.
DIR=$(realpath -m -- "$DIR")
case "$COMMAND" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart) cmd_restart "$RESTART_N" ;;
  fetch) fetch ;;
  -h|--help|help) usage ;;
  *) echo "kafka-local: unknown command $COMMAND" >&2; usage ;;
esac
