#!/usr/bin/env bash
# Builds oasdiff (the OpenAPI diff tool of the breaking-change gate) from the Go module proxy, once, into a
# cache outside the repository, and prints its path; a no-op when it is already built.
set -euo pipefail
V="${OASDIFF_VERSION:-v1.37.0}"
BIN="${OASDIFF_CACHE:-$HOME/.cache/oasdiff}/$V/oasdiff"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
TMP=$(mktemp -d /tmp/oasdiff-build.XXXXXX)
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir -p "$(dirname "$BIN")"
(cd "$TMP" && GOWORK=off GOFLAGS=-buildvcs=false GOBIN="$TMP/bin" go install "github.com/oasdiff/oasdiff@$V" >&2)
mv -f "$TMP/bin/oasdiff" "$BIN"
echo "$BIN"
