#!/usr/bin/env bash
# Regenerates the dashboard screenshots in docs/observability.md (docs/dashboard-cache-*.png) on a fresh Debian machine:
# installs Chromium if missing, starts the AppHost with one API replica, drives traffic at the API,
# photographs the Aspire dashboard's cache charts and stops the AppHost again as Ctrl+C would.
# Run it by hand. It is not part of the test suite or CI: it needs the AppHost's fixed ports (18888-18890,
# 5280, 5290) and takes a minute and a half or more.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dashboard=http://localhost:18888
api=http://localhost:5280
traffic_seconds=${TRAFFIC_SECONDS:-45}
log="$(mktemp -t harmonia-apphost.XXXXXX.log)"
apphost_pid=

say() { echo "dashboard-screenshot: $*" >&2; }
fail() { say "error: $*"; exit 1; }

# The sessions of DCP, Aspire's orchestrator, for the AppHost under dotnet run's process $1, comma-separated.
# DCP detaches from the AppHost's process group and stops Redis, MongoDB, the API and the worker only after
# the AppHost has exited, so "nothing left running" means these sessions are empty too.
dcp_sessions() {
  local host apiserver dcp_pids
  host=$(pgrep -P "$1" -f Harmonia.AppHost | head -n 1) || return 0
  apiserver=$(pgrep -f -- "dcp start-apiserver --monitor $host( |\$)" | head -n 1) || return 0
  dcp_pids=$(printf '%s\n' "$apiserver" $(pgrep -P "$apiserver") | paste -sd,)
  ps -o sid= -p "$dcp_pids" | tr -d ' ' | sort -u | paste -sd,
}

# wait_while <seconds> <what> <command...>: polls until the command fails; false if it never does.
wait_while() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq "$seconds"); do
    "$@" >/dev/null 2>&1 || return 0
    sleep 1
  done
  say "$what still running after $seconds s"
  return 1
}

# Stops the AppHost like Ctrl+C in a terminal: SIGINT to its whole process group (dotnet run and the
# AppHost), then waits for it and for everything DCP started to exit.
stop_apphost() {
  [[ -n $apphost_pid ]] || return 0
  local pid=$apphost_pid sessions
  apphost_pid=
  sessions=$(dcp_sessions "$pid" || true)
  say "stopping the AppHost (SIGINT)"
  kill -INT -- "-$pid" 2>/dev/null || true
  if ! wait_while 60 "the AppHost" kill -0 -- "-$pid"; then
    say "killing it (log: $log)"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  if [[ -n $sessions ]]; then
    wait_while 60 "DCP or a resource it started (sessions $sessions)" pgrep -s "$sessions" || true
  fi
}
trap stop_apphost EXIT
# Signals become a normal exit, so the EXIT trap stops the AppHost, which is in a process group of its own.
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for <seconds> <what> <command...>: polls the command once a second; gives up with a clear error, and
# stops early if the AppHost has died.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq "$seconds"); do
    "$@" && return 0
    if [[ -n $apphost_pid ]] && ! kill -0 "$apphost_pid" 2>/dev/null; then
      tail -n 30 "$log" >&2
      fail "the AppHost exited while waiting for $what (log above, whole log: $log)"
    fi
    sleep 1
  done
  tail -n 30 "$log" >&2
  fail "gave up after $seconds s waiting for $what (log: $log)"
}

# With recommended packages: Chromium's bring the fonts the dashboard's text is drawn in.
apt_install() {
  local sudo=
  [[ $EUID -eq 0 ]] || sudo=sudo
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; then
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  fi
}

# 1. Tools: Debian's Chromium (Playwright's own browser download is never used) and playwright-core.
command -v dotnet >/dev/null || fail "the .NET SDK is needed (README: Two commands)"
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v chromium >/dev/null || apt_install chromium
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

# 2. The AppHost. Its ports are fixed by the launch profiles, so a running AppHost elsewhere would collide.
for port in 18888 18889 18890 5280 5290; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is already in use; stop the AppHost (or whatever holds it) and run this again"
  fi
done
say "building the AppHost"
dotnet build "$repo/Harmonia.AppHost" -nologo -v quiet
say "starting the AppHost (log: $log)"
# set -m gives the AppHost its own process group with SIGINT at its default; a background job of a
# non-interactive shell would otherwise start with SIGINT ignored, and .NET keeps it ignored.
set -m
ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
  dotnet run --project "$repo/Harmonia.AppHost" --no-build -- --Harmonia:Api:Replicas=1 >"$log" 2>&1 &
apphost_pid=$!
set +m
wait_for 180 "the AppHost to start" grep -q "Distributed application started" "$log"
wait_for 120 "the API's /health" curl -fs -o /dev/null "$api/health"

# 3. Traffic, then the pictures. The AppHost exports metrics every second in Development
# (OTEL_METRIC_EXPORT_INTERVAL=1000); screenshot.mjs waits for the chart to draw.
say "driving traffic at the API for $traffic_seconds s"
API_URL=$api node "$here/traffic.mjs" "$traffic_seconds"
mkdir -p "$repo/docs"
DASHBOARD_URL=$dashboard node "$here/screenshot.mjs" "$repo/docs"

stop_apphost
say "done in $SECONDS s"
