# Sourced by load.sh, capacity.sh and micro.sh: the load generator's command line, local redis-server and jongodb
# on free loopback ports, processes stopped by their own pids whatever way the script ends, and bounded waits that
# poll a condition.
# shellcheck shell=bash

JONGODB_VERSION=0.1.6
JONGODB_PACKAGE=@jongodb/memory-server-bin-linux-x64-gnu
# The same place the AppHost's local mode fetches it to, so either one fetching it serves both.
JONGODB_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/harmonia/jongodb-$JONGODB_VERSION"

BENCH_PIDS=()

# The build the scripts run: Release, which they build themselves (a quick no-op when nothing changed). The test
# suite's smoke runs pass `--configuration Debug --no-build` instead and run what `dotnet test` has just built: a smoke
# run's numbers mean nothing, and building Release there cost every CI run about a minute and a half.
CONFIGURATION=Release
NO_BUILD=""

# The load generator's command line, set by build_bench. Answers to its sockets are handled on the thread that
# polls them instead of being handed to the thread pool: one thread switch fewer per request on the cores it shares
# with the server (bench/capacity.sh at 14k req/s, 2026-12-06: 39-40 µs of its CPU per request, against 51-55).
LOADGEN=()

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

die() { log "error: $*"; exit 1; }

# Stops one process started here: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for 10 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Starts a command in the background, logging to a file, and remembers its pid for cleanup.
# Usage: spawn LOGFILE command args...; the pid is in $SPAWNED.
spawn() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 &
  SPAWNED=$!
  BENCH_PIDS+=("$SPAWNED")
}

forget_pid() {
  local pid=$1 kept=() p
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  BENCH_PIDS=("${kept[@]}")
}

cleanup() {
  local status=$?
  local pid
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  BENCH_PIDS=()
  exit "$status"
}

# A bench project's assembly in $CONFIGURATION. Usage: bench_dll Harmonia.Bench.Api
bench_dll() { echo "$ROOT/bench/$1/bin/$CONFIGURATION/net10.0/$1.dll"; }

# Builds the bench projects named (their folders under bench/) in $CONFIGURATION, unless --no-build was given, and
# sets LOADGEN. Usage: build_bench Harmonia.Bench.Api Harmonia.LoadGenerator
build_bench() {
  local project
  if [[ -z $NO_BUILD ]]; then
    log "building $* ($CONFIGURATION)"
    for project in "$@"; do
      dotnet build "$ROOT/bench/$project" -c "$CONFIGURATION" -v q -nologo >>"$OUT/build.log" 2>&1 || die "build of $project failed; see $OUT/build.log"
    done
  fi
  LOADGEN=(env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$(bench_dll Harmonia.LoadGenerator)")
}

# Polls "$@" every 0.1 s until it succeeds; fails after TIMEOUT seconds naming WHAT.
# Usage: wait_for WHAT TIMEOUT command args...
wait_for() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready within ${timeout}s"
    sleep 0.1
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A loopback port nothing listens on, from a random start so parallel runs rarely meet, and below the ephemeral
# range (ip_local_port_range, from 32768), where a port no server holds may still be bound by a client socket.
free_port() {
  local port=$((20000 + RANDOM % 12000))
  while port_in_use "$port"; do port=$((port + 1)); done
  echo "$port"
}

# Makes sure COMMAND exists, installing Debian's PACKAGE when running as root (as the AppHost's local mode does
# for redis-server), so the scripts and their smoke test need no set-up; otherwise names the install step.
ensure_tool() {
  local command=$1 package=$2
  command -v "$command" >/dev/null && return 0
  if ((EUID == 0)) && command -v apt-get >/dev/null; then
    log "installing $package with apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; } || true
  fi
  command -v "$command" >/dev/null || die "$command is needed (apt-get install -y $package)"
}

ensure_jongodb() {
  [[ -x $JONGODB_HOME/package/bin/jongodb ]] && return 0
  ensure_tool npm npm
  log "fetching jongodb $JONGODB_VERSION with npm pack"
  local staging
  staging=$(mktemp -d)
  (cd "$staging" && npm pack --silent "$JONGODB_PACKAGE@$JONGODB_VERSION" >/dev/null && tar xzf ./*.tgz)
  chmod +x "$staging/package/bin/jongodb"
  mkdir -p "$(dirname "$JONGODB_HOME")"
  # A rename is atomic: a concurrent run never sees half a binary.
  mv "$staging" "$JONGODB_HOME" 2>/dev/null || rm -rf "$staging"
}

# Starts redis-server with the settings the AppHost's local mode uses (RedisSettings.cs): bounded memory with
# LRU eviction of keys with a TTL (never the job queue), no persistence. Sets REDIS_PORT and REDIS_PID.
start_redis() {
  local dir=$1
  ensure_tool redis-server redis-server
  REDIS_PORT=$(free_port)
  spawn "$dir/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --maxmemory 512mb --maxmemory-policy volatile-lru --daemonize no
  REDIS_PID=$SPAWNED
  wait_for "redis-server" 10 redis-cli -p "$REDIS_PORT" ping
}

# Starts a Redis Cluster of three primaries the way the AppHost's RedisTopology=Cluster does (cluster-enabled nodes,
# then redis-cli --cluster create), each node with the single server's settings. Sets CLUSTER_CONNECTION (every
# node, as a client's connection string lists them) and CLUSTER_PIDS.
start_redis_cluster() {
  local dir=$1 number port bus node addresses=()
  ensure_tool redis-server redis-server
  CLUSTER_PIDS=()
  for number in 1 2 3; do
    port=$(free_port)
    # The bus port is chosen too: port + 10000, Redis's default, may be outside the free range.
    bus=$(free_port)
    while [[ $bus == "$port" ]]; do bus=$(free_port); done
    node=$dir/redis-cluster-$number
    mkdir -p "$node"
    spawn "$node.log" redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 --dir "$node" \
      --cluster-enabled yes --cluster-config-file nodes.conf --save "" --appendonly no \
      --maxmemory 512mb --maxmemory-policy volatile-lru --daemonize no
    CLUSTER_PIDS+=("$SPAWNED")
    wait_for "redis-server (cluster node $number)" 10 redis-cli -p "$port" ping
    addresses+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes >"$dir/redis-cluster-create.log" 2>&1 ||
    die "redis-cli --cluster create failed (see $dir/redis-cluster-create.log)"
  for port in "${addresses[@]#127.0.0.1:}"; do
    wait_for "cluster_state:ok on $port" 20 bash -c "redis-cli -p $port cluster info | grep -q cluster_state:ok"
  done
  CLUSTER_CONNECTION=$(IFS=,; echo "${addresses[*]}")
}

# Starts jongodb standalone; sets MONGO_PORT and MONGO_PID.
start_jongodb() {
  local dir=$1
  ensure_jongodb
  MONGO_PORT=$(free_port)
  spawn "$dir/jongodb.log" "$JONGODB_HOME/package/bin/jongodb" --host=127.0.0.1 --port="$MONGO_PORT"
  MONGO_PID=$SPAWNED
  wait_for "jongodb" 20 grep -q JONGODB_URI "$dir/jongodb.log"
}

# The connection string services use for database $1; poll mode is what jongodb needs (docs: jongodb.md).
mongo_url() { echo "mongodb://127.0.0.1:$MONGO_PORT/$1?serverMonitoringMode=poll"; }

# Resident memory peak (VmHWM) of a process, in MiB.
peak_rss_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# CPU time a process has used, user and system, in clock ticks (/proc/PID/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# CPU time the whole machine has used (user, nice, system, irq, softirq of /proc/stat), in clock ticks.
machine_cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# Microseconds of CPU per request between two cpu_ticks readings, over N requests.
cpu_us_per_request() { awk -v from="$1" -v to="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", (to - from) * 1e6 / hz / n }'; }
