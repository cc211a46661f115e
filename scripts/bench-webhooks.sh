#!/usr/bin/env bash
# Load test of the webhook receiver: 5,000 webhooks over 200 connections into
# `upscale-batch webhook serve` (a separate process, port 0) while the benchmark itself keeps
# writing to the same job store, as a `run` would. Prints sent, 200s, non-200s, lost, errors,
# p50 and p99 latency; exits non-zero when a webhook was lost or got no answer.
#
# Usage: scripts/bench-webhooks.sh [--jobs N] [--connections N] [--writer-pause-ms MS] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-batch >&2
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-bench >&2
bin="$(swift build -c release --scratch-path "$SCRATCH_PATH" --show-bin-path)"
exec "$bin/upscale-bench" webhook-load --binary "$bin/upscale-batch" "$@"
