#!/usr/bin/env bash
# Human in the loop end to end on a fresh SQLite ledger, from the CLI: a run pauses before its release step, is
# approved, pauses again when the release asks to write a file, is approved again and completes; a second run is
# rejected. Every pause and decision is in the run's hash chain, which still verifies.
#
#   bash examples/approvals.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ledger="jdbc:sqlite:$dir/ledger.db"
export MESHFLOW_WORKSPACE_DIR="$dir/workspace"
last_run() { ./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/'; }
expect_exit() { # expect_exit <code> <command...>
  local want=$1
  shift
  set +e
  "$@"
  local got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    echo "expected exit $want from: $*, got $got" >&2
    exit 1
  fi
}

echo "== the run pauses before 'release' (exit 4)"
expect_exit 4 ./meshflow run examples/approvals.yaml --no-color --ledger "$ledger"
run=$(last_run)
./meshflow pending --ledger "$ledger"

echo
echo "== approve it: 'release' runs, and pauses again for its write_file call"
expect_exit 4 ./meshflow approve "$run" --reviewer alice --notes "matches PO-5531" \
  -f examples/approvals.yaml --ledger "$ledger"
./meshflow pending --ledger "$ledger" --json | grep -q 'tool_approval.*write_file'
test ! -e "$dir/workspace/payments/INV-2041.json"

echo
echo "== approve the file write: the run completes"
expect_exit 0 ./meshflow approve "$run" --reviewer bob --notes "file path checked" \
  -f examples/approvals.yaml --ledger "$ledger"
test -s "$dir/workspace/payments/INV-2041.json"
./meshflow verify "$run" --ledger "$ledger"

echo
echo "== a second run is rejected (exit 5) and never releases anything"
rm -rf "$dir/workspace"
expect_exit 4 ./meshflow run examples/approvals.yaml --no-color --ledger "$ledger" >/dev/null
second=$(last_run)
expect_exit 5 ./meshflow reject "$second" --reviewer carol --notes "duplicate invoice" \
  -f examples/approvals.yaml --ledger "$ledger"
test ! -e "$dir/workspace/payments/INV-2041.json"
./meshflow verify "$second" --ledger "$ledger"
./meshflow runs --ledger "$ledger"
echo
echo "approvals: ok"
