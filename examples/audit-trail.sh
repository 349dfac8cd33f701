#!/usr/bin/env bash
# The audit trail end to end: run a workflow into a fresh SQLite ledger (once with each durability), list the
# runs, verify their hash chains, then edit one recorded output directly in the database and watch
# `meshflow verify` catch it.
#
#   bash examples/audit-trail.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ledger="jdbc:sqlite:$dir/ledger.db"

# steps committed in the background while the run goes on: the run still ends only once all are recorded
./meshflow run examples/reflect.yaml --no-color --durability async --ledger "$ledger" >/dev/null
async_run=$(./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/')
# every step committed before the run moves on (the default); reviewers that finish together share a transaction
./meshflow run examples/contract-review.yaml --no-color --ledger "$ledger" >/dev/null
./meshflow runs --ledger "$ledger"
run=$(./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/')

echo
./meshflow verify "$async_run" --ledger "$ledger"
./meshflow verify "$run" --ledger "$ledger"

echo
echo "Editing the summary's recorded output directly in the database..."
python3 - "$dir/ledger.db" "$run" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER step_records_no_update")  # the ledger forbids updates; a tamperer would remove that first
db.execute("UPDATE step_records SET output_content = 'All clauses accepted as drafted.' "
           "WHERE run_id = ? AND node_id = 'summary'", (sys.argv[2],))
db.commit()
PY
if ./meshflow verify "$run" --ledger "$ledger"; then
  echo "the edit went unnoticed" >&2
  exit 1
fi
echo "the edit was detected (exit code 1)"
