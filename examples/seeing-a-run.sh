#!/usr/bin/env bash
# Seeing a run, offline: record a run of examples/triage.yaml, show its steps (meshflow trace), export its trace JSON
# and check it equals the server's GET /traces/{runId}, open the web trace viewer's page, replay the run from the
# ledger (zero model calls, identical), replay it under a stricter policy (the decision step would now be blocked),
# and scaffold a project from a template that validates and runs.
#
#   bash examples/seeing-a-run.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
key="example-key-$RANDOM$RANDOM"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
export MESHFLOW_LEDGER_URL="jdbc:sqlite:$dir/ledger.db"

echo "== meshflow run examples/triage.yaml"
./meshflow run examples/triage.yaml --no-color >"$dir/run.log"
run_id=$(sed -nE 's/^run ([0-9a-f-]{36}) COMPLETED$/\1/p' "$dir/run.log")
[ -n "$run_id" ] || { cat "$dir/run.log" >&2; echo "the run did not complete" >&2; exit 1; }
echo "run $run_id"

echo
echo "== meshflow trace $run_id   (plain here; arrow keys and Enter on a terminal)"
./meshflow trace "$run_id" --no-color | tee "$dir/trace.txt"
[ "$(grep -cE '^[0-9]+ +[a-z_]+ +[a-z]+ +COMMIT' "$dir/trace.txt")" = 4 ] || { echo "expected 4 committed steps" >&2; exit 1; }

echo
echo "== meshflow replay $run_id   (answers from the ledger: no model is called)"
./meshflow replay "$run_id" --no-color | tee "$dir/replay.txt"
grep -q '^identical: ' "$dir/replay.txt"

echo
echo "== meshflow replay $run_id --policy examples/policies/strict-budget.yaml"
status=0
./meshflow replay "$run_id" --policy examples/policies/strict-budget.yaml --no-color >"$dir/strict.txt" || status=$?
cat "$dir/strict.txt"
[ "$status" = 1 ] || { echo "expected exit 1 (different), got $status" >&2; exit 1; }
grep -q '^step 4 decide would now be BLOCKED budget: rule max_tokens' "$dir/strict.txt"

echo
echo "== the server: GET /ui and GET /traces/$run_id equal to meshflow trace --export"
./meshflow serve --port 0 --api-key "$key" >"$dir/serve.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 600); do
  url=$(sed -nE 's/.*serving on (https?:\/\/[^ ]+).*/\1/p' "$dir/serve.log" | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$dir/serve.log" >&2; echo "the server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$dir/serve.log" >&2; echo "the server did not start" >&2; exit 1; }
curl -sS --fail "$url/ui" | grep -q '<title>MeshFlow trace viewer</title>'
echo "web trace viewer: $url/ui (enter the API key once; it is kept for the browser tab)"
curl -sS --fail -H "Authorization: Bearer $key" "$url/traces/$run_id" >"$dir/served.json"
./meshflow trace --export "$run_id" >"$dir/exported.json"
python3 - "$dir/served.json" "$dir/exported.json" <<'PY'
import json, sys
served, exported = (json.load(open(p)) for p in sys.argv[1:3])
assert served == exported, "meshflow trace --export differs from GET /traces"
print("trace JSON: %d steps, export == GET /traces" % len(exported["steps"]))
PY

echo
echo "== meshflow init --template research"
./meshflow init --template research "$dir/brief" >/dev/null
./meshflow validate "$dir/brief/workflow.yaml"
./meshflow run "$dir/brief/workflow.yaml" --no-color | tail -n 3
