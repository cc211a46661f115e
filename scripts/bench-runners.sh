#!/usr/bin/env bash
# Several runners on one PostgreSQL store (issue 13), on a throwaway cluster of its own
# (scripts/test-postgres.sh, its own UPSCALE_TEST_POSTGRES_DIR, stopped at the end), with the
# release build. Prints in one run:
#   1. requests/s of one, two and three `upscale-batch run` processes working one store under
#      `limits --concurrency 64`, against the simulator, as ratios of one runner's rate
#      (target: three >= 0.9 of one; they share the machine's cores, so this is what
#      coordinating costs), with the simulator's most requests in flight (never above 64);
#   2. the take-over time of a runner's claims after SIGKILL (target <= lease + one heartbeat);
#   3. claims per second through the store (R loops that reserve, claim and record a batch,
#      no API) beside `pgbench -c R -t N` running the same statements, as many batches (target >= 0.7).
# ROUNDS=3 repeats it (the README's figures, with the machine's noise as the spread).
#
#   scripts/bench-runners.sh
#   JOBS=2000 CLAIM_JOBS=100000 SECONDS_EACH=10 scripts/bench-runners.sh   # quicker
#
# Needs Debian's postgresql package (server, psql and pgbench). The cluster runs with fsync off
# (scripts/test-postgres.sh): the figures compare our work with PostgreSQL's own, not the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-10000}
CLAIM_JOBS=${CLAIM_JOBS:-300000}
SECONDS_EACH=${SECONDS_EACH:-30}
LOOPS=${LOOPS:-3}
ROUNDS=${ROUNDS:-1}
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}

for tool in psql pgbench; do
    command -v "$tool" >/dev/null || { echo "$tool is required: apt-get install -y postgresql" >&2; exit 2; }
done
for product in upscale-batch upscale-bench; do
    if [ ! -x "$SCRATCH_PATH/release/$product" ] || [ -n "$(find Sources Package.swift -newer "$SCRATCH_PATH/release/$product" -print -quit)" ]; then
        swift build -c release --scratch-path "$SCRATCH_PATH" --product "$product" >&2
    fi
done
BENCH=$SCRATCH_PATH/release/upscale-bench
. scripts/bench-lib.sh

start_bench_cluster
psql -X -q -d "$SERVER_URL" -c "CREATE DATABASE bench_runners"
DB=$(echo "$SERVER_URL" | sed "s#/postgres?#/bench_runners?#")
echo "PostgreSQL $(psql -X -A -t -d "$SERVER_URL" -c 'SHOW server_version'), cluster in $UPSCALE_TEST_POSTGRES_DIR (fsync off), $(nproc) cores"

for round in $(seq 1 "$ROUNDS"); do
    echo
    echo "== round $round of $ROUNDS"
    "$BENCH" runners --db "$DB" --jobs "$JOBS"
    "$BENCH" claims --db "$DB" --jobs "$CLAIM_JOBS" --loops "$LOOPS" --seconds "$SECONDS_EACH"
done
