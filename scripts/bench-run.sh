#!/usr/bin/env bash
# Benchmarks whole runs: `upscale-batch run` in its own process against `upscale-batch simulate`
# in another, 64 requests in flight, 20 ms simulated latency (ideal 64 / 0.020 s = 3,200
# requests/s). Prints requests/s as a ratio of the ideal, the runner's CPU per job, status calls
# per job and its peak RSS, and each beside the API client alone doing the same jobs' requests
# in its own process (`upscale-bench client-jobs`: no store); then peak RSS at 10,000 and
# 100,000 jobs (it should not grow); then the achieved rate against `--rate`.
#
#   scripts/bench-run.sh                 # all of it (a few minutes)
#   SCRATCH_PATH=/tmp/ub-release scripts/bench-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-batch >&2
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-bench >&2
BENCH=$SCRATCH_PATH/release/upscale-bench

"$BENCH" run --jobs 20000
"$BENCH" run --jobs 20000 --webhooks
"$BENCH" run --jobs 10000 --no-client-alone | grep -E "benchmark|peak RSS"
"$BENCH" run --jobs 100000 --no-client-alone | grep -E "benchmark|peak RSS"
"$BENCH" run --jobs 3000 --rate 500 | grep -E "benchmark|of --rate"
