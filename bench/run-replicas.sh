#!/usr/bin/env bash
# Scale-out benchmark: runs/s with 1, 2 and 3 `MeshFlowServer` replicas (separate JVMs) on the local PostgreSQL, and
# the takeover time after one of three replicas is killed with SIGKILL. Writes the "Scale-out" section of
# bench/RESULTS.md (raw output in bench/target/results/replicas.*).
#
#   bench/run-replicas.sh                           # 10 s per replica count, 96 clients, lease 5 s
#   REPLICAS_ARGS="--seconds 20 --clients 64" bench/run-replicas.sh
#   SKIP_BUILD=1 bench/run-replicas.sh              # reuse bench/target/benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR=bench/target/benchmarks.jar
OUT=bench/target/results
RESULTS=bench/RESULTS.md
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}" \
    ./mvnw -B -q -Pbench -pl bench -am package -DskipTests -Dspotless.check.skip=true
fi
mkdir -p "$OUT"
read -r -a ARGS <<<"${REPLICAS_ARGS:-}"
CMD=("$JAVA" -Xmx512m -cp "$JAR" io.meshflow.bench.ReplicasLoad ${ARGS[@]+"${ARGS[@]}"})
before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "+ ${CMD[*]}" >&2
"${CMD[@]}" >"$OUT/replicas.md" 2> >(tee "$OUT/replicas.log" >&2)
after="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
{
  echo "## Scale-out (\`ReplicasLoad\`, meshflow-server on PostgreSQL)"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M:%S UTC') at commit $commit, $(nproc) CPUs for the replicas, the load"
  echo "generator and PostgreSQL together; load average (1/5/15 min) before: $before; after: $after. Command:"
  echo
  echo '```'
  echo "bench/run-replicas.sh   # ${CMD[*]}"
  echo '```'
  echo
  echo "Each replica is a separate JVM (-Xmx512m) serving a three-agent team whose scripted model answers after 50 ms"
  echo "(so a run takes ≥ 150 ms), all on one PostgreSQL ledger (a fresh schema per replica count). Clients send"
  echo "\`POST /runs?wait=true\` round-robin; each replica executes the runs it accepts through the shared run queue."
  echo "The takeover row kills one of three replicas with SIGKILL while its runs (three 1 s steps each) are in flight"
  echo "and reads the queue afterwards: a run is claimed again once the dead replica's lease has passed and the"
  echo "survivors' next poll (200 ms) finds it. On 2 cores the replicas compete for the same CPUs, so throughput"
  echo "cannot grow with the replica count here; on separate machines each replica brings its own."
  echo
  cat "$OUT/replicas.md"
  echo
} >"$OUT/replicas-section.md"
awk -v section="$OUT/replicas-section.md" '
  /^## Scale-out / { skip = 1; while ((getline line < section) > 0) print line; done = 1; next }
  /^## / && skip { skip = 0 }
  /^## JMH output/ && !done { while ((getline line < section) > 0) print line; done = 1 }
  !skip { print }
' "$RESULTS" >"$OUT/RESULTS.md.new"
mv "$OUT/RESULTS.md.new" "$RESULTS"
echo "wrote the Scale-out section of $RESULTS" >&2
