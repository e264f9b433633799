# Sourced by test/*/with-*.sh. free_port prints a free loopback port. serve DATA PORT COMMAND... starts
# COMMAND in the background, waits until PORT answers, and on exit stops it and removes DATA.
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

serve() {
  local data=$1 port=$2
  shift 2
  "$@" &
  local pid=$!
  # shellcheck disable=SC2064 # the values are fixed now, on purpose
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf '$data'" EXIT
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "the server on port $port did not start: $*" >&2
  return 1
}
