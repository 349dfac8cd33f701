#!/usr/bin/env bash
# Governance end to end, offline: issue identities with capability scopes, run examples/governance.yaml with them
# (every step signed), print the audit report (checks per step, signatures, the collusion audit's finding on the
# critic), run it again over a token budget (blocked with reason `budget`, rule `max_tokens`), run rag nodes over a
# document of a data class their agent may not see (withheld, reason `dasc`) and over an injected document (blocked,
# reason `guardian`), then revoke the writer and watch its next step blocked with reason `identity`.
#
#   bash examples/governance.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export MESHFLOW_LEDGER_URL="jdbc:sqlite:$dir/ledger.db"
export MESHFLOW_KEYSTORE="$dir/keys.json"

# runs a workflow that must end blocked (exit code 3), then prints its audit report into $dir/<name>-audit.txt
audit_blocked_run() {
  local workflow=$1 name=$2 code=0 id
  echo
  ./meshflow run "$workflow" --no-color || code=$?
  if [ "$code" -ne 3 ]; then
    echo "expected $workflow to be blocked (exit code 3), got $code" >&2
    exit 1
  fi
  id=$(./meshflow runs --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/')
  echo
  ./meshflow audit "$id" | tee "$dir/$name-audit.txt"
}

./meshflow identity create researcher --tools calculator --delegate-to writer
./meshflow identity create writer --delegate-to critic
./meshflow identity create critic
./meshflow identity create clerk --data-classes public,internal --delegate-to support
./meshflow identity create support
./meshflow identity list

echo
./meshflow run examples/governance.yaml --no-color
run=$(./meshflow runs --json --limit 1 | sed -E 's/.*"run_id":"([^"]+)".*/\1/')

echo
./meshflow audit "$run"

# the same workflow under a 160-token budget checked after each step (not predicted before each model call): the
# writer's step takes the run past it, a budget block naming the rule and the evidence
sed 's/^  max_tokens: 0$/  max_tokens: 160\n  predict_budget: false/' examples/governance.yaml >"$dir/budget.yaml"
audit_blocked_run "$dir/budget.yaml" budget
grep -q "FAILED budget / rule max_tokens: run used" "$dir/budget-audit.txt"

# rag nodes over their own documents: the payroll (data class financial) is withheld from the clerk, whose scope
# allows only public and internal data, and the FAQ with a prompt injection blocks the support step
audit_blocked_run examples/governance-rag.yaml rag
grep -q "\[dasc/data_class TOOL_ERROR\].*of data classes \[financial\], but its scope does not allow" "$dir/rag-audit.txt"
grep -q "FAILED guardian / rule prompt_injection" "$dir/rag-audit.txt"
# the function node's record is signed too, by the engine identity
grep -q "summary: 2/3 steps passed every check, 3 signed, 0 bad signatures, 1 findings" "$dir/rag-audit.txt"

echo
./meshflow identity revoke writer --reason "laptop stolen" --by secops
audit_blocked_run examples/governance.yaml revoked
grep -q "FAILED identity / rule revoked_identity" "$dir/revoked-audit.txt"
echo "the revoked writer was blocked (exit code 3)"
