#!/usr/bin/env bash
# Runs a command with a FerretDB (MongoDB wire protocol) on a free loopback port and a temporary
# SQLite directory, as TEST_MONGODB_URI; FERRETDB_BIN lets tests start instances of their own.
# Stops the server and removes its data afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
export FERRETDB_BIN
FERRETDB_BIN=$(test/mongo/build-ferretdb.sh)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
data=$(mktemp -d)
"$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$data/" --state-dir="$data" --listen-addr="127.0.0.1:$port" \
  --debug-addr=- --telemetry=disable --log-level=error >"$data/ferretdb.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
export TEST_MONGODB_URI="mongodb://127.0.0.1:$port"
"$@"
