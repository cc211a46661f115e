#!/usr/bin/env bash
# Benchmarks `upscale-batch import` against sqlite3's own `.import` of the same CSV, and
# `report` (every grouping, a day range) against sqlite3's plain GROUP BY mode on that table.
#
#   scripts/bench-import.sh            # 1,000,000 rows
#   ROWS=200000 scripts/bench-import.sh
#   SCRATCH_PATH=/tmp/ub-release scripts/bench-import.sh   # build outside .build (no lock held)
#   BASELINE_REV=1690d26 scripts/bench-import.sh           # also: what the report's totals cost an import
#
# Targets (issue 15): import within 1.3x of sqlite3's .import into a table with the same unique
# index, peak RSS <= 64 MB; report --by mode <= 1.0x and the rest <= 2.0x of the GROUP BY;
# the totals cost an import <= 10%. Builds the release binary when it is missing or older than the
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
echo "ratio import/sqlite3: $(ratio "$OURS_SECONDS" "$REF_SECONDS") (target <= 1.3); floor/sqlite3: $(ratio "$FLOOR_SECONDS" "$REF_SECONDS"); peak RSS $(mb "$OURS_KB") (target <= 64 MB)"

# 5. The cost report (issue 15, point 4) against sqlite3's plain GROUP BY on the reference
#    table of step 1 (the `.import` table with only the unique index): `--by mode` at most
#    as long (target <= 1.0), every other grouping and a day range at most twice (<= 2.0).
echo
REPORT_REF_QUERY="SELECT mode, count(*) FROM jobs GROUP BY mode"
measure "sqlite3 GROUP BY mode" "$TMP/refreport" sqlite3 -csv "$TMP/ref.sqlite3" "$REPORT_REF_QUERY"
REPORT_REF=$SECONDS_TAKEN
printf '%-44s %8s %8s %8s\n' "report over $ROWS jobs" "seconds" "ratio" "target"
printf '%-44s %8s\n' "sqlite3 \"$REPORT_REF_QUERY\" (reference)" "$REPORT_REF"
for options in "--by mode" "--by state" "--by day" "--by batch" "--by mode --since 2026-11-01 --until 2026-11-30"; do
    # shellcheck disable=SC2086 # the options are words
    measure "report $options" "$TMP/report" "$BIN" report $options --format csv --db "$TMP/store.sqlite3"
    [ "$options" = "--by mode" ] && cp "$TMP/report.stdout" "$TMP/by-mode.stdout"
    target=2.0
    [ "$options" = "--by mode" ] && target=1.0
    printf '%-44s %8s %8s %8s\n' "upscale-batch report $options" "$SECONDS_TAKEN" "$(ratio "$SECONDS_TAKEN" "$REPORT_REF")" "<= $target"
done
echo "sqlite3: $(tr '\n' ' ' < "$TMP/refreport.stdout")"
echo "report:  $(tr '\n' ' ' < "$TMP/by-mode.stdout")"

# 6. What keeping the report's totals costs an import (target: <= 1.10): the same import by
#    a build of BASELINE_REV (a commit before the totals, e.g. 1690d26), in the same run.
#    BASELINE_BIN=PATH names such a build's binary instead.
if [ -n "${BASELINE_BIN:-}" ]; then
    BASE_BIN=$BASELINE_BIN
    BASELINE_REV=$(basename "$BASELINE_BIN")
elif [ -n "${BASELINE_REV:-}" ]; then
    BASE_DIR=${BASELINE_DIR:-/tmp/upscale-batch-baseline-$BASELINE_REV}
    BASE_BIN=$BASE_DIR/build/release/upscale-batch
    if [ ! -x "$BASE_BIN" ]; then
        echo "building $BASELINE_REV for the baseline import..." >&2
        rm -rf "$BASE_DIR/src"
        mkdir -p "$BASE_DIR"
        git worktree add --detach "$BASE_DIR/src" "$BASELINE_REV" >&2
        (cd "$BASE_DIR/src" && swift build -c release --product upscale-batch --scratch-path "$BASE_DIR/build" >&2)
        git worktree remove --force "$BASE_DIR/src"
    fi
fi
if [ -n "${BASE_BIN:-}" ]; then
    # Twice each, in the order A B B A, each into a fresh store: drift hits both alike.
    BASE_TIMES=() OURS_TIMES=()
    for which in base ours ours base; do
        rm -f "$TMP"/again-*.sqlite3*
        if [ "$which" = base ]; then
            measure "baseline import" "$TMP/base" "$BASE_BIN" import "$TMP/jobs.csv" --db "$TMP/again-base.sqlite3"
            BASE_TIMES+=("$SECONDS_TAKEN")
        else
            measure "upscale-batch import" "$TMP/ours2" "$BIN" import "$TMP/jobs.csv" --db "$TMP/again-ours.sqlite3"
            OURS_TIMES+=("$SECONDS_TAKEN")
        fi
    done
    echo
    echo "import of $ROWS rows, $BASELINE_REV (no totals) vs this build, in the order A B B A: ${BASE_TIMES[*]} s vs ${OURS_TIMES[*]} s"
    BASE_SUM=$(echo "${BASE_TIMES[*]}" | awk '{ print $1 + $2 }')
    OURS_SUM=$(echo "${OURS_TIMES[*]}" | awk '{ print $1 + $2 }')
    echo "ratio import with totals / without: $(ratio "$OURS_SUM" "$BASE_SUM") (target <= 1.10)"
else
    echo
    echo "import with totals / without: skipped (set BASELINE_REV to a commit before them, e.g. BASELINE_REV=1690d26)"
fi
