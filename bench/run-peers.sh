#!/usr/bin/env bash
# MeshFlow against its peers, side by side in one run on one machine: builds the benchmarks and the LangGraph.js
# harness, runs the same workloads on MeshFlow (in-memory and SQLite ledger), LangGraph4j (in memory and with its
# MemorySaver) and LangGraph.js (MemorySaver), alternating the implementations within every repeat, and writes the
# "Peers" section of bench/RESULTS.md (the other sections stay as they are; raw outputs in
# bench/target/results/peers/).
#
# Workloads (every node a fake instant model appending a short string to the state):
#   1. linear 3-node graph, many sequential runs after a warm-up           -> µs per step
#   2. one node with a conditional back-edge, 1,000 iterations in one run  -> µs per iteration
#   3. fan-out to 100 parallel branches and fan-in                         -> ms per run
#   4. 1,000 and 10,000 concurrent runs of the 3-node graph whose nodes wait 50 ms (one process per implementation,
#      size and repeat, so that each peak RSS is that implementation's alone) -> wall time vs ideal, runs/s, peak RSS
#
# Usage (from anywhere; needs a JDK >= 21, the Maven wrapper's download of Maven, and node >= 20 with npm):
#   bench/run-peers.sh            # full run: 5 repeats, about 15 minutes on 2 cores
#   QUICK=1 bench/run-peers.sh    # smoke: 2 repeats, small sizes, 1,000 concurrent runs only (a few minutes)
#
# Environment:
#   REPEATS=N          repeats of every measurement (default 5, QUICK 2)
#   SIZES="1000 10000" concurrent batch sizes (QUICK: 1000)
#   CONCURRENT_IMPLS="..." implementations of workload 4 (default: meshflow-memory meshflow-sqlite langgraph4j
#                      langgraphjs baseline; also meshflow-sqlite-async, langgraph4j-saver)
#   JS_LINEAR_RUNS=N   LangGraph.js's sequential runs of workload 1 (default 3,000: its runs take ~1,000x longer than
#                      MeshFlow's, and 20,000 would add five minutes without moving the median)
#   SKIP_BUILD=1       reuse bench/target/benchmarks.jar and bench/peers-js/node_modules
#   MVN_ARGS="..."     extra Maven arguments for the build (e.g. -Dmaven.repo.local=...)
set -euo pipefail

cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR=bench/target/benchmarks.jar
JS=bench/peers-js
OUT=bench/target/results/peers
RESULTS=bench/RESULTS.md
started_s=$(date +%s)
started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

quote() { printf '%q ' "$@" | sed 's/ $//'; }

if [[ "${QUICK:-}" == 1 ]]; then
  REPEATS="${REPEATS:-2}"
  SIZES="${SIZES:-1000}"
  JVM_SINGLE=(--linear-runs 2000 --linear-warmup 5000 --loop-runs 10 --loop-warmup 20 --fanout-runs 100
    --fanout-warmup 200 --warmup-seconds 1)
  SQLITE_SINGLE=(--linear-runs 1000 --linear-warmup 1000 --loop-runs 3 --loop-warmup 2 --fanout-runs 30
    --fanout-warmup 20 --warmup-seconds 1)
  JS_SINGLE=(--linear-runs "${JS_LINEAR_RUNS:-500}" --linear-warmup 200 --loop-runs 1 --loop-warmup 1
    --fanout-runs 10 --fanout-warmup 5)
  LOAD_WARMUP=500
  JS_WARMUP=100
else
  REPEATS="${REPEATS:-5}"
  SIZES="${SIZES:-1000 10000}"
  JVM_SINGLE=(--linear-runs 20000 --linear-warmup 20000 --loop-runs 30 --loop-warmup 100 --fanout-runs 300
    --fanout-warmup 300 --warmup-seconds 4)
  # a durable step costs a commit: fewer runs keep a repeat within seconds (the steps still number in the thousands)
  # the same JIT warm-up time as the in-memory JVM implementations: its fewer runs alone left C2 behind
  SQLITE_SINGLE=(--linear-runs 3000 --linear-warmup 2000 --loop-runs 5 --loop-warmup 5 --fanout-runs 60
    --fanout-warmup 40 --warmup-seconds 4)
  JS_SINGLE=(--linear-runs "${JS_LINEAR_RUNS:-3000}" --linear-warmup 1000 --loop-runs 3 --loop-warmup 2
    --fanout-runs 30 --fanout-warmup 10)
  LOAD_WARMUP=1000
  JS_WARMUP=200
fi
read -r -a SIZES_A <<<"$SIZES"
read -r -a MVN_ARGS_A <<<"${MVN_ARGS:-}"

JVM_IMPLS=(meshflow-memory meshflow-sqlite meshflow-sqlite-async langgraph4j langgraph4j-saver sqlite-floor)
IMPLS=("${JVM_IMPLS[@]}" langgraphjs)
# workload 4 (the ones the targets name, plus the durable ledger): one process each per size and repeat
# and "baseline": no framework, bare virtual threads sleeping 3 x 50 ms (the machine's floor at that moment)
read -r -a CONCURRENT_IMPLS <<<"${CONCURRENT_IMPLS:-meshflow-memory meshflow-sqlite langgraph4j langgraphjs baseline}"
# the same heap for both JVM frameworks; a fixed one, so that the full GC before each batch does not shrink it
JVM_OPTS=(-Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED)
NODE_OPTS=(--expose-gc --no-warnings)

BUILD_CMD=(./mvnw -B -q -Pbench -pl bench -am package -DskipTests -Dspotless.check.skip=true
  ${MVN_ARGS_A[@]+"${MVN_ARGS_A[@]}"})
NPM_CMD=(npm ci --no-audit --no-fund --prefix "$JS")
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  echo "+ $(quote "${BUILD_CMD[@]}")" >&2
  "${BUILD_CMD[@]}"
  echo "+ $(quote "${NPM_CMD[@]}")" >&2
  "${NPM_CMD[@]}" >&2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/single.tsv"
printf 'form\tround\truns\tcompleted\tstart_ms\twall_ms\tratio\tlimit\truns_per_s\tcpu_ms\tpeak_heap_mib\tlive_after_gc_mib\tpeak_rss_mib\tmet\n' \
  >"$OUT/concurrent.tsv"

single_cmd() {
  if [[ "$1" == langgraphjs ]]; then
    SINGLE_CMD=(node "${NODE_OPTS[@]}" "$JS/bench.mjs" micro "${JS_SINGLE[@]}")
  elif [[ "$1" == meshflow-sqlite* || "$1" == sqlite-floor ]]; then
    SINGLE_CMD=("$JAVA" "${JVM_OPTS[@]}" -cp "$JAR" io.meshflow.bench.PeerBench --impl "$1" "${SQLITE_SINGLE[@]}")
  else
    SINGLE_CMD=("$JAVA" "${JVM_OPTS[@]}" -cp "$JAR" io.meshflow.bench.PeerBench --impl "$1" "${JVM_SINGLE[@]}")
  fi
}

concurrent_cmd() {
  if [[ "$1" == langgraphjs ]]; then
    CONCURRENT_CMD=(node "${NODE_OPTS[@]}" "$JS/bench.mjs" concurrent --runs "$2" --warmup "$JS_WARMUP")
  else
    # a warm-up batch and three rounds; the last round is kept (the first ones compete with the JIT on 2 cores)
    CONCURRENT_CMD=("$JAVA" "${JVM_OPTS[@]}" -cp "$JAR" io.meshflow.bench.ConcurrentRunsLoad --form "$1"
      --warmup "$LOAD_WARMUP" --rounds 3 --tsv "$OUT/batch.tsv" "$2")
  fi
}

# the implementations in turn, starting one further along in each repeat, so none always runs first (A B C, B C A, ...)
rotated() {
  local -n list=$2
  local shift=$(($1 % ${#list[@]}))
  echo "${list[@]:shift}" "${list[@]:0:shift}"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((repeat = 1; repeat <= REPEATS; repeat++)); do
  read -r -a order <<<"$(rotated $((repeat - 1)) IMPLS)"
  for impl in "${order[@]}"; do
    single_cmd "$impl"
    echo "+ [repeat $repeat/$REPEATS] $(quote "${SINGLE_CMD[@]}")" >&2
    "${SINGLE_CMD[@]}" >"$OUT/last.tsv"
    cat "$OUT/last.tsv" >&2
    sed "s/^/$repeat\t/" "$OUT/last.tsv" >>"$OUT/single.tsv"
  done
  read -r -a order <<<"$(rotated $((repeat - 1)) CONCURRENT_IMPLS)"
  for size in "${SIZES_A[@]}"; do
    for impl in "${order[@]}"; do
      concurrent_cmd "$impl" "$size"
      echo "+ [repeat $repeat/$REPEATS] $(quote "${CONCURRENT_CMD[@]}")" >&2
      if [[ "$impl" == langgraphjs ]]; then
        "${CONCURRENT_CMD[@]}" >"$OUT/batch.tsv"
        line="$(tail -n 1 "$OUT/batch.tsv")"
      else
        "${CONCURRENT_CMD[@]}" >>"$OUT/concurrent.md" 2>>"$OUT/concurrent.log"
        line="$(tail -n 1 "$OUT/batch.tsv")"
      fi
      echo "$line" >&2
      # the round column holds the repeat
      awk -F'\t' -v OFS='\t' -v r="$repeat" '{ $2 = r; print }' <<<"$line" >>"$OUT/concurrent.tsv"
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$(($(date +%s) - started_s))

"$JAVA" -cp "$JAR" io.meshflow.bench.PeerReport "$OUT/single.tsv" "$OUT/concurrent.tsv" >"$OUT/report.md"

version_of() { sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$JS/node_modules/$1/package.json" | head -n 1; }
lg4j_version="$(unzip -p "$JAR" META-INF/maven/org.bsc.langgraph4j/langgraph4j-core/pom.properties 2>/dev/null |
  sed -n 's/^version=//p' || true)"
cpu_model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
mem_total="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- bench meshflow-core ':!bench/RESULTS.md' 2>/dev/null; then
  commit="$commit (with uncommitted changes)"
fi
single_cmd meshflow-memory
jvm_single="$(quote "${SINGLE_CMD[@]}" | sed 's/--impl meshflow-memory/--impl IMPL/')"
single_cmd meshflow-sqlite
sqlite_single="$(quote "${SINGLE_CMD[@]}" | sed 's/--impl meshflow-sqlite/--impl meshflow-sqlite[-async]|sqlite-floor/')"
single_cmd langgraphjs
js_single="$(quote "${SINGLE_CMD[@]}")"
concurrent_cmd meshflow-memory SIZE
jvm_concurrent="$(quote "${CONCURRENT_CMD[@]}" | sed 's/--form meshflow-memory/--form IMPL/')"
concurrent_cmd langgraphjs SIZE
js_concurrent="$(quote "${CONCURRENT_CMD[@]}")"

{
  echo "## Peers: MeshFlow, LangGraph4j and LangGraph.js side by side (\`bench/run-peers.sh\`)"
  echo
  echo "Generated by \`bench/run-peers.sh${QUICK:+ (QUICK=1)}\` on $started at commit $commit, in $((elapsed / 60)) min"
  echo "$((elapsed % 60)) s; raw outputs in \`bench/target/results/peers/\`."
  echo
  echo "- Machine: $(nproc) CPUs ($cpu_model), $mem_total RAM, $(uname -sr); load average (1/5/15 min) before:"
  echo "  $load_before; after: $load_after (the machine is shared with other builds)."
  echo "- MeshFlow $(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1) on $("$JAVA" -version 2>&1 | head -n 1)"
  echo "  ($JAVA_HOME); LangGraph4j \`org.bsc.langgraph4j:langgraph4j-core\` ${lg4j_version:-?} on the same JVM;"
  echo "  LangGraph.js \`@langchain/langgraph\` $(version_of @langchain/langgraph) (\`@langchain/core\`"
  echo "  $(version_of @langchain/core)) on node $(node --version), pinned by \`bench/peers-js/package-lock.json\`."
  echo "- Repeats: $REPEATS. Within a repeat every implementation runs each workload in turn, in its own process"
  echo "  (A B C …, then B C … A in the next repeat), so a ratio compares measurements taken moments apart on the same"
  echo "  machine; ratios are the median of the per-repeat ratios."
  echo
  echo "Every node is a fake instant model that appends a short string (\" ok\") to the run's state: for MeshFlow a"
  echo "function node returning its input plus the string (the input being the previous node's output, the state"
  echo "carried forward), on a \`Mesh\` with the \`dev\` policy (its guardian rules and 10-minute step timeout on);"
  echo "for LangGraph4j and LangGraph.js a node returning the string into a text channel whose reducer appends, and a"
  echo "step counter. The in-memory ledger and the MemorySavers are replaced by fresh ones once they hold 1,000 steps"
  echo "(as EngineBenchmark's meshes; each run its own thread id), so that the retained history, and the garbage"
  echo "collector's copying of it, stays small and alike; the SQLite ledger is one fresh file per process with the"
  echo "default durability \`SYNC\` (every step and its checkpoint committed before the run moves on, WAL,"
  echo "synchronous=NORMAL). The durable floor (\`sqlite-floor\`, no framework) writes, per run, the rows a MeshFlow"
  echo "\`ASYNC\` run of the same workload leaves in the same schema (copied from such a run), in one plain-JDBC"
  echo "transaction on a connection set up as the ledger's writer: what a run that is durable on return costs here"
  echo "before any engine work. Each process warms up all three single-run workloads before it measures any (every"
  echo "JVM implementation: the warm-up runs below, then the three in turn until ${JVM_SINGLE[13]} s have passed, so that"
  echo "a faster framework's JIT is as far along as a slower one's)."
  echo "Workload 1: sequential runs after warm-up runs (in-memory JVM implementations:"
  echo "${JVM_SINGLE[1]} runs after ${JVM_SINGLE[3]}; SQLite: ${SQLITE_SINGLE[1]} after ${SQLITE_SINGLE[3]}, a durable step"
  echo "costing a commit; LangGraph.js: ${JS_SINGLE[1]} after ${JS_SINGLE[3]}, its runs being ~1,000 times longer);"
  echo "workload 2: one run of 1,000 iterations, timed over ${JVM_SINGLE[5]} runs after ${JVM_SINGLE[7]} (SQLite:"
  echo "${SQLITE_SINGLE[5]} after ${SQLITE_SINGLE[7]}; LangGraph.js: ${JS_SINGLE[5]} after ${JS_SINGLE[7]}); workload 3: timed"
  echo "over ${JVM_SINGLE[9]} runs after ${JVM_SINGLE[11]} (SQLite: ${SQLITE_SINGLE[9]} after ${SQLITE_SINGLE[11]};"
  echo "LangGraph.js: ${JS_SINGLE[9]} after ${JS_SINGLE[11]}). Workload 4: every run started at once, each on its own"
  echo "virtual thread (JVM; \`Mesh.run\` / \`CompiledGraph.invoke\`, the node sleeping 50 ms with \`Thread.sleep\`,"
  echo "which parks the virtual thread) or as its own promise (LangGraph.js, \`await\` of a 50 ms timer); JVM: a"
  echo "warm-up batch of $LOAD_WARMUP runs and three rounds, the last kept; LangGraph.js: a warm-up batch of $JS_WARMUP"
  echo "runs. Wall time from the first start to the last finish; peak RSS = \`VmHWM\` of that process, reset after the"
  echo "warm-up (\`/proc/self/clear_refs\`)."
  echo
  echo "Commands (from the repository root; IMPL one of ${JVM_IMPLS[*]} (workload 4:"
  echo "${CONCURRENT_IMPLS[*]}), SIZE one of $SIZES):"
  echo
  echo '```'
  echo "$(quote "${BUILD_CMD[@]}")"
  echo "$(quote "${NPM_CMD[@]}")"
  echo "$jvm_single"
  echo "$sqlite_single"
  echo "$js_single"
  echo "$jvm_concurrent"
  echo "$js_concurrent"
  echo '```'
  echo
  cat "$OUT/report.md"
  echo "### Where the time goes"
  echo
  echo "From [PROFILE.md](PROFILE.md#peers) (JFR profiles; the hot spots the targets above depend on):"
  echo
  # PROFILE.md's "Peers" section, one level down, as the profiles' own words
  awk '/^## Peers/ { on = 1; next } /^## / && on { exit } on { sub(/^### /, "#### "); print }' bench/PROFILE.md
} >"$OUT/section.md"

# the section replaces an earlier "Peers" section, else goes before "## JMH output", else at the end
awk -v section="$OUT/section.md" '
  function put() { while ((getline line < section) > 0) print line; done = 1 }
  /^## Peers/ { skip = 1; put(); next }
  /^## / && skip { skip = 0 }
  /^## JMH output/ && !done { put() }
  !skip { print }
  END { if (!done) { print ""; put() } }
' "$RESULTS" >"$OUT/RESULTS.md.new"
mv "$OUT/RESULTS.md.new" "$RESULTS"
echo "wrote the Peers section of $RESULTS ($((elapsed / 60)) min $((elapsed % 60)) s)" >&2
