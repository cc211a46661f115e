#!/usr/bin/env bash
# Runs the whole-run benchmark with this checkout's binary and with an earlier commit's,
# alternating, and prints both with their ratio (the house rule: a refactor may not make a run
# more than 5% slower).
#
#   scripts/bench-before-after.sh REV            # e.g. fd025fc
#   JOBS=20000 ROUNDS=3 scripts/bench-before-after.sh REV
#
# REV is checked out in a temporary worktree and built there (release) into `.build-before`
# beside this checkout's `.build-release`.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: scripts/bench-before-after.sh REV}
JOBS=${JOBS:-20000}
ROUNDS=${ROUNDS:-3}
HERE=$PWD
BEFORE_TREE=$(mktemp -d)/before
git worktree add --detach "$BEFORE_TREE" "$REV" >&2
trap 'git -C "$HERE" worktree remove --force "$BEFORE_TREE" >/dev/null 2>&1 || true' EXIT
(cd "$BEFORE_TREE" && swift build -c release --scratch-path "$HERE/.build-before" --product upscale-batch >&2)
swift build -c release --scratch-path .build-release --product upscale-batch >&2
swift build -c release --scratch-path .build-release --product upscale-bench >&2
.build-release/release/upscale-bench run --jobs "$JOBS" --rounds "$ROUNDS" \
    --compare-with "$HERE/.build-before/release/upscale-batch"
