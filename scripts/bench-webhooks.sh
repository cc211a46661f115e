#!/usr/bin/env bash
# Load test of the webhook receiver: 5,000 webhooks over 200 connections into
# `upscale-batch webhook serve` (a separate process, port 0) while an `upscale-batch run` of
# 3,000 jobs (another process, against `upscale-batch simulate`) writes to the same job store. Prints sent, 200s, non-200s, lost, errors,
# p50 and p99 latency; exits non-zero when a webhook was lost or got no answer.
#
# Usage: scripts/bench-webhooks.sh [--jobs N] [--connections N] [--run-jobs N] [--keep]
# (--run-jobs 0: a loop of small transactions stands in for the run; --writer-pause-ms MS)
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-batch >&2
swift build -c release --scratch-path "$SCRATCH_PATH" --product upscale-bench >&2
bin="$(swift build -c release --scratch-path "$SCRATCH_PATH" --show-bin-path)"
exec "$bin/upscale-bench" webhook-load --binary "$bin/upscale-batch" "$@"
