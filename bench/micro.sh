#!/usr/bin/env bash
# Harmonia's micro benchmarks (BenchmarkDotNet, bench/Harmonia.Benchmarks): profile reads through the cache by
# the level that answers them, for both cache engines, FusionCache's own L1 hit below the HybridCache API (the floor
# under issue 21's goal 4), library page reads with the distributed lock off and on, the JSON of cached values
# and responses, and the rate-limit decision before every request, with allocations. Starts redis-server and jongodb on free loopback ports for the run and stops them however it ends.
# Usage: bench/micro.sh [--smoke] [--out DIR] [--configuration C] [--no-build] [BenchmarkDotNet arguments, e.g. --filter '*L1Hit*']
#   --smoke  every benchmark once (BenchmarkDotNet's Dry job), to keep them working
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

OUT=""
ARGS=()
while (($#)); do
  case $1 in
    --out) OUT=$2; shift ;;
    --configuration) CONFIGURATION=$2; shift ;;
    --no-build) NO_BUILD=1 ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
[[ " ${ARGS[*]} " == *" --filter "* ]] || ARGS+=(--filter '*')

OUT=${OUT:-$ROOT/artifacts/bench/micro-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
trap cleanup EXIT
trap 'exit 130' INT TERM

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
start_redis "$OUT"
start_jongodb "$OUT"
export HARMONIA_BENCH_REDIS_PORT=$REDIS_PORT HARMONIA_BENCH_MONGO_PORT=$MONGO_PORT
dotnet run -c "$CONFIGURATION" ${NO_BUILD:+--no-build} --project "$ROOT/bench/Harmonia.Benchmarks" -- --artifacts "$OUT" "${ARGS[@]}"
