#!/usr/bin/env bash
# Runs a command with a redis-server on a free loopback port and a temporary directory, as TEST_REDIS_URL;
# REDIS_BIN lets tests start servers of their own. Nothing is saved to disk; the server stops afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/support/local-server.sh
export REDIS_BIN
REDIS_BIN=$(test/redis/redis-server.sh)
port=$(free_port)
data=$(mktemp -d)
serve "$data" "$port" "$REDIS_BIN" --bind 127.0.0.1 --port "$port" --dir "$data" --save '' --appendonly no --logfile "$data/redis.log"
export TEST_REDIS_URL="redis://127.0.0.1:$port"
"$@"
