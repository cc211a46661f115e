#!/usr/bin/env bash
# Benchmarks the PostgreSQL store on a throwaway cluster of its own (scripts/test-postgres.sh,
# its own UPSCALE_TEST_POSTGRES_DIR, stopped at the end), with the release build, and prints in
# one run:
#   1. `upscale-batch import` of ROWS rows (the CSV of scripts/bench-import.sh) into a fresh
#      store, beside psql's `\copy` of the same file into a table with the same unique index
#      (target <= 1.5x), and the floor of our design measured with psql alone: COPY of the rows
#      with their place in the file into a temporary staging table, plus the one INSERT ...
#      SELECT move that leaves out the store's duplicates and numbers the ids from those places.
#   2. `report --by mode` on that store beside psql running the same GROUP BY (target <= 1.5x).
#   3. a whole `run` of JOBS jobs at 64 in flight on PostgreSQL beside the same on SQLite, each
#      at the product's own settings (printed): target >= 0.9 of SQLite's requests/s.
# Each figure is a ratio against its peer measured in the same round; ROUNDS=3 repeats the
# rounds and prints each ratio's range (the machine's noise).
#
#   scripts/bench-postgres.sh                       # 1 round (about 3 minutes on 2 cores)
#   ROUNDS=3 scripts/bench-postgres.sh              # the README's figures
#   ROWS=200000 JOBS=5000 scripts/bench-postgres.sh # quicker
#   SCRATCH_PATH=/tmp/ub-release scripts/bench-postgres.sh
#
# Needs Debian's postgresql package (server and psql) and GNU time (/usr/bin/time) for peak RSS.
# The cluster runs with fsync off (scripts/test-postgres.sh): the figures compare our work with
# PostgreSQL's own on the same server, not the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
JOBS=${JOBS:-20000}
ROUNDS=${ROUNDS:-1}
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}

command -v psql >/dev/null || { echo "psql is required: apt-get install -y postgresql" >&2; exit 2; }
BIN=$SCRATCH_PATH/release/upscale-batch
BENCH=$SCRATCH_PATH/release/upscale-bench
# Built when missing or older than the sources (as scripts/bench-import.sh does).
for product in upscale-batch upscale-bench; do
    if [ ! -x "$SCRATCH_PATH/release/$product" ] || [ -n "$(find Sources Package.swift -newer "$SCRATCH_PATH/release/$product" -print -quit)" ]; then
        swift build -c release --scratch-path "$SCRATCH_PATH" --product "$product" >&2
    fi
done
. scripts/bench-lib.sh

start_bench_cluster
POSTMASTER=$(head -n 1 "$UPSCALE_TEST_POSTGRES_DIR/data/postmaster.pid")
# database NAME: the URL of a fresh database NAME on the cluster.
database() {
    psql -X -q -d "$SERVER_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
    echo "$SERVER_URL" | sed "s#/postgres?#/$1?#"
}
server_cpu() { awk '{ split($0, a, ") "); split(a[2], f, " "); printf "%.2f", (f[12] + f[13] + f[14] + f[15]) / 100 }' "/proc/$POSTMASTER/stat"; }

write_jobs_csv "$ROWS" "$TMP/jobs.csv"
chmod 644 "$TMP/jobs.csv"
echo "input: $ROWS rows, $(du -h "$TMP/jobs.csv" | cut -f1); PostgreSQL $(psql -X -A -t -d "$SERVER_URL" -c 'SHOW server_version'), cluster in $UPSCALE_TEST_POSTGRES_DIR (fsync off)"

# measure_on_server LABEL OUTFILE COMMAND...: `measure`, and SERVER_SECONDS, the server's CPU
# over it (the postmaster's own and its exited backends').
measure_on_server() {
    local before
    before=$(server_cpu)
    measure "$@"
    sleep 0.3
    SERVER_SECONDS=$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN { printf "%.1f", b - a }')
}
row() { printf '%-44s %8s %12s %10s\n' "$@"; }
RATIOS=$TMP/ratios
: > "$RATIOS"

for round in $(seq 1 "$ROUNDS"); do
    echo
    echo "== round $round of $ROUNDS"

    # 1a. psql's \copy into (url, mode) with the same unique index: the reference.
    REF_DB=$(database bench_ref)
    psql -X -q -d "$REF_DB" -c "CREATE TABLE ref (url text, mode text, UNIQUE (url, mode))"
    measure_on_server "psql \\copy" "$TMP/ref" psql -X -q -d "$REF_DB" -c "\\copy ref FROM '$TMP/jobs.csv' WITH (FORMAT csv, HEADER true)"
    REF=$SECONDS_TAKEN REF_SERVER=$SERVER_SECONDS

    # 1b. upscale-batch import into a fresh store; then the same file again (every row a duplicate).
    STORE_DB=$(database bench_store)
    measure_on_server "upscale-batch import" "$TMP/ours" "$BIN" import "$TMP/jobs.csv" --db "$STORE_DB"
    OURS=$SECONDS_TAKEN OURS_KB=$PEAK_KB OURS_SERVER=$SERVER_SECONDS
    echo "upscale-batch: $(cat "$TMP/ours.stdout")"
    measure_on_server "upscale-batch re-import" "$TMP/again" "$BIN" import "$TMP/jobs.csv" --db "$STORE_DB"
    AGAIN=$SECONDS_TAKEN AGAIN_SERVER=$SERVER_SECONDS
    echo "re-import:     $(cat "$TMP/again.stdout")"

    # 1c. The floor of the design, psql alone: a fresh store's jobs table filled as the import
    #     fills it (COPY of each row with its place in the file into a temporary staging table,
    #     then the one move: ids numbered from those places, the store's duplicates left out by
    #     an anti-join; PostgresJobStore+Import.swift). No CSV parsing of ours.
    printf 'url\n' > "$TMP/header.csv"
    [ -f "$TMP/jobs-ord.csv" ] || awk -F, 'NR > 1 { print NR - 1 "," $0 }' "$TMP/jobs.csv" > "$TMP/jobs-ord.csv"
    FLOOR_DB=$(database bench_floor)
    "$BIN" import "$TMP/header.csv" --db "$FLOOR_DB" > /dev/null
    cat > "$TMP/floor.sql" <<EOF
BEGIN;
INSERT INTO upscale_batch.batches (name, source_file, imported_at) VALUES ('floor', 'x', 'x');
CREATE TEMP TABLE import_staging (ord bigint NOT NULL, url text NOT NULL, mode text NOT NULL) ON COMMIT DROP;
\\copy import_staging (ord, url, mode) FROM '$TMP/jobs-ord.csv' WITH (FORMAT csv)
INSERT INTO upscale_batch.jobs (id, batch_id, url, mode, created_at, updated_at)
SELECT (SELECT coalesce(max(id), 0) FROM upscale_batch.jobs) + s.ord, currval('upscale_batch.batches_id_seq'), s.url, s.mode,
       '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z'
FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM upscale_batch.jobs j WHERE j.url = s.url AND j.mode = s.mode);
COMMIT;
EOF
    measure_on_server "psql floor" "$TMP/floor" psql -X -q -v ON_ERROR_STOP=1 -d "$FLOOR_DB" -f "$TMP/floor.sql"
    FLOOR=$SECONDS_TAKEN FLOOR_SERVER=$SERVER_SECONDS

    echo
    row "import of $ROWS rows" "seconds" "peak RSS" "server CPU"
    row "psql \\copy into (url, mode) UNIQUE (reference)" "$REF" "" "$REF_SERVER s"
    row "upscale-batch import" "$OURS" "$(mb "$OURS_KB")" "$OURS_SERVER s"
    row "upscale-batch re-import (all duplicates)" "$AGAIN" "" "$AGAIN_SERVER s"
    row "floor: psql COPY to staging + the move" "$FLOOR" "" "$FLOOR_SERVER s"
    echo "ratio import/\\copy: $(ratio "$OURS" "$REF") (target <= 1.5); floor/\\copy: $(ratio "$FLOOR" "$REF"); import/floor: $(ratio "$OURS" "$FLOOR")"
    echo "import $(ratio "$OURS" "$REF") floor $(ratio "$FLOOR" "$REF") ours_over_floor $(ratio "$OURS" "$FLOOR")" >> "$RATIOS"

    # 2. report --by mode beside psql running the same GROUP BY on the same store.
    QUERY="SELECT mode, count(*), count(*) FILTER (WHERE state = 'COMPLETED'), count(*) FILTER (WHERE state = 'FAILED'), coalesce(sum(cost), 0) FROM upscale_batch.jobs GROUP BY mode ORDER BY mode"
    measure_on_server "psql GROUP BY" "$TMP/refreport" psql -X -A -t -d "$STORE_DB" -c "$QUERY"
    REF=$SECONDS_TAKEN
    measure_on_server "upscale-batch report" "$TMP/report" "$BIN" report --by mode --format csv --db "$STORE_DB"
    echo
    row "report --by mode over $ROWS jobs" "seconds" "peak RSS" ""
    row "psql GROUP BY (reference)" "$REF" "" ""
    row "upscale-batch report --by mode" "$SECONDS_TAKEN" "$(mb "$PEAK_KB")" ""
    echo "ratio report/psql: $(ratio "$SECONDS_TAKEN" "$REF") (target <= 1.5)"
    echo "psql:   $(tr '\n' ' ' < "$TMP/refreport.stdout")"
    echo "report: $(tr '\n' ' ' < "$TMP/report.stdout")"
    echo "report $(ratio "$SECONDS_TAKEN" "$REF")" >> "$RATIOS"
    psql -X -q -d "$SERVER_URL" -c "DROP DATABASE bench_ref" -c "DROP DATABASE bench_store" -c "DROP DATABASE bench_floor"

    # 3. A whole run on each engine, at the product's own settings.
    echo
    "$BENCH" run --jobs "$JOBS" | tee "$TMP/run-sqlite"
    RUN_DB=$(database bench_run)
    "$BENCH" run --jobs "$JOBS" --db "$RUN_DB" --server-pid "$POSTMASTER" | tee "$TMP/run-postgres"
    SQLITE_RATE=$(sed -n 's/.*requests\/s: \([0-9.]*\) .*/\1/p' "$TMP/run-sqlite")
    PG_RATE=$(sed -n 's/.*requests\/s: \([0-9.]*\) .*/\1/p' "$TMP/run-postgres")
    echo "ratio run requests/s PostgreSQL/SQLite: $(ratio "$PG_RATE" "$SQLITE_RATE") (target >= 0.9)"
    echo "run $(ratio "$PG_RATE" "$SQLITE_RATE")" >> "$RATIOS"
    psql -X -q -d "$SERVER_URL" -c "DROP DATABASE bench_run"
done

echo
echo "== ranges over $ROUNDS round(s)"
range() { grep "^$1 " "$RATIOS" | awk -v k="$2" '{ v = $k; if (NR == 1 || v < lo) lo = v; if (NR == 1 || v > hi) hi = v } END { printf "%.2f-%.2f", lo, hi }'; }
echo "import / psql \\copy:        $(range import 2) (target <= 1.5)"
echo "floor / psql \\copy:         $(range import 4) (the design's own cost)"
echo "import / floor:             $(range import 6)"
echo "report --by mode / psql:    $(range report 2) (target <= 1.5)"
echo "run PostgreSQL / SQLite:    $(range run 2) (target >= 0.9)"
