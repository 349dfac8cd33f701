#!/usr/bin/env bash
# Agent memory across processes on a fresh SQLite ledger: a first `meshflow run` remembers, a second one (another
# process) recalls it, another tenant recalls nothing, and deleting the first run erases the memory it left.
#
#   bash examples/memory.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ledger="jdbc:sqlite:$dir/ledger.db"
last_run() { ./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/'; }
recalled() { grep -c '"type":"MEMORY_RECALLED"' || true; }

echo "== first run: the agent answers, and its answer is remembered in the ledger"
./meshflow run examples/memory.yaml --no-color --ledger "$ledger" \
  --task "The customer's router is a Fritz!Box 7590." >/dev/null
first=$(last_run)

echo "== second run, a new process: the agent recalls the first run's answer"
second=$(./meshflow run examples/memory.yaml --json --ledger "$ledger")
echo "$second" | grep '"type":"MEMORY_RECALLED"' | sed -E 's/.*"memories":\[\{[^}]*"text":"([^"]+)".*/recalled: \1/'
if [ "$(echo "$second" | recalled)" -lt 1 ]; then
  echo "the second run recalled nothing" >&2
  exit 1
fi

echo "== another tenant on the same ledger recalls nothing"
other=$(./meshflow run examples/memory.yaml --json --ledger "$ledger" --tenant globex)
if [ "$(echo "$other" | recalled)" -ne 0 ]; then
  echo "tenant globex recalled tenant default's memory" >&2
  exit 1
fi

echo "== deleting the first run erases what it left in memory"
./meshflow admin delete-run "$first" --by dpo --reason "DSR-120" --ledger "$ledger"
third=$(./meshflow run examples/memory.yaml --json --ledger "$ledger")
if [ "$(echo "$third" | recalled)" -ne 0 ]; then
  echo "the deleted run's memory was recalled" >&2
  exit 1
fi
echo "after the erasure: nothing recalled"

echo
echo "== summarising: the agent's own model summarises its older memories once there are more than summarize_after"
./meshflow run examples/memory-summary.yaml --no-color --ledger "$ledger" >/dev/null
summary_run=$(last_run)
./meshflow audit "$summary_run" --ledger "$ledger" | grep -F "[memory/consolidated INFO]"
