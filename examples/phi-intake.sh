#!/usr/bin/env bash
# PHI scrubbing end to end: run examples/phi-intake.yaml (policy scrub_phi: true) into a fresh SQLite ledger,
# show that the agents' replies streamed as written, then read the database directly: the stored task, inputs
# and outputs hold [PHI-REDACTED:<TYPE>] markers instead of the patient's details, and the chain verifies.
#
#   bash examples/phi-intake.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ledger="jdbc:sqlite:$dir/ledger.db"

./meshflow run examples/phi-intake.yaml --no-color --ledger "$ledger"
run=$(./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/')

echo
echo "What the ledger stores for run $run:"
python3 - "$dir/ledger.db" "$run" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = [db.execute("SELECT task FROM runs WHERE run_id = ?", (sys.argv[2],)).fetchone()[0]]
for node, output in db.execute("SELECT node_id, output_content FROM step_records WHERE run_id = ? ORDER BY seq",
                               (sys.argv[2],)):
    print(f"--- {node}\n{output}")
    stored.append(output)
text = "\n".join(stored)
leaks = [v for v in ("Maria Garcia", "561-38-2290", "07/22/1964", "555-0142", "m.garcia@example.org", "MRN0048213",
                     "88 Beacon Street") if v in text]
if leaks:
    sys.exit(f"PHI stored in the ledger: {leaks}")
print("--- no PHI in the stored task, inputs or outputs")
PY
./meshflow verify "$run" --ledger "$ledger"
