#!/usr/bin/env bash
# Runs Schemathesis against a real server started here on a free loopback port, then stops it.
# Bounded: FUZZ_MAX_EXAMPLES examples per operation (make fuzz FUZZ_MAX_EXAMPLES=500 for a longer run).
set -euo pipefail
cd "$(dirname "$0")/../.."
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export CHITCHAT_URL="http://127.0.0.1:${port}"
log=$(mktemp)
HOST=127.0.0.1 PORT="$port" RATE_LIMIT=0 BCRYPT_COST=4 LOG_LEVEL=warn SECRET_KEY=fuzz-secret-key-0123456789abcdef \
  node dist/src/main.js >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "$CHITCHAT_URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
status=0
PYTHONPATH=test/fuzz SCHEMATHESIS_HOOKS=hooks .venv/bin/schemathesis --config-file test/fuzz/schemathesis.toml run generated/openapi.yaml \
  --url "$CHITCHAT_URL" --checks all --mode all --phases examples,coverage,fuzzing,stateful \
  --max-examples "${FUZZ_MAX_EXAMPLES:-25}" --seed "${FUZZ_SEED:-20261128}" --request-timeout 10 \
  --report junit --report-dir "${FUZZ_REPORT_DIR:-/tmp/schemathesis-report}" || status=$?
if ! kill -0 $server 2>/dev/null; then echo "the server died during the run:"; cat "$log"; exit 1; fi
if grep -q '"level":50' "$log"; then echo "the server logged errors during the run:"; grep '"level":50' "$log" | head -20; exit 1; fi
exit $status
