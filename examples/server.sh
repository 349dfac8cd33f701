#!/usr/bin/env bash
# The MeshFlow server end to end, offline: start `meshflow serve` on a free port with an API key, start a run,
# stream another one token by token (NDJSON), read its trace, verify its hash chain, then stop the server.
#
#   bash examples/server.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
key="example-key-$RANDOM$RANDOM"
other="other-tenant-$RANDOM$RANDOM"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# build the launcher's jar first (if needed), so the server starts quickly
./meshflow --version >/dev/null

MESHFLOW_API_KEY_FILE="$dir/api-key" ./meshflow serve --port 0 --api-key "$key:acme" --api-key "$other:globex" \
  --workflow examples/reflect.yaml --ledger "jdbc:sqlite:$dir/ledger.db" >"$dir/serve.log" 2>&1 &
server_pid=$!

url=
for _ in $(seq 1 600); do
  url=$(sed -nE 's/.*serving on (https?:\/\/[^ ]+).*/\1/p' "$dir/serve.log" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$dir/serve.log" >&2
    echo "the server exited" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { cat "$dir/serve.log" >&2; echo "the server did not start" >&2; exit 1; }
echo "server: $url"

echo
echo "GET /health (no key needed):"
curl -sS --fail "$url/health"
echo

echo
echo "POST /runs without a key -> $(curl -sS -o /dev/null -w '%{http_code}' -X POST "$url/runs" -d '{}')"

echo
echo "POST /runs?wait=true  {\"workflow\":\"reflect\"}:"
result=$(curl -sS --fail -X POST "$url/runs?wait=true" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"workflow":"reflect"}')
echo "$result" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(" ", r["run_id"], r["status"], len(r["steps"]), "steps")'
reflect_run=$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')

echo
echo "POST /stream  {\"task\":\"Say hello\"}  (NDJSON, one event per line as it happens):"
curl -sS -N --fail -X POST "$url/stream" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"task":"Say hello"}' >"$dir/events.ndjson"
python3 - "$dir/events.ndjson" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
types = [e["type"] for e in events]
print("  %d events: %s ... %s" % (len(events), ", ".join(types[:3]), ", ".join(types[-2:])))
print("  %d TOKEN_DELTA events, all before STEP_END: %s"
      % (types.count("TOKEN_DELTA"), max(i for i, t in enumerate(types) if t == "TOKEN_DELTA") < types.index("STEP_END")))
assert types[0] == "RUN_START" and types[-1] == "RUN_END" and events[-1]["status"] == "COMPLETED"
PY
run=$(head -n 1 "$dir/events.ndjson" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')

echo
echo "GET /traces/$reflect_run:"
curl -sS --fail "$url/traces/$reflect_run" -H "X-API-Key: $key" | python3 -c '
import json, sys
t = json.load(sys.stdin)
for s in t["steps"]:
    print("  step %d %-10s %-7s %4d tokens  %s" % (s["seq"], s["node_id"], s["verdict"], s["tokens_used"], s["output"][:60].replace("\n", " ") + "..."))'

echo
echo "GET /runs/$reflect_run/verify:"
verify=$(curl -sS --fail "$url/runs/$reflect_run/verify" -H "Authorization: Bearer $key")
echo "  $verify"
echo "$verify" | python3 -c 'import json,sys; assert json.load(sys.stdin)["valid"] is True'

echo
echo "tenant globex's key cannot see acme's run: GET /runs/$run -> $(curl -sS -o /dev/null -w '%{http_code}' \
  "$url/runs/$run" -H "Authorization: Bearer $other")"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo
echo "server stopped"
