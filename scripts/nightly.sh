#!/usr/bin/env bash
# nightly.sh: one unattended night of upscale-batch, meant for cron (see crontab.example).
#
#   1. takes the nightly lock (a second copy exits 75: "another nightly run is in progress")
#   2. backs up the job store (`upscale-batch backup`: SQLite's online backup, checked;
#      skipped while no store exists yet)
#   3. imports every *.csv in the drop folder that has not changed for NIGHTLY_SETTLE_SECONDS,
#      moving each imported file to the imported folder; a file import rejects (exit 2) stays
#      where it is, with the reason in the log. The counts come from `import --format json`;
#      rows it rejected are listed in the log and counted in cron's mail
#   4. runs `upscale-batch run --max-wait NIGHTLY_MAX_WAIT` (poll-only unless told otherwise)
#   5. writes the night's cost report into the reports folder (named by UTC date), each file
#      by `report --out` (atomic):
#        DAY.csv           tonight's jobs by mode (report --since DAY --until DAY --by mode)
#        DAY-batches.csv   every job by batch, all time (report --by batch)
#        DAY.html          a page for people: the last NIGHTLY_PAGE_DAYS days by mode, with a
#                          chart of cost per day (report --format html)
#        DAY.txt           tonight's and all batches', as readable tables
#   6. removes logs, reports and backups older than NIGHTLY_RETENTION_DAYS
#   7. exits with `run`'s exit code (0 done, 1 some FAILED, 2 configuration, 3 key refused,
#      75 stopped early / try again later); see docs for the full list.
#
# Everything goes to a log file with UTC timestamps (LOGS/nightly-YYYY-MM-DD.log). The script
# writes to its own standard error (which cron mails) only when something needs a person:
# a non-zero exit, a CSV file that was refused, or CSV rows that were rejected (with their
# count and the log that lists them).
#
# Works from cron's bare environment: no TTY, PATH=/usr/bin:/bin, no HOME, any working
# directory. Every path below is resolved relative to NIGHTLY_HOME.
#
# Settings (environment variables; defaults in brackets):
#   NIGHTLY_HOME            base directory [the directory above this script's scripts/ folder;
#                           required for an installed copy (PREFIX/share/upscale-batch/scripts)]
#   NIGHTLY_BINARY          the upscale-batch executable [upscale-batch on PATH, else the one
#                           installed beside this script (PREFIX/bin), else
#                           NIGHTLY_HOME/.build/release/upscale-batch, else .build/debug/...]
#   UPSCALE_DB              the job store: a path, or a postgres:// URL (then no backup: that
#                           is the database's business) [NIGHTLY_HOME/upscale-batch.sqlite3]
#   NIGHTLY_INCOMING        the drop folder [NIGHTLY_HOME/jobs/incoming]
#   NIGHTLY_IMPORTED        where imported CSV files are moved [NIGHTLY_HOME/jobs/imported]
#   NIGHTLY_REPORTS         cost reports [NIGHTLY_HOME/reports]
#   NIGHTLY_LOGS            log files [NIGHTLY_HOME/logs]
#   NIGHTLY_BACKUPS         job store backups [NIGHTLY_HOME/backups]
#   NIGHTLY_LOCK            the lock file [NIGHTLY_HOME/nightly.lock]
#   NIGHTLY_SETTLE_SECONDS  a CSV must be unchanged this long to be imported [60]
#   NIGHTLY_IMPORT_ARGS     extra `import` flags, e.g. "--mode professional" [], split on
#                           whitespace (no quotes, no globbing): see NIGHTLY_IMPORT_ARGS_FILE
#   NIGHTLY_IMPORT_ARGS_FILE  a file of extra `import` arguments, one argument per line, taken
#                           as written (spaces kept; blank lines and lines starting with # are
#                           skipped), after NIGHTLY_IMPORT_ARGS: for an argument with spaces []
#   NIGHTLY_MAX_WAIT        `run --max-wait` [6h]
#   NIGHTLY_WEBHOOK         the webhook choice [--poll-only; empty when NIGHTLY_RUN_ARGS names
#                           --listen, --webhook-url or --poll-only, or ENHANCOR_WEBHOOK_URL is set]
#   NIGHTLY_RUN_ARGS        extra `run` flags, e.g. "--listen 127.0.0.1:8080 --concurrency 16" [],
#                           split on whitespace (no quotes, no globbing): see NIGHTLY_RUN_ARGS_FILE
#   NIGHTLY_RUN_ARGS_FILE   a file of extra `run` arguments, one per line as for
#                           NIGHTLY_IMPORT_ARGS_FILE (e.g. a line `--batch` then `night one`) []
#   NIGHTLY_PROGRESS_EVERY  a progress line in the log this often [15m]
#   NIGHTLY_RESULTS         where `run --download` keeps each completed job's image (result URLs
#                           expire); empty to keep none [NIGHTLY_HOME/results; never pruned]
#   NIGHTLY_PAGE_DAYS       the days the night's HTML page covers, tonight included [30]
#   NIGHTLY_RETENTION_DAYS  remove logs, reports and backups older than this [30]
#   NIGHTLY_BACKUP_KEEP     keep at most this many backups (the newest one is always kept) [7]
# The API key comes as for every command: ENHANCOR_API_KEY_FILE (a file only its owner can
# read; recommended) or ENHANCOR_API_KEY. This script never reads or prints it.
# Needs: bash 4.3+, flock (util-linux), GNU coreutils/findutils. Paths may hold any character
# (spaces, quotes): nothing here is evaluated.
set -euo pipefail
umask 077 # backups and reports hold job data: owner only

export TZ=UTC LC_ALL=C

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

if [ -z "${NIGHTLY_HOME:-}" ]; then
  case $script_dir in
    */share/upscale-batch/scripts) # an installed copy: its parent is no place for data
      echo "nightly: set NIGHTLY_HOME to the directory for the job store, logs and reports (e.g. /var/lib/upscale-batch): see crontab.example" >&2
      exit 2
      ;;
  esac
fi
NIGHTLY_HOME=${NIGHTLY_HOME:-$(cd "$script_dir/.." && pwd -P)}
if ! cd "$NIGHTLY_HOME" 2>/dev/null; then
  echo "nightly: NIGHTLY_HOME=$NIGHTLY_HOME is not a directory" >&2
  exit 2
fi
NIGHTLY_HOME=$(pwd -P)

# An absolute path for a setting: relative ones are taken from NIGHTLY_HOME.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$NIGHTLY_HOME/$1" ;; esac; }

INCOMING=$(absolute "${NIGHTLY_INCOMING:-jobs/incoming}")
IMPORTED=$(absolute "${NIGHTLY_IMPORTED:-jobs/imported}")
REPORTS=$(absolute "${NIGHTLY_REPORTS:-reports}")
LOGS=$(absolute "${NIGHTLY_LOGS:-logs}")
BACKUPS=$(absolute "${NIGHTLY_BACKUPS:-backups}")
RESULTS=${NIGHTLY_RESULTS-results}
download_args=()
if [ -n "$RESULTS" ]; then download_args=(--download "$(absolute "$RESULTS")"); fi
LOCK=$(absolute "${NIGHTLY_LOCK:-nightly.lock}")
SETTLE_SECONDS=${NIGHTLY_SETTLE_SECONDS:-60}
MAX_WAIT=${NIGHTLY_MAX_WAIT:-6h}
PROGRESS_EVERY=${NIGHTLY_PROGRESS_EVERY:-15m}
RETENTION_DAYS=${NIGHTLY_RETENTION_DAYS:-30}
BACKUP_KEEP=${NIGHTLY_BACKUP_KEEP:-7}
PAGE_DAYS=${NIGHTLY_PAGE_DAYS:-30}
# A PostgreSQL URL is the store as it is (no path to resolve, no file to back up); it is shown
# without its password (a URL in UPSCALE_DB may hold one).
case ${UPSCALE_DB:-} in
  postgres://* | postgresql://*)
    STORE_IS_URL=1
    STORE_SHOWN=$(printf '%s\n' "$UPSCALE_DB" | sed -E 's#^(postgres(ql)?://[^:/@?]*):[^@/?]*@#\1@#; s#([?&])password=[^&]*&?#\1#')
    ;;
  *)
    STORE_IS_URL=
    UPSCALE_DB=$(absolute "${UPSCALE_DB:-upscale-batch.sqlite3}")
    STORE_SHOWN=$UPSCALE_DB
    ;;
esac
export UPSCALE_DB

for setting in SETTLE_SECONDS RETENTION_DAYS BACKUP_KEEP PAGE_DAYS; do
  if ! [[ ${!setting} =~ ^[0-9]+$ ]]; then
    echo "nightly: NIGHTLY_$setting must be a whole number, not '${!setting}'" >&2
    exit 2
  fi
done
if [ "$BACKUP_KEEP" -lt 1 ]; then BACKUP_KEEP=1; fi
if [ "$RETENTION_DAYS" -lt 1 ]; then RETENTION_DAYS=1; fi
if [ "$PAGE_DAYS" -lt 1 ]; then PAGE_DAYS=1; fi

# Extra arguments: the variable split on whitespace, then the file's lines as they are.
# read_args_file NAME FILE: appends FILE's lines to the array NAME.
read_args_file() {
  local -n into=$1
  local file=$2 line
  [ -n "$file" ] || return 0
  file=$(absolute "$file")
  if [ ! -r "$file" ] || [ -d "$file" ]; then
    echo "nightly: cannot read the arguments file $file" >&2
    exit 2
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case $line in '' | '#'*) continue ;; esac
    into+=("$line")
  done <"$file"
}
read -r -a run_args <<<"${NIGHTLY_RUN_ARGS:-}"
read_args_file run_args "${NIGHTLY_RUN_ARGS_FILE:-}"
read -r -a import_args <<<"${NIGHTLY_IMPORT_ARGS:-}"
read_args_file import_args "${NIGHTLY_IMPORT_ARGS_FILE:-}"
if [ -z "${NIGHTLY_WEBHOOK+set}" ]; then
  NIGHTLY_WEBHOOK=--poll-only
  for arg in "${run_args[@]}"; do
    case $arg in --listen | --listen=* | --webhook-url | --webhook-url=* | --poll-only) NIGHTLY_WEBHOOK= ;; esac
  done
  if [ -n "${ENHANCOR_WEBHOOK_URL:-}" ]; then NIGHTLY_WEBHOOK=; fi
fi
read -r -a webhook_args <<<"$NIGHTLY_WEBHOOK"

# The binary: an explicit setting, then PATH, then beside an installed copy of this script
# (PREFIX/share/upscale-batch/scripts -> PREFIX/bin), then the package's own builds.
installed=
case $script_dir in */share/upscale-batch/scripts) installed="${script_dir%/share/upscale-batch/scripts}/bin/upscale-batch" ;; esac
if [ -n "${NIGHTLY_BINARY:-}" ]; then
  case $NIGHTLY_BINARY in
    */*) BINARY=$(absolute "$NIGHTLY_BINARY") ;;
    *) BINARY=$(command -v "$NIGHTLY_BINARY" || true) ;; # a bare name: looked up on PATH
  esac
else
  BINARY=
  for candidate in "$(command -v upscale-batch || true)" \
    "$installed" \
    "$NIGHTLY_HOME/.build/release/upscale-batch" \
    "$NIGHTLY_HOME/.build/debug/upscale-batch"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      BINARY=$candidate
      break
    fi
  done
fi
if [ -z "$BINARY" ] || [ ! -x "$BINARY" ]; then
  echo "nightly: no upscale-batch executable found${NIGHTLY_BINARY:+ as NIGHTLY_BINARY=$NIGHTLY_BINARY}: set NIGHTLY_BINARY, or install it (scripts/install.sh)" >&2
  exit 2
fi

if ! command -v flock >/dev/null; then
  echo "nightly: flock is not installed (PATH=$PATH): apt-get install util-linux" >&2
  exit 2
fi

# --- the lock: one nightly run at a time. flock dies with the process holding it, so a run
# killed with SIGKILL never blocks the next night.
mkdir -p "$(dirname "$LOCK")"
exec 9>>"$LOCK"
if ! flock -n 9; then
  message="nightly: another nightly run is in progress (lock $LOCK held); exiting 75, try again later"
  echo "$message" >&2
  if [ -d "$LOGS" ]; then echo "$(date -u +%FT%TZ) (pid $$) $message" >>"$LOGS/nightly-$(date -u +%F).log" || true; fi
  exit 75
fi

# --- the log: every line of this script and of the commands it runs, with a UTC timestamp.
DAY=$(date -u +%F)
(umask 022 && mkdir -p "$INCOMING" "$IMPORTED") # others may drop files here
mkdir -p "$LOGS" "$REPORTS" "$BACKUPS"
LOG_FILE="$LOGS/nightly-$DAY.log"

stamp() {
  local line now
  while IFS= read -r line || [ -n "$line" ]; do
    printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
    printf '%s %s\n' "$now" "$line"
  done
}

exec 3>&2 # the caller's standard error: what cron mails
if [ -t 1 ]; then
  exec > >(exec 9>&-; stamp | tee -a "$LOG_FILE") 2>&1
else
  exec > >(exec 9>&- 3>&-; stamp >>"$LOG_FILE") 2>&1
fi
logger_pid=$!

warnings=()
log() { printf '%s\n' "$*"; }
warn() {
  printf 'WARNING: %s\n' "$*"
  warnings+=("$*")
}

# Every way out (finish, a failing command under set -e, a signal): flush the log, tell
# cron's mail what needs a person, keep the exit code.
on_exit() {
  local code=$1
  trap - EXIT
  if [ "$finished" -eq 0 ] && [ "$code" -ne 75 ]; then
    log "nightly: stopped unexpectedly (exit $code): see the lines above"
    [ "$code" -ne 0 ] || code=2
  fi
  log "nightly: done, exit $code"
  exec 1>&- 2>&-
  wait "$logger_pid" 2>/dev/null || true
  if [ "$code" -ne 0 ] || [ "${#warnings[@]}" -gt 0 ]; then
    {
      echo "upscale-batch nightly: exit $code; log: $LOG_FILE"
      for warning in "${warnings[@]}"; do echo "  $warning"; done
      if [ "$code" -ne 0 ]; then
        echo "--- last lines of the log:"
        tail -n 20 "$LOG_FILE"
      fi
    } >&3
  fi
  exit "$code"
}
finished=0
finish() {
  finished=1
  exit "$1"
}
trap 'on_exit $?' EXIT

# SIGTERM / SIGINT (cron's shutdown, a person's kill): stop at the next safe point, passing the
# signal on to the run when it is running.
run_pid=
stop_requested=
on_signal() {
  log "nightly: $1, stopping${run_pid:+ the run}"
  stop_requested=$1
  if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null || true; fi
}
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT

log "nightly: started (pid $$): home $NIGHTLY_HOME, store $STORE_SHOWN, binary $BINARY"

# --- 1. backup
backup_store() {
  if [ -n "$STORE_IS_URL" ]; then
    log "backup: $STORE_SHOWN is a PostgreSQL database: its backups are the database's own business (pg_dump, base backups), none made here"
    return 0
  fi
  if [ ! -f "$UPSCALE_DB" ]; then
    log "backup: no job store yet at $UPSCALE_DB, nothing to back up"
    return 0
  fi
  local name target
  name=$(basename "$UPSCALE_DB")
  name=${name%.sqlite3}
  local stamp n=1
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  target="$BACKUPS/$name-$stamp.sqlite3"
  # Two nights may start within one second (a hand-run after a killed one): never collide.
  while [ -e "$target" ]; do
    n=$((n + 1))
    target="$BACKUPS/$name-$stamp-$n.sqlite3"
  done
  # SQLite's online backup: a consistent snapshot even while another process writes to the
  # store, made one self-contained file and checked before it appears at its name.
  local output code=0
  output=$("$BINARY" backup --db "$UPSCALE_DB" "$target" 2>&1) || code=$?
  [ -z "$output" ] || printf '%s\n' "$output" | sed 's/^/backup: /'
  if [ "$code" -ne 0 ]; then
    log "backup: FAILED to back up $UPSCALE_DB into $BACKUPS (exit $code); not running tonight"
    warnings+=("the job store backup failed")
    finish 2
  fi
}
backup_store

# A whole-number field of one flat JSON object (as `import --format json` and `report --format
# json` print them): json_number KEY JSON. Prints nothing when the field is missing.
json_number() {
  local pattern="\"$1\": *(-?[0-9]+)"
  if [[ $2 =~ $pattern ]]; then printf '%s\n' "${BASH_REMATCH[1]}"; fi
}

# --- 2. import the drop folder
import_settled() {
  local now file name mtime age json errors last code target imported skipped rejected
  now=$(date +%s)
  shopt -s nullglob nocaseglob
  local files=("$INCOMING"/*.csv)
  shopt -u nullglob nocaseglob
  if [ "${#files[@]}" -eq 0 ]; then
    log "import: nothing in $INCOMING"
    return 0
  fi
  for file in "${files[@]}"; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    mtime=$(stat -c %Y "$file")
    age=$((now - mtime))
    if [ "$age" -lt "$SETTLE_SECONDS" ]; then
      log "import: $name changed ${age}s ago (under NIGHTLY_SETTLE_SECONDS=$SETTLE_SECONDS): it waits for the next night"
      continue
    fi
    code=0
    # Standard output is the JSON summary; standard error the rejected rows and any error.
    errors=$(mktemp "$LOGS/.import-errors.XXXXXX")
    json=$("$BINARY" import --format json "$file" "${import_args[@]}" 2>"$errors") || code=$?
    [ ! -s "$errors" ] || sed 's/^/import: /' "$errors"
    last=$(tail -n 1 "$errors")
    rm -f -- "$errors"
    case $code in
      0)
        imported=$(json_number imported "$json")
        skipped=$(json_number skipped "$json")
        rejected=$(json_number rejected "$json")
        target="$IMPORTED/$name"
        if [ -e "$target" ]; then target="$IMPORTED/${name%.*}-$(date -u +%Y%m%dT%H%M%SZ).${name##*.}"; fi
        mv -- "$file" "$target"
        log "import: $name: imported ${imported:-?}, skipped ${skipped:-?} duplicates, rejected ${rejected:-?}; moved to $target"
        if [ -z "$rejected" ]; then
          warn "import of $name printed no readable summary ($json); see $LOG_FILE"
        elif [ "$rejected" -gt 0 ]; then
          warn "import of $name rejected $rejected row(s) (listed in $LOG_FILE); the other rows were imported"
        fi
        ;;
      2) warn "import refused $file: $last (exit 2); it stays in $INCOMING until fixed" ;;
      *) warn "import of $file failed: $last (exit $code); it stays in $INCOMING, tried again next night" ;;
    esac
  done
}
import_settled

if [ -n "$STORE_IS_URL" ]; then
  # No schema yet (nothing imported so far) is `status`'s "no job store at" (exit 2).
  if ! status_output=$("$BINARY" status 2>&1) && [[ $status_output == *"no job store at"* ]]; then
    log "run: no job store at $STORE_SHOWN yet (nothing imported so far): nothing to run"
    finish 0
  fi
elif [ ! -f "$UPSCALE_DB" ]; then
  log "run: no job store at $UPSCALE_DB yet (nothing imported so far): nothing to run"
  finish 0
fi

# --- 3. run. In the background so that SIGTERM / SIGINT sent to this script reach it: it stops
# cleanly (exit 75) and the next run resumes. (SIGINT is passed on as SIGTERM: a background job
# of a script ignores SIGINT.) A signal that came earlier, during the backup or the imports,
# skips the run.
run_code=0
if [ -n "$stop_requested" ]; then
  log "run: not started: $stop_requested received"
  finish 75
fi
log "run: $BINARY run --max-wait $MAX_WAIT --progress-every $PROGRESS_EVERY ${download_args[*]} ${webhook_args[*]} ${run_args[*]}"
"$BINARY" run --max-wait "$MAX_WAIT" --progress-every "$PROGRESS_EVERY" "${download_args[@]}" "${webhook_args[@]}" "${run_args[@]}" </dev/null &
run_pid=$!
if [ -n "$stop_requested" ]; then kill -TERM "$run_pid" 2>/dev/null || true; fi
while :; do
  wait "$run_pid" && run_code=0 || run_code=$?
  # A trapped signal interrupts `wait` (status > 128) while the run goes on: wait again.
  kill -0 "$run_pid" 2>/dev/null || break
done
if [ "$run_code" -gt 128 ]; then # the run may have ended right after an interrupted wait
  again=0
  wait "$run_pid" 2>/dev/null || again=$?
  if [ "$again" -ne 127 ]; then run_code=$again; fi
fi
run_pid=
log "run: exit $run_code"

# --- 4. reports: the night's (jobs submitted today, UTC), all batches of all time, and the
# page for people. Each file is written by `report --out`: atomically, so a reader (a mail
# job, a web server) never sees half of one.
write_reports() {
  local until first span json code=0 tmp
  until=$(date -u +%F) # a run that went past midnight: its jobs belong to both days
  first=$(date -u -d "$DAY -$((PAGE_DAYS - 1)) days" +%F)
  tmp=$(mktemp "$REPORTS/.$DAY.txt.XXXXXX")
  {
    "$BINARY" report --since "$DAY" --until "$until" --by mode --format csv --out "$REPORTS/$DAY.csv" &&
      "$BINARY" report --by batch --format csv --out "$REPORTS/$DAY-batches.csv" &&
      "$BINARY" report --since "$first" --until "$until" --by mode --format html --out "$REPORTS/$DAY.html" &&
      json=$("$BINARY" report --since "$DAY" --until "$until" --by mode --format json) &&
      {
        if [ "$until" = "$DAY" ]; then span=$DAY; else span="$DAY to $until"; fi
        echo "upscale-batch cost report: jobs submitted on $span (UTC), by mode"
        echo
        "$BINARY" report --since "$DAY" --until "$until" --by mode --format table
        echo
        echo "all jobs ever, by batch"
        echo
        "$BINARY" report --by batch --format table
        echo
        echo "night's run exit code: $run_code"
      } >"$tmp" &&
      mv -f -- "$tmp" "$REPORTS/$DAY.txt"
  } || code=$?
  rm -f -- "$tmp"
  if [ "$code" -ne 0 ]; then
    warn "the cost report could not be written (report exit $code)"
    return 0
  fi
  log "report: $REPORTS/$DAY.csv, $REPORTS/$DAY-batches.csv, $REPORTS/$DAY.html ($first to $until), $REPORTS/$DAY.txt"
  log "report: tonight's jobs $(json_number jobs "$json"), cost $(json_number total_cost "$json"), spent $(json_number completed_cost "$json"), quoted on failed $(json_number failed_cost "$json") (credits)"
}
write_reports

# --- 5. retention
prune() {
  local minutes=$((RETENTION_DAYS * 24 * 60)) removed
  removed=$(
    find "$LOGS" -maxdepth 1 -type f -name 'nightly-*.log' -mmin "+$minutes" -print -delete
    find "$REPORTS" -maxdepth 1 -type f \( -name '*.csv' -o -name '*.txt' -o -name '*.html' \) -mmin "+$minutes" -print -delete
    find "$REPORTS" -maxdepth 1 -type d -name '.tmp.*' -mmin +1440 -print -exec rm -rf {} +
    find "$REPORTS" "$LOGS" -maxdepth 1 -type f \( -name '.*.txt.*' -o -name '.import-errors.*' \) -mmin +1440 -print -delete
  )
  # Backups: at most BACKUP_KEEP, none older than the retention; the newest always stays.
  local backups=() index=0 file
  mapfile -t backups < <(find "$BACKUPS" -maxdepth 1 -type f -name '*.sqlite3' -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2-)
  for file in "${backups[@]}"; do
    index=$((index + 1))
    if [ "$index" -eq 1 ]; then continue; fi
    if [ "$index" -gt "$BACKUP_KEEP" ] || [ -n "$(find "$file" -mmin "+$minutes")" ]; then
      rm -f -- "$file"
      removed+=$'\n'"$file"
    fi
  done
  if [ -n "${removed//$'\n'/}" ]; then
    printf '%s\n' "$removed" | sed '/^$/d; s/^/retention: removed /'
  else
    log "retention: nothing older than $RETENTION_DAYS days"
  fi
}
prune

finish "$run_code"
