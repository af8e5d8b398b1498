#!/usr/bin/env bash
# How much open-loop load this machine carries: hybrid GET /users/{id} at each of --rates requests a second, with
# rate limiting off and on, one cell each on a fresh API, and the CPU each side spends per request (the API, Redis,
# the load generator itself, the whole machine) beside the latency. load.sh's open-loop step runs at half of
# wrk's maximum; the generator shares the two cores with the API, so that rate can lie beyond what both together
# carry, and a cell there measures a backlog, not the server. This finds where that edge is.
# --smoke runs one low rate for a second, to keep the script working (the test suite runs it on every change).
# Usage: bench/capacity.sh [--rates 8000,12000,16000] [--duration S] [--out DIR] [--smoke] [--configuration C] [--no-build]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

RATES=8000,12000,16000
DURATION=10
WARMUP=10
OUT=""
while (($#)); do
  case $1 in
    --rates) RATES=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --out) OUT=$2; shift ;;
    --smoke) RATES=500 DURATION=1 WARMUP=1 ;;
    --configuration) CONFIGURATION=$2; shift ;;
    --no-build) NO_BUILD=1 ;;
    *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$ROOT/artifacts/bench/capacity-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
trap cleanup EXIT
trap 'exit 130' INT TERM
ensure_tool wrk wrk

build_bench Harmonia.Bench.Api Harmonia.LoadGenerator
API_DLL=$(bench_dll Harmonia.Bench.Api)
start_redis "$OUT"
start_jongodb "$OUT"
API=http://127.0.0.1:$(free_port)
SIGNING_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')

# The API as load.sh starts it (quotas no request reaches, hourly activity flush), with rate limiting $1.
start_api() {
  spawn "$OUT/api-limits-$1.log" env -C "$(dirname "$API_DLL")" \
    ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" ConnectionStrings__harmonia="$(mongo_url harmonia)" \
    Harmonia__Auth__SigningKey="$SIGNING_KEY" Harmonia__Accounts__PublicUrl="$API" ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_URLS="$API" Harmonia__Auth__AccessTokenLifetime=01:00:00 Harmonia__Auth__ActivityFlushInterval=01:00:00 \
    Harmonia__RateLimiting__SignedIn__Limit=1000000 Harmonia__RateLimiting__SignedIn__Window=00:00:01 \
    Harmonia__RateLimiting__Anonymous__Limit=1000000 Harmonia__RateLimiting__Endpoints__login__Limit=1000000 \
    Bench__CacheLevels=Both Bench__RateLimiting="$1" dotnet "$API_DLL"
  API_PID=$SPAWNED
  wait_for "API" 60 curl -sf "$API/alive"
}

# The value of field $1 in a RESULT line ($2).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

echo "| rate limiting | offered req/s | p50 ms | p99 ms | API µs/req | Redis µs/req | generator µs/req | machine µs/req |" >"$OUT/results.md"
echo "|---|---:|---:|---:|---:|---:|---:|---:|" >>"$OUT/results.md"
IFS=, read -ra rates <<<"$RATES"
for limiting in false true; do
  start_api "$limiting"
  if [[ ! -f $OUT/tokens.tsv ]]; then
    "${LOADGEN[@]}" seed --mongo "$(mongo_url harmonia)" --users 300 --items 5 --out "$OUT/tokens.tsv.users" >>"$OUT/loadgen.log"
    "${LOADGEN[@]}" login --api "$API" --users "$OUT/tokens.tsv.users" --out "$OUT/tokens.tsv" >>"$OUT/loadgen.log"
  fi
  # Warm-up, as load.sh does: tier-1 JIT must not compete with the measured cells.
  wrk -t1 -c64 -d"${WARMUP}s" --timeout 10s -s "$ROOT/bench/wrk/authenticated.lua" "$API" -- "$OUT/tokens.tsv" "/users/{id}" >/dev/null
  for rate in "${rates[@]}"; do
    name=limits-$limiting-$rate
    api_ticks=$(cpu_ticks "$API_PID") redis_ticks=$(cpu_ticks "$REDIS_PID") machine_ticks=$(machine_cpu_ticks)
    "${LOADGEN[@]}" rate --api "$API" --tokens "$OUT/tokens.tsv" --path "/users/{id}" --rate "$rate" --warmup 2 \
      --duration "$DURATION" >"$OUT/$name.txt"
    requests=$((rate * (DURATION + 2)))
    line=$(grep '^RESULT ' "$OUT/$name.txt")
    p50=$(field p50_ms "$line") p99=$(field p99_ms "$line")
    # The generator measures its own CPU over the measured requests; the other sides are read around the whole cell.
    row="| $([[ $limiting == true ]] && echo on || echo off) | $rate | $p50 | $p99 | $(cpu_us_per_request "$api_ticks" "$(cpu_ticks "$API_PID")" "$requests") | $(cpu_us_per_request "$redis_ticks" "$(cpu_ticks "$REDIS_PID")" "$requests") | $(field generator_cpu_us "$line") | $(cpu_us_per_request "$machine_ticks" "$(machine_cpu_ticks)" "$requests") |"
    echo "$row" >>"$OUT/results.md"
    log "$row"
  done
  stop_pid "$API_PID"
  forget_pid "$API_PID"
done
cat "$OUT/results.md"
