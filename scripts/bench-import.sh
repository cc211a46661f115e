#!/usr/bin/env bash
# Benchmarks `upscale-batch import` against sqlite3's own `.import` of the same CSV, and
# `report --by mode` against sqlite3 running the same GROUP BY on the same store.
#
#   scripts/bench-import.sh            # 1,000,000 rows
#   ROWS=200000 scripts/bench-import.sh
#   SCRATCH_PATH=/tmp/ub-release scripts/bench-import.sh   # build outside .build (no lock held)
#
# Targets (docs): import within 1.5x of sqlite3's .import into a table with the same unique
# index, peak RSS <= 64 MB. Builds the release binary when it is missing or older than the
# sources. Needs sqlite3 and GNU time (/usr/bin/time; `apt-get install time`) for peak RSS.
set -euo pipefail

cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
BUILD_ARGS=(-c release --product upscale-batch)
if [ -n "${SCRATCH_PATH:-}" ]; then
    BUILD_ARGS+=(--scratch-path "$SCRATCH_PATH")
    BIN=$SCRATCH_PATH/release/upscale-batch
else
    BIN=.build/release/upscale-batch
fi

if [ ! -x "$BIN" ] || [ -n "$(find Sources Package.swift -newer "$BIN" -print -quit)" ]; then
    echo "building the release binary..." >&2
    swift build "${BUILD_ARGS[@]}" >&2
fi
command -v sqlite3 >/dev/null || { echo "sqlite3 is required" >&2; exit 2; }
. scripts/bench-lib.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

write_jobs_csv "$ROWS" "$TMP/jobs.csv"
echo "input: $ROWS rows, $(du -h "$TMP/jobs.csv" | cut -f1) ($TMP/jobs.csv)"


# 1. sqlite3's own .import into (url, mode) with the same unique index.
sqlite3 "$TMP/ref.sqlite3" "CREATE TABLE jobs (url TEXT, mode TEXT, UNIQUE (url, mode));"
measure "sqlite3 .import" "$TMP/ref" sqlite3 "$TMP/ref.sqlite3" ".import --csv --skip 1 $TMP/jobs.csv jobs"
REF_SECONDS=$SECONDS_TAKEN
REF_KB=$PEAK_KB

# 2. upscale-batch import into a fresh store.
measure "upscale-batch import" "$TMP/ours" "$BIN" import "$TMP/jobs.csv" --db "$TMP/store.sqlite3"
OURS_SECONDS=$SECONDS_TAKEN
OURS_KB=$PEAK_KB
echo "upscale-batch: $(cat "$TMP/ours.stdout")"

# 3. The same file again: every row a duplicate.
measure "upscale-batch re-import" "$TMP/again" "$BIN" import "$TMP/jobs.csv" --db "$TMP/store.sqlite3"
AGAIN_SECONDS=$SECONDS_TAKEN
AGAIN_KB=$PEAK_KB
echo "re-import:     $(cat "$TMP/again.stdout")"

# 4. For context: SQLite alone moving the same rows into an empty store's jobs table (no CSV,
#    one INSERT ... SELECT, the import's pragmas): the floor that the store's schema (20
#    columns, four indexes, WAL, so every page is written twice) sets for any importer.
printf 'url\n' > "$TMP/header.csv"
"$BIN" import "$TMP/header.csv" --db "$TMP/floor.sqlite3" > /dev/null
sqlite3 "$TMP/floor.sqlite3" "INSERT INTO batches (name, source_file, imported_at) VALUES ('floor', 'x', 'x')"
measure "sqlite3 INSERT SELECT" "$TMP/floor" sqlite3 "$TMP/floor.sqlite3" "PRAGMA synchronous = NORMAL" \
    "PRAGMA cache_size = -16384" "ATTACH '$TMP/ref.sqlite3' AS ref" \
    "INSERT INTO jobs (batch_id, url, mode, created_at, updated_at) SELECT 1, url, mode, '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z' FROM ref.jobs"
FLOOR_SECONDS=$SECONDS_TAKEN
FLOOR_KB=$PEAK_KB

echo
printf '%-34s %8s %12s\n' "import of $ROWS rows" "seconds" "peak RSS"
printf '%-34s %8s %12s\n' "sqlite3 .import (reference)" "$REF_SECONDS" "$(mb "$REF_KB")"
printf '%-34s %8s %12s\n' "upscale-batch import" "$OURS_SECONDS" "$(mb "$OURS_KB")"
printf '%-34s %8s %12s\n' "upscale-batch re-import (all dup)" "$AGAIN_SECONDS" "$(mb "$AGAIN_KB")"
printf '%-34s %8s %12s\n' "floor: sqlite3 INSERT..SELECT" "$FLOOR_SECONDS" "$(mb "$FLOOR_KB")"
echo "  (the floor: SQLite alone filling the store's jobs table from the reference table, no CSV)"
echo "ratio import/sqlite3: $(ratio "$OURS_SECONDS" "$REF_SECONDS") (target <= 1.5); peak RSS $(mb "$OURS_KB") (target <= 64 MB)"

# 5. report --by mode against sqlite3 running the same GROUP BY (skipped until `report` works).
echo
if "$BIN" report --by mode --format csv --db "$TMP/store.sqlite3" > /dev/null 2>&1; then
    QUERY="SELECT mode, count(*), sum(state='COMPLETED'), sum(state='FAILED'), coalesce(sum(cost),0) FROM jobs GROUP BY mode"
    measure "sqlite3 GROUP BY" "$TMP/refreport" sqlite3 -csv "$TMP/store.sqlite3" "$QUERY"
    REF_SECONDS=$SECONDS_TAKEN
    REF_KB=$PEAK_KB
    measure "upscale-batch report" "$TMP/report" "$BIN" report --by mode --format csv --db "$TMP/store.sqlite3"
    printf '%-34s %8s %12s\n' "report --by mode" "seconds" "peak RSS"
    printf '%-34s %8s %12s\n' "sqlite3 GROUP BY (reference)" "$REF_SECONDS" "$(mb "$REF_KB")"
    printf '%-34s %8s %12s\n' "upscale-batch report" "$SECONDS_TAKEN" "$(mb "$PEAK_KB")"
    echo "ratio report/sqlite3: $(ratio "$SECONDS_TAKEN" "$REF_SECONDS")"
    echo "sqlite3: $(tr '\n' ' ' < "$TMP/refreport.stdout")"
    echo "report:  $(tr '\n' ' ' < "$TMP/report.stdout")"
else
    echo "report --by mode: skipped (\`upscale-batch report\` is not built yet or failed)"
fi
