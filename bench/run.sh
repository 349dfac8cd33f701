#!/usr/bin/env bash
# Builds the benchmarks, runs the JMH engine benchmarks and the concurrent-runs load test, and writes
# bench/RESULTS.md (raw outputs stay in bench/target/results/), keeping the sections other scripts write (peers,
# scale-out) and those measured by hand (server, memory).
#
# Usage (from anywhere):
#   bench/run.sh                          # JMH with -f 1 -wi 3 -i 5 -prof gc (2 s per iteration), then the load test
#   bench/run.sh -f 1 -wi 2 -i 3 -w 1s -r 1s    # any JMH options replace the defaults
#
# Environment:
#   JMH_FILTER   benchmarks to run (regex, default EngineBenchmark)
#   LOAD_ARGS    load-test arguments (default "--threads 1000 10000"; see ConcurrentRunsLoad's javadoc)
#   LOAD_JVM     JVM options of the load test (default "-Xms1g -Xmx1g": the heap is capped at 1 GiB, and fixed so
#                that the full GC forced between batches does not shrink it to a few MiB, which would make the next
#                batch pay for regrowing it with dozens of young collections of the in-flight runs)
#   SKIP_BUILD=1 reuse bench/target/benchmarks.jar
#   SKIP_LOAD=1  JMH only (the load rows of RESULTS.md then say "not measured")
#   LEDGER_ARGS  ledger load-test arguments (default none; see LedgerLoad's javadoc, e.g. "--seconds 4")
#   SKIP_LEDGER=1  no ledger load test (its section of RESULTS.md then says "not measured")
#   LEDGER_ONLY=1  only the ledger load test: replaces the "Ledger" section of the existing RESULTS.md
#   PROVIDER_ARGS  token-latency arguments (default none; see TokenLatency's javadoc, e.g. "--runs 5")
#   SKIP_PROVIDER=1  no token-latency test (its section of RESULTS.md then says "not measured")
#   PROVIDER_ONLY=1  only the token-latency test: replaces the "Provider token latency" section of the existing
#                  RESULTS.md (inserted before "## JMH output" when there is none)
set -euo pipefail

cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [[ $# -gt 0 ]]; then
  JMH_OPTS=("$@")
else
  JMH_OPTS=(-f 1 -wi 3 -i 5 -prof gc)
fi
JMH_FILTER="${JMH_FILTER:-EngineBenchmark}"
LOAD_ARGS="${LOAD_ARGS:---threads 1000 10000}"
LOAD_JVM="${LOAD_JVM:--Xms1g -Xmx1g}"
read -r -a LOAD_ARGS_A <<<"$LOAD_ARGS"
read -r -a LOAD_JVM_A <<<"$LOAD_JVM"

JAR=bench/target/benchmarks.jar
OUT=bench/target/results
RESULTS=bench/RESULTS.md

quote() { printf '%q ' "$@" | sed 's/ $//'; }

BUILD_CMD=(./mvnw -B -q -Pbench -pl bench -am package -DskipTests -Dspotless.check.skip=true)
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  echo "+ $(quote "${BUILD_CMD[@]}")" >&2
  "${BUILD_CMD[@]}"
fi
mkdir -p "$OUT"
rm -f "$OUT/jmh.csv" "$OUT/load.tsv" "$OUT/ledger.md" "$OUT/ledger.log" "$OUT/provider.md" "$OUT/provider.log"

# The ledger load test: SQLite in a temporary directory, PostgreSQL at 127.0.0.1:5432/test (schema meshflow_bench).
read -r -a LEDGER_ARGS_A <<<"${LEDGER_ARGS:-}"
LEDGER_CMD=("$JAVA" -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$JAR" io.meshflow.bench.LedgerLoad
  ${LEDGER_ARGS_A[@]+"${LEDGER_ARGS_A[@]}"})
run_ledger() {
  if [[ "${SKIP_LEDGER:-}" != 1 ]]; then
    echo "+ $(quote "${LEDGER_CMD[@]}")" >&2
    { "${LEDGER_CMD[@]}" >"$OUT/ledger.md"; } 2>&1 | tee "$OUT/ledger.log" >&2
  else
    echo "(ledger load test skipped: not measured)" >"$OUT/ledger.md"
    : >"$OUT/ledger.log"
  fi
  ledger_after="$(cut -d' ' -f1-3 /proc/loadavg)"
}

# Writes bench/target/results/ledger-section.md, RESULTS.md's "Ledger" section, from the ledger test's outputs.
ledger_section() {
  {
    echo "## Ledger (\`LedgerLoad\`, meshflow-ledger-jdbc)"
    echo
    local at
    at="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if ! git diff --quiet HEAD -- bench meshflow-core meshflow-ledger-jdbc ':!bench/RESULTS.md' 2>/dev/null; then
      at="$at (with uncommitted changes)"
    fi
    echo "Measured $(date -u '+%Y-%m-%d %H:%M:%S UTC') at commit $at,"
    echo "load average (1/5/15 min) before: $load_after; after: $ledger_after. Command (from the repository root):"
    echo
    echo '```'
    echo "$(quote "${LEDGER_CMD[@]}")"
    echo '```'
    echo
    echo "Durable steps through a real \`Mesh\` into \`JdbcLedger\`: each run is one function node looping 100 times,"
    echo "every step returning a 1 KB string and appended with its checkpoint (chain + checkpoint in one transaction);"
    echo "a step is durable once \`append\` has returned. Runs start back to back until the phase's time is up (after a"
    echo "warm-up); steps/s = steps of the completed runs / time from first start to last finish (\`runStarted\`/"
    echo "\`runEnded\` included). SQLite: a fresh file in a temporary directory as the ledger opens it (WAL,"
    echo "synchronous=NORMAL, one writer thread with group commit). PostgreSQL: 127.0.0.1:5432/test, schema"
    echo "\`meshflow_bench\` (dropped afterwards), HikariCP pool. The raw baselines run in the same process just before:"
    echo "plain JDBC on a 4-column table (run_id, seq, 1 KB output, hash), WAL + synchronous=NORMAL on SQLite."
    echo "\`verifyChain\` is timed on one run of 20,000 records recorded by the same mesh (best pass), each pass"
    echo "followed by two floors over the same records, written from the chain's documented encoding with plain JDBC and"
    echo "no MeshFlow code (\`ChainFloor\`), split in two halves as \`verifyChain\` splits a long run: every hashed"
    echo "column read and both hashes recomputed and compared (what a verification that detects a changed field does at"
    echo "least), and the content hash alone (input and output read and hashed: what any verification does at least)."
    echo "Targets from issue 3. Where the time goes: [PROFILE.md](PROFILE.md#ledger)."
    echo
    cat "$OUT/ledger.md"
    echo
    echo '```'
    cat "$OUT/ledger.log"
    echo '```'
    echo
  } >"$OUT/ledger-section.md"
}

# The token-latency test: a local fake vendor server streaming 1,000 tokens per run through each provider's SDK.
read -r -a PROVIDER_ARGS_A <<<"${PROVIDER_ARGS:-}"
PROVIDER_CMD=("$JAVA" -Xms512m -Xmx512m -cp "$JAR" io.meshflow.bench.TokenLatency
  ${PROVIDER_ARGS_A[@]+"${PROVIDER_ARGS_A[@]}"})
run_provider() {
  provider_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ "${SKIP_PROVIDER:-}" != 1 ]]; then
    echo "+ $(quote "${PROVIDER_CMD[@]}")" >&2
    { "${PROVIDER_CMD[@]}" >"$OUT/provider.md"; } 2>"$OUT/provider.log"
  else
    echo "(token-latency test skipped: not measured)" >"$OUT/provider.md"
    : >"$OUT/provider.log"
  fi
  provider_after="$(cut -d' ' -f1-3 /proc/loadavg)"
}

# Writes bench/target/results/provider-section.md, RESULTS.md's "Provider token latency" section.
provider_section() {
  {
    echo "## Provider token latency (\`TokenLatency\`, meshflow-provider-openai / -anthropic)"
    echo
    local at
    at="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if ! git diff --quiet HEAD -- bench meshflow-core meshflow-testkit meshflow-provider-openai \
      meshflow-provider-anthropic ':!bench/RESULTS.md' 2>/dev/null; then
      at="$at (with uncommitted changes)"
    fi
    echo "Measured $(date -u '+%Y-%m-%d %H:%M:%S UTC') at commit $at, $(nproc) CPUs,"
    echo "load average (1/5/15 min) before: $provider_before; after: $provider_after. Command (from the repository root):"
    echo
    echo '```'
    echo "$(quote "${PROVIDER_CMD[@]}")"
    echo '```'
    echo
    echo "The added latency from a token's bytes being written to the provider's socket to its \`TOKEN_DELTA\` event:"
    echo "a real \`Mesh\` run of one agent, the vendor's official SDK (\`openai-java\` chat completions with"
    echo "\`stream=true\`, \`anthropic-java\` Messages streaming) and \`FakeLlmServer\` (meshflow-testkit) on 127.0.0.1"
    echo "streaming 1,000 tokens per run in the vendor's wire format, one SSE event per token. The server stamps"
    echo "\`System.nanoTime()\`, writes and flushes a token, and sends the next only once the run's event sink has"
    echo "received it (tokens paced one at a time, as a model emits them, so none queues behind another); the sink"
    echo "stamps its arrival. A sample therefore covers loopback TCP, chunked decoding, the SDK's SSE parsing and JSON"
    echo "mapping, the provider adapter, the step's token sink and the event bus. Warm-up runs are not counted."
    echo "Target from issue 4: p99 < 1 ms."
    echo
    cat "$OUT/provider.md"
    echo
  } >"$OUT/provider-section.md"
}

if [[ "${PROVIDER_ONLY:-}" == 1 ]]; then
  run_provider
  provider_section
  awk -v section="$OUT/provider-section.md" '
    /^## Provider token latency/ { skip = 1; while ((getline line < section) > 0) print line; done = 1; next }
    /^## / && skip { skip = 0 }
    /^## JMH output/ && !done { while ((getline line < section) > 0) print line; print ""; done = 1 }
    !skip { print }
  ' "$RESULTS" >"$OUT/RESULTS.md.new"
  mv "$OUT/RESULTS.md.new" "$RESULTS"
  echo "wrote the Provider token latency section of $RESULTS" >&2
  exit 0
fi

if [[ "${LEDGER_ONLY:-}" == 1 ]]; then
  # only the ledger test: its section replaces the one in the existing RESULTS.md (inserted before "## JMH output"
  # when there is none); the engine results stay as they were
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
  run_ledger
  ledger_section
  awk -v section="$OUT/ledger-section.md" '
    /^## Ledger / { skip = 1; while ((getline line < section) > 0) print line; done = 1; next }
    /^## / && skip { skip = 0 }
    /^## JMH output/ && !done { while ((getline line < section) > 0) print line; done = 1 }
    !skip { print }
  ' "$RESULTS" >"$OUT/RESULTS.md.new"
  mv "$OUT/RESULTS.md.new" "$RESULTS"
  echo "wrote the Ledger section of $RESULTS" >&2
  exit 0
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

JMH_CMD=("$JAVA" -jar "$JAR" "$JMH_FILTER" "${JMH_OPTS[@]}" -rf csv -rff "$OUT/jmh.csv")
echo "+ $(quote "${JMH_CMD[@]}")" >&2
"${JMH_CMD[@]}" | tee "$OUT/jmh.txt"

load_mid="$(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_CMD=("$JAVA" "${LOAD_JVM_A[@]}" -cp "$JAR" io.meshflow.bench.ConcurrentRunsLoad --tsv "$OUT/load.tsv"
  "${LOAD_ARGS_A[@]}")
if [[ "${SKIP_LOAD:-}" != 1 ]]; then
  echo "+ $(quote "${LOAD_CMD[@]}")" >&2
  { "${LOAD_CMD[@]}" >"$OUT/load.md"; } 2>&1 | tee "$OUT/load.log" >&2
else
  echo "(load test skipped)" >"$OUT/load.md"
  : >"$OUT/load.log"
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

run_ledger
ledger_section
run_provider
provider_section

"$JAVA" -cp "$JAR" io.meshflow.bench.Report "$OUT/jmh.csv" "$OUT/load.tsv" >"$OUT/report.md"

cpu_model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
mem_total="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- bench meshflow-core meshflow-ledger-jdbc 2>/dev/null; then
  commit="$commit (with uncommitted changes)"
fi

# sections other scripts write (run-peers.sh, run-replicas.sh) or that were measured by hand (server, memory) are
# carried over from the current RESULTS.md; only the sections this script measures are replaced
awk '
  /^## / {
    keep = !($0 ~ /^## (JMH: |JMH output|Targets and reference|Load: concurrent runs|Ledger |Provider token latency)/)
  }
  keep { print }
' "$RESULTS" >"$OUT/kept-sections.md" 2>/dev/null || : >"$OUT/kept-sections.md"

{
  echo "# MeshFlow engine benchmarks"
  echo
  echo "Generated by \`bench/run.sh\`; raw outputs in \`bench/target/results/\`. Where the time goes, and what to change"
  echo "in the engine: [PROFILE.md](PROFILE.md)."
  echo
  echo "- Date: $started (commit $commit)"
  echo "- Machine: $(nproc) CPUs ($cpu_model), $mem_total RAM, $(uname -sr)"
  echo "- Load average (1/5/15 min) before JMH: $load_before; before the load test: $load_mid; after: $load_after."
  echo "  The machine is shared with other builds, so scores carry their noise: read the error columns."
  echo "- Java (\`java -version\`):"
  echo
  echo '```'
  "$JAVA" -version 2>&1
  echo '```'
  echo
  echo "Commands (from the repository root):"
  echo
  echo '```'
  echo "bench/run.sh${*:+ $(quote "$@")}"
  echo "$(quote "${BUILD_CMD[@]}")"
  echo "$(quote "${JMH_CMD[@]}")"
  echo "$(quote "${LOAD_CMD[@]}")"
  echo '```'
  echo
  echo "Set-up: \`ScriptedProvider\` (no delay, one-token reply \"ok\"), \`InMemoryLedger\`, policy \`dev\` with"
  echo "max_steps 1,000,000 (its 10-minute step timeout stays on), no event sink. JMH: one operation = one"
  echo "\`Mesh.run\`; every iteration starts on a fresh mesh (ledger and provider), and a run moves to a fresh mesh once"
  echo "the current one holds ~1,000 steps, so neither the ledger nor the provider's request log grows without bound."
  echo "\`*Functions\` variants replace agent nodes by function nodes returning \"ok\": the engine alone."
  echo
  cat "$OUT/report.md"
  echo "## Load: concurrent runs (\`ConcurrentRunsLoad\`, $LOAD_JVM)"
  echo
  echo "Each run: 3 nodes in a line, every step waits 50 ms (ideal batch time 150 ms), started with"
  echo "\`Mesh.stream\` (one virtual thread per run; events buffered, not read). One warm-up batch of 500 runs, then"
  echo "each size once per round; every round is shown, the targets are judged on the last one (on 2 cores the C2"
  echo "compiler is still busy in the first rounds: see the CPU-by-thread lines below the table). The baseline is"
  echo "bare virtual threads sleeping 3 × 50 ms: the floor of this machine and JVM. A full GC runs before each batch."
  echo "Peak heap = sum of the heap pools' peaks during the batch; peak RSS = \`VmHWM\` (reset before each batch)."
  echo
  cat "$OUT/load.md"
  echo
  echo '```'
  cat "$OUT/load.log"
  echo '```'
  echo
  cat "$OUT/ledger-section.md"
  cat "$OUT/provider-section.md"
  cat "$OUT/kept-sections.md"
  echo "## JMH output"
  echo
  echo '```'
  sed -n '/^Benchmark /,$p' "$OUT/jmh.txt"
  echo '```'
} >"$RESULTS"

echo "wrote $RESULTS" >&2
