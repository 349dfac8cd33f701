#!/usr/bin/env bash
# GDPR erasure end to end on a fresh SQLite ledger: a legal hold refuses deletion until released, an anonymised
# run keeps its structure and still verifies, a deleted run is gone, and every erasure leaves a receipt.
#
#   bash examples/gdpr-erasure.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ledger="jdbc:sqlite:$dir/ledger.db"
last_run() { ./meshflow runs --ledger "$ledger" --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/'; }

./meshflow run examples/phi-intake.yaml --no-color --ledger "$ledger" >/dev/null
kept=$(last_run)
./meshflow run examples/contract-review.yaml --no-color --ledger "$ledger" >/dev/null
gone=$(last_run)

echo "== a legal hold refuses erasure"
./meshflow admin hold "$gone" --reason "matter 2026-17" --by counsel --ledger "$ledger"
if ./meshflow admin delete-run "$gone" --by dpo --ledger "$ledger"; then
  echo "the held run was deleted" >&2
  exit 1
fi
./meshflow admin release "$gone" --ledger "$ledger"

echo
echo "== anonymise one run, delete the other"
./meshflow admin anonymize-run "$kept" --by dpo --reason "DSR-118" --ledger "$ledger"
./meshflow verify "$kept" --ledger "$ledger"
./meshflow admin delete-run "$gone" --by dpo --reason "DSR-119" --ledger "$ledger"
if ./meshflow verify "$gone" --ledger "$ledger" 2>/dev/null; then
  echo "the deleted run is still there" >&2
  exit 1
fi

echo
echo "== retention: runs older than 30 days are deleted (the remaining run is minutes old, so it is kept)"
./meshflow admin retention default:30:delete --ledger "$ledger"

echo
echo "== receipts"
./meshflow admin erasures --ledger "$ledger"
