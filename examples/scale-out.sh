#!/usr/bin/env bash
# Scale-out, offline: three `meshflow serve` replicas share one PostgreSQL ledger and its durable run queue. Runs are
# submitted round-robin; one replica is killed with SIGKILL while it executes runs; the other two take its runs over
# once its lease (3 s here) has passed and resume them from their last checkpoint. A client of one replica follows a
# run executing on another. At the end every run has completed exactly once and every hash chain verifies.
#
#   bash examples/scale-out.sh                 # needs PostgreSQL on 127.0.0.1:5432 (user postgres, database test)
#   MESHFLOW_SCALE_OUT_DB=jdbc:postgresql://host:5432/db?user=u bash examples/scale-out.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

base=${MESHFLOW_SCALE_OUT_DB:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}
runs=${MESHFLOW_SCALE_OUT_RUNS:-60}
schema="scale_out_example_$RANDOM$RANDOM"
ledger="$base&currentSchema=$schema"
key="scale-out-example-$RANDOM$RANDOM"
dir=$(mktemp -d)
pids=()
psql_url() { # the JDBC URL's host, port, database and user, for psql
  python3 - "$base" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1][len("jdbc:"):])
q = urllib.parse.parse_qs(u.query)
print("host=%s port=%s dbname=%s user=%s" % (u.hostname, u.port or 5432, u.path.lstrip("/"), q.get("user", ["postgres"])[0]))
PY
}
conn=$(psql_url)
cleanup() {
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  psql "$conn" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

psql "$conn" -q -c "CREATE SCHEMA $schema"
./meshflow --version >/dev/null   # build the launcher's jar first (if needed)

urls=()
for i in 0 1 2; do
  MESHFLOW_REPLICA_ID="replica-$i" MESHFLOW_LEASE_SECONDS=3 MESHFLOW_MAX_RUNS_PER_TENANT=1000 \
    ./meshflow serve --port 0 --api-key "$key:acme" --workflow examples/scale-out.yaml --ledger "$ledger" \
    >"$dir/replica-$i.log" 2>&1 &
  pids+=($!)
  disown  # its death by SIGKILL below is the point, not news
done
for i in 0 1 2; do
  url=
  for _ in $(seq 1 600); do
    url=$(sed -nE 's/.*serving on (https?:\/\/[^ ]+).*/\1/p' "$dir/replica-$i.log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "${pids[$i]}" 2>/dev/null || { cat "$dir/replica-$i.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$dir/replica-$i.log" >&2; echo "replica-$i did not start" >&2; exit 1; }
  urls+=("$url")
  echo "replica-$i: $url"
done

submit() { # submit <replica index>: prints the run id
  curl -sS --fail -X POST "${urls[$1]}/runs" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"workflow":"claim-check"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])'
}

echo
echo "a run submitted to replica-2, followed from replica-1 (events relayed through PostgreSQL):"
followed=$(submit 2)
curl -sS --fail -N "${urls[1]}/runs/$followed/events" -H "Authorization: Bearer $key" >"$dir/followed.sse"
python3 - "$dir/followed.sse" <<'PY'
import json, sys
events = [json.loads(l[6:]) for l in open(sys.argv[1]) if l.startswith("data: ")]
types = [e["type"] for e in events]
print("  %d events, %d TOKEN_DELTA, last %s %s" % (len(events), types.count("TOKEN_DELTA"), types[-1], events[-1].get("status")))
assert types[0] == "RUN_START" and types[-1] == "RUN_END" and events[-1]["status"] == "COMPLETED"
PY

echo
echo "submitting $runs runs round-robin, the first half at once; then replica-0 is killed with SIGKILL:"
half=$((runs / 2))
seq 0 $((half - 1)) | xargs -P 8 -I{} bash -c "$(declare -f submit); urls=(${urls[*]}); key=$key; submit \$(({} % 3))" >>"$dir/runs"
kill -9 "${pids[0]}"
echo "  killed replica-0 after $half submissions"
for n in $(seq "$half" $((runs - 1))); do
  submit $((1 + n % 2)) >>"$dir/runs"
done

echo
echo "waiting for every run to end..."
python3 - "$dir/runs" "${urls[1]}" "$key" <<'PY'
import json, sys, time, urllib.request
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
url, key = sys.argv[2], sys.argv[3]
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + key})
    return json.load(urllib.request.urlopen(req, timeout=30))
deadline = time.time() + 120
ended = {}
while len(ended) < len(ids) and time.time() < deadline:
    for i in ids:
        if i not in ended:
            r = get("/runs/" + i)
            if r["status"] not in ("QUEUED", "RUNNING"):
                ended[i] = r
    time.sleep(0.2)
statuses = {}
for r in ended.values():
    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
owners = {}
taken = [r for r in ended.values() if r["queue"]["attempts"] > 1]
for r in ended.values():
    owners[r["queue"]["owner"]] = owners.get(r["queue"]["owner"], 0) + 1
print("  %d of %d runs ended: %s" % (len(ended), len(ids), statuses))
print("  finished by: %s" % dict(sorted(owners.items())))
print("  taken over from replica-0 after its death: %d (resumed from their last checkpoint)" % len(taken))
bad = [i for i in ids if not get("/runs/%s/verify" % i)["valid"]]
print("  hash chains verified: %d of %d" % (len(ids) - len(bad), len(ids)))
assert len(ended) == len(ids) and statuses == {"COMPLETED": len(ids)} and not bad
assert all(r["steps"] == 3 for r in ended.values()), "a step recorded twice or missing"
PY
echo
echo "scale-out: every run completed exactly once"
