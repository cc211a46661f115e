# Shared by the benchmark scripts (sourced, not run): GNU time detection, the CSV of the import
# benchmarks, `measure`, `ratio`, `mb`, and `start_bench_cluster`.

if [ -x /usr/bin/time ]; then
    GNU_TIME=/usr/bin/time
else
    GNU_TIME=""
    echo "note: /usr/bin/time missing (apt-get install time): no peak RSS figures" >&2
fi

# write_jobs_csv ROWS FILE: realistic URLs of about 70 bytes, a third of them professional.
write_jobs_csv() {
    awk -v n="$1" 'BEGIN {
        print "url,mode"
        for (i = 0; i < n; i++)
            printf "https://img.example.com/portraits/2026/11/%07d-%08x.jpg,%s\n", i, (i * 2654435761) % 4294967296, (i % 3 ? "fast" : "professional")
    }' > "$2"
}

# measure LABEL OUTFILE COMMAND...: runs COMMAND; sets SECONDS_TAKEN and PEAK_KB (0 without GNU time).
# Dirty pages are flushed first (`sync`, not timed): otherwise the kernel writes back the last
# command's hundreds of MB during this one, and whatever runs second pays for what ran first
# (measured: an import 12-16% slower for it).
measure() {
    local label=$1 out=$2
    shift 2
    sync
    if [ -n "$GNU_TIME" ]; then
        "$GNU_TIME" -f "%e %M" -o "$out.time" "$@" > "$out.stdout" 2> "$out.stderr" || {
            echo "$label failed:" >&2; cat "$out.stderr" >&2; return 1; }
    else
        local start end
        start=$(date +%s.%N)
        "$@" > "$out.stdout" 2> "$out.stderr" || { echo "$label failed:" >&2; cat "$out.stderr" >&2; return 1; }
        end=$(date +%s.%N)
        echo "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }') 0" > "$out.time"
    fi
    read -r SECONDS_TAKEN PEAK_KB < "$out.time"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# start_bench_cluster: a throwaway PostgreSQL cluster in a new temporary directory ($TMP),
# stopped and removed when the script exits; sets TMP and SERVER_URL.
start_bench_cluster() {
    TMP=$(mktemp -d)
    chmod 755 "$TMP"
    export UPSCALE_TEST_POSTGRES_DIR=$TMP/cluster
    trap 'scripts/test-postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
    SERVER_URL=$(scripts/test-postgres.sh start)
}
