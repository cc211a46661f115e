#!/usr/bin/env bash
# install.sh: builds a release upscale-batch that runs on a server without a Swift toolchain
# (the Swift runtime linked in statically) and installs it with the nightly kit.
#
#   scripts/install.sh                     # build, then install under /usr/local
#   PREFIX=/opt/upscale-batch scripts/install.sh
#   DESTDIR=/tmp/pkg PREFIX=/usr scripts/install.sh   # stage into a package root
#
# Installs:
#   PREFIX/bin/upscale-batch
#   PREFIX/share/upscale-batch/scripts/nightly.sh     (finds PREFIX/bin/upscale-batch itself)
#   PREFIX/share/upscale-batch/scripts/crontab.example
#   PREFIX/share/upscale-batch/jobs/README.md, sample.csv
#
# Settings: PREFIX [/usr/local], DESTDIR [], SCRATCH [.build-release: the build folder, kept
# apart from the debug builds in .build], SKIP_BUILD=1 (install what SCRATCH already holds),
# STRIP=0 (keep the debug symbols: about twice the size).
#
# The server needs, besides the binary: libsqlite3-0 (SQLite, linked dynamically),
# ca-certificates (the system trust store, for https), libstdc++6, zlib1g and libgcc-s1 (on
# every Debian/Ubuntu already), and for the nightly script bash, util-linux (flock) and sqlite3
# (backups). On Debian/Ubuntu:
#   apt-get install -y libsqlite3-0 ca-certificates sqlite3 util-linux
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SCRATCH=${SCRATCH:-.build-release}
root="$DESTDIR$PREFIX"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "--- building (release, static Swift runtime) into $SCRATCH: this takes a few minutes"
  swift build -c release --static-swift-stdlib --product upscale-batch --scratch-path "$SCRATCH"
fi
binary="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/upscale-batch"
if [ ! -x "$binary" ]; then
  echo "install: no binary at $binary (run without SKIP_BUILD=1)" >&2
  exit 2
fi

echo "--- checking the binary's shared libraries"
if ! command -v ldd >/dev/null; then
  echo "install: ldd not found; cannot check the binary's libraries" >&2
  exit 2
fi
libraries=$(ldd "$binary")
printf '%s\n' "$libraries"
if grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' <<<"$libraries"; then
  echo "install: the binary links Swift runtime libraries dynamically; it would not run without a toolchain" >&2
  exit 1
fi
if grep -q 'not found' <<<"$libraries"; then
  echo "install: a library the binary needs is missing on this machine (see 'not found' above)" >&2
  exit 1
fi

echo "--- installing under $root"
install -d "$root/bin" "$root/share/upscale-batch/scripts" "$root/share/upscale-batch/jobs"
install -m 755 "$binary" "$root/bin/upscale-batch"
if [ "${STRIP:-1}" = 1 ] && command -v strip >/dev/null; then strip "$root/bin/upscale-batch"; fi
install -m 755 scripts/nightly.sh "$root/share/upscale-batch/scripts/nightly.sh"
install -m 644 scripts/crontab.example "$root/share/upscale-batch/scripts/crontab.example"
install -m 644 jobs/README.md "$root/share/upscale-batch/jobs/README.md"
install -m 644 jobs/sample.csv "$root/share/upscale-batch/jobs/sample.csv"

size=$(stat -c %s "$root/bin/upscale-batch")
echo "installed $root/bin/upscale-batch ($((size / 1024 / 1024)) MiB, $size bytes), version: $("$root/bin/upscale-batch" --version)"
cat <<EOF

The server needs these runtime packages (Debian/Ubuntu names):
  libsqlite3-0 ca-certificates        the binary: SQLite, the system trust store for https
  libstdc++6 zlib1g libgcc-s1 libc6   the binary too (present on every Debian/Ubuntu)
  sqlite3 util-linux bash             the nightly script: backups, flock
  apt-get install -y libsqlite3-0 ca-certificates sqlite3 util-linux

Next:
  1. a home for the nightly data, owned by the user cron runs as, e.g.
       install -d -m 750 /var/lib/upscale-batch
  2. the API key in a file only that user can read:
       install -d -m 700 /etc/upscale-batch && install -m 600 /dev/null /etc/upscale-batch/key
       (then write the key into it with an editor: never on a command line)
  3. a cron line: see $PREFIX/share/upscale-batch/scripts/crontab.example
  4. try it: $PREFIX/bin/upscale-batch demo
EOF
