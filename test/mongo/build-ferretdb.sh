#!/usr/bin/env bash
# Builds FerretDB 1.x (a MongoDB-wire server on SQLite; no MongoDB server can be installed here) once
# into a cache outside the repository, and prints its path; a no-op when it is already built.
# `go install` builds a binary that panics at start: the module lacks build/version/version.txt.
set -euo pipefail
V="${FERRETDB_VERSION:-v1.24.2}"
BIN="${FERRETDB_CACHE:-$HOME/.cache/ferretdb}/$V/ferretdb"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -qx "version: $V"; then echo "$BIN"; exit 0; fi
TMP=$(mktemp -d /tmp/ferretdb-src.XXXXXX)
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export GOWORK=off GOFLAGS=-buildvcs=false
SRC=$(cd "$TMP" && go mod download -json "github.com/FerretDB/FerretDB@$V" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$SRC" ] || { echo "go mod download failed" >&2; exit 1; }
cp -R "$SRC/." "$TMP/src/" 2>/dev/null || { mkdir -p "$TMP/src" && cp -R "$SRC/." "$TMP/src/"; }
chmod -R u+w "$TMP/src"
echo "$V" > "$TMP/src/build/version/version.txt"   # required: binary panics at startup without it
mkdir -p "$(dirname "$BIN")"
(cd "$TMP/src" && CGO_ENABLED=0 go build -trimpath -tags ferretdb_no_postgresql -ldflags "-s -w" -o "$BIN.tmp" ./cmd/ferretdb)
mv -f "$BIN.tmp" "$BIN"
echo "$BIN"
