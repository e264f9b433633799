#!/usr/bin/env bash
# Runs a command with a FerretDB (MongoDB wire protocol) on a free loopback port and a temporary
# SQLite directory, as TEST_MONGODB_URI; FERRETDB_BIN lets tests start instances of their own.
# Stops the server and removes its data afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/support/local-server.sh
export FERRETDB_BIN
FERRETDB_BIN=$(test/mongo/build-ferretdb.sh)
port=$(free_port)
data=$(mktemp -d)
serve "$data" "$port" "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$data/" --state-dir="$data" \
  --listen-addr="127.0.0.1:$port" --debug-addr=- --telemetry=disable --log-level=error
export TEST_MONGODB_URI="mongodb://127.0.0.1:$port"
"$@"
