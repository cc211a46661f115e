#!/usr/bin/env bash
# generate-manpage.sh: regenerates share/man/man1/upscale-batch.1 from the command definitions
# with swift-argument-parser's GenerateManual plugin (works offline: the plugin comes with the
# package's own dependency). Run it after changing a command, an option or a help text; a test
# (InstallEndToEndTests) fails while the committed page is out of step with the binary.
#
# The page's second line records the SHA-256 of `upscale-batch --experimental-dump-help` (the
# command tree the page was made from): that is what the test compares.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

swift build --product upscale-batch >&2
swift package --allow-writing-to-package-directory generate-manual --configuration debug >&2
generated=.build/plugins/GenerateManual/outputs/upscale-batch/upscale-batch.1
digest=$(.build/debug/upscale-batch --experimental-dump-help | sha256sum | cut -d' ' -f1)
mkdir -p share/man/man1
{
  head -n 1 "$generated"
  printf '.\\" Commands: sha256 of upscale-batch --experimental-dump-help: %s (scripts/generate-manpage.sh)\n' "$digest"
  tail -n +2 "$generated"
} >share/man/man1/upscale-batch.1
echo "wrote share/man/man1/upscale-batch.1 (commands $digest)"
