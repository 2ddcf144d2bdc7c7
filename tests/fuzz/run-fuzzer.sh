#!/bin/sh
# Runs a libFuzzer target for a bounded time on a working copy of its seed
# corpus. Usage: run-fuzzer.sh TARGET SEED_DIR WORK_DIR
# FUZZ_SECONDS (default 60) bounds the run; FUZZ_JOBS runs several workers.
set -eu
target=$1 seeds=$2 work=$3
mkdir -p "$work"
exec "$target" -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 \
  -timeout=10 -rss_limit_mb=2048 -max_len=4096 "$work" "$seeds"
