#!/bin/sh
# Builds the benchmarks in release mode and measures the API client's throughput against the
# in-process simulator: 64 calls in flight, 20 ms server latency, ideal 3,200 requests/s.
# Extra arguments go to the benchmark (e.g. --requests 5000 --endpoint submit).
set -eu
cd "$(dirname "$0")/.."
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-bench >&2
exec "$SCRATCH_PATH/release/upscale-bench" client "$@"
