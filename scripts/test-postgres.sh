#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory owned by an
# unprivileged user, a free port on 127.0.0.1, trust authentication on loopback only.
#
#   scripts/test-postgres.sh start     # prints the URL to export as UPSCALE_TEST_POSTGRES
#   scripts/test-postgres.sh stop      # stops the cluster and removes its directory
#   scripts/test-postgres.sh restart [MODE]  # pg_ctl restart -m MODE (default immediate: a crash), same port
#   scripts/test-postgres.sh url       # the URL of the running cluster
#   scripts/test-postgres.sh down      # pg_ctl stop -m immediate, keeping the cluster (an outage)
#   scripts/test-postgres.sh up        # starts the stopped cluster again, same port
#
# The cluster's directory is kept in $UPSCALE_TEST_POSTGRES_DIR (default
# ${TMPDIR:-/tmp}/upscale-batch-test-postgres). Needs Debian's `postgresql` package (server
# binaries under /usr/lib/postgresql/VERSION/bin); initdb refuses root, so as root it runs the
# server as the `postgres` user (which the package creates). fsync is off: the data is thrown away.
set -euo pipefail

dir=${UPSCALE_TEST_POSTGRES_DIR:-${TMPDIR:-/tmp}/upscale-batch-test-postgres}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries: apt-get install -y postgresql" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url() {
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
}

running() {
  [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

case "${1:-start}" in
  start)
    if running; then url; exit 0; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || { echo "no 'postgres' user to run the server as (apt-get install -y postgresql makes it)" >&2; exit 2; }
      chown postgres: "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 2; }
    port=$(free_port)
    echo "$port" >"$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 2; }
    url
    ;;
  restart)
    running || { echo "no test cluster is running in $dir" >&2; exit 2; }
    mode=${2:-immediate}
    case "$mode" in smart | fast | immediate) ;; *) echo "restart mode: smart, fast or immediate, not $mode" >&2; exit 2 ;; esac
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m "$mode" restart >/dev/null
    url
    ;;
  down)
    running || { echo "no test cluster is running in $dir" >&2; exit 2; }
    mode=${2:-immediate}
    case "$mode" in smart | fast | immediate) ;; *) echo "down mode: smart, fast or immediate, not $mode" >&2; exit 2 ;; esac
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -m "$mode" stop >/dev/null
    ;;
  up)
    [ -f "$dir/port" ] || { echo "no test cluster in $dir" >&2; exit 2; }
    running && { url; exit 0; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 2; }
    url
    ;;
  url)
    running || { echo "no test cluster is running in $dir" >&2; exit 2; }
    url
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,16p' "$0"; exit 64;;
esac
