// The LangGraph.js side of bench/run-peers.sh: the peer workloads on @langchain/langgraph with MemorySaver.
//
//   node bench.mjs micro [--linear-runs N] [--linear-warmup N] [--loop-iterations N] [--loop-runs N]
//                        [--loop-warmup N] [--fanout-runs N] [--fanout-warmup N]
//       prints "langgraphjs<TAB>workload<TAB>metric<TAB>value" lines: linear µs per step, loop µs per iteration,
//       fan-out ms per run
//   node bench.mjs concurrent --runs N [--warmup N]
//       prints one line in the column layout of ConcurrentRunsLoad's TSV (form langgraphjs): N runs of the 3-node
//       graph whose nodes wait 50 ms, started at once; the peak RSS is VmHWM, reset after the warm-up batch
//
// Every node is a fake instant model: it appends a short string to the state (through the channel's reducer).
import { readFileSync, writeFileSync } from "node:fs";
import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";

const REPLY = " ok";
const STEP_MS = 50;
const STEPS = 3;
const FAN_OUT = 100;
// a MemorySaver keeps every checkpoint of every thread: once a saver has taken this many steps, the next run gets a
// fresh one (as the JVM implementations do with their savers and in-memory ledgers, and EngineBenchmark's meshes)
const STEPS_PER_SAVER = 1000;

const State = Annotation.Root({
  text: Annotation({ reducer: (a, b) => a + b, default: () => "" }),
  count: Annotation({ reducer: (a, b) => a + b, default: () => 0 }),
});

const instant = () => ({ text: REPLY, count: 1 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const slow = async () => {
  await sleep(STEP_MS);
  return { text: REPLY, count: 1 };
};

function linear(node) {
  return new StateGraph(State)
    .addNode("a", node)
    .addNode("b", node)
    .addNode("c", node)
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END);
}

function loop(iterations) {
  return new StateGraph(State)
    .addNode("n", instant)
    .addEdge(START, "n")
    .addConditionalEdges("n", (state) => (state.count < iterations ? "n" : END), ["n", END]);
}

function fanOut() {
  const graph = new StateGraph(State).addNode("start", instant).addNode("join", instant);
  graph.addEdge(START, "start");
  for (let i = 0; i < FAN_OUT; i++) {
    graph.addNode("b" + i, instant).addEdge("start", "b" + i).addEdge("b" + i, "join");
  }
  return graph.addEdge("join", END);
}

/** Compiles the graph on a fresh MemorySaver once STEPS_PER_SAVER steps are on the last; each run is its own thread. */
function runner(graph, recursionLimit) {
  let compiled;
  let runs = 0;
  let steps = STEPS_PER_SAVER;
  return async () => {
    if (steps >= STEPS_PER_SAVER) {
      compiled = graph.compile({ checkpointer: new MemorySaver() });
      steps = 0;
    }
    runs++;
    const state = await compiled.invoke(
      { text: "task" },
      { configurable: { thread_id: "t" + runs }, recursionLimit },
    );
    steps += state.count;
    return state;
  };
}

function check(state, count, what) {
  if (state.count !== count) {
    throw new Error(`${what} ended after ${state.count} steps (expected ${count})`);
  }
}

/** Runs `run` `times` times; returns the milliseconds they took. */
async function timed(run, times) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < times; i++) {
    await run();
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function emit(workload, metric, value) {
  process.stdout.write(`langgraphjs\t${workload}\t${metric}\t${value.toFixed(4)}\n`);
}

// every warm-up first, then the measurements, as PeerBench does for the JVM implementations
async function micro(opts) {
  const iterations = opts["loop-iterations"];
  const lin = runner(linear(instant), 25);
  const lp = runner(loop(iterations), iterations + 10);
  const fan = runner(fanOut(), 25);
  check(await lin(), STEPS, "linear");
  check(await lp(), iterations, "loop");
  check(await fan(), FAN_OUT + 2, "fan-out");
  await timed(lin, opts["linear-warmup"]);
  await timed(lp, opts["loop-warmup"]);
  await timed(fan, opts["fanout-warmup"]);

  const linMs = await timed(lin, opts["linear-runs"]);
  emit("linear", "us_per_step", (linMs * 1000) / (opts["linear-runs"] * STEPS));
  const loopMs = await timed(lp, opts["loop-runs"]);
  emit("loop", "us_per_iteration", (loopMs * 1000) / (opts["loop-runs"] * iterations));
  const fanMs = await timed(fan, opts["fanout-runs"]);
  emit("fanout", "ms_per_run", fanMs / opts["fanout-runs"]);
}

/** N slow runs at once on one fresh saver; returns [completed, wall ms, ms until all were started]. */
async function batch(runs) {
  const compiled = linear(slow).compile({ checkpointer: new MemorySaver() });
  let lastEnd = 0n;
  const t0 = process.hrtime.bigint();
  const done = [];
  for (let i = 0; i < runs; i++) {
    done.push(
      compiled.invoke({ text: "task" }, { configurable: { thread_id: "c" + i } }).then((state) => {
        lastEnd = process.hrtime.bigint();
        return state.count === STEPS;
      }),
    );
  }
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const completed = (await Promise.all(done)).filter(Boolean).length;
  return [completed, Number(lastEnd - t0) / 1e6, startMs];
}

function vmHwmBytes() {
  const line = readFileSync("/proc/self/status", "ascii")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return line ? Number.parseInt(line.slice(6).trim(), 10) * 1024 : -1;
}

async function concurrent(opts) {
  const runs = opts.runs;
  await batch(opts.warmup);
  if (global.gc) {
    global.gc();
  }
  let rssReset = true;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    rssReset = false;
  }
  const cpu0 = process.cpuUsage();
  const heap = { peak: 0 };
  const sampler = setInterval(() => {
    heap.peak = Math.max(heap.peak, process.memoryUsage().heapUsed);
  }, 10);
  const [completed, wallMs, startMs] = await batch(runs);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const ideal = STEP_MS * STEPS;
  const ratio = wallMs / ideal;
  const limit = runs <= 1000 ? 1.1 : 1.2;
  const mib = (bytes) => (bytes / 1048576).toFixed(1);
  const peakRss = vmHwmBytes();
  if (global.gc) {
    global.gc();
  }
  const live = process.memoryUsage().heapUsed;
  // form round runs completed start_ms wall_ms ratio limit runs_per_s cpu_ms peak_heap_mib live_after_gc_mib
  // peak_rss_mib met: ConcurrentRunsLoad's columns
  process.stdout.write(
    [
      "langgraphjs",
      1,
      runs,
      completed,
      startMs.toFixed(1),
      wallMs.toFixed(1),
      ratio.toFixed(3),
      limit.toFixed(1),
      (runs / (wallMs / 1000)).toFixed(0),
      cpuMs.toFixed(1),
      mib(heap.peak),
      mib(live),
      rssReset ? mib(peakRss) : mib(peakRss) + " (process peak)",
      completed === runs && ratio <= limit ? "yes" : "no",
    ].join("\t") + "\n",
  );
}

function options(args, defaults) {
  const opts = { ...defaults };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i].replace(/^--/, "");
    if (!(key in defaults)) {
      throw new Error(`unknown option ${args[i]}`);
    }
    opts[key] = Number.parseInt(args[i + 1], 10);
  }
  return opts;
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "micro") {
  await micro(
    options(rest, {
      "linear-runs": 20000,
      "linear-warmup": 2000,
      "loop-iterations": 1000,
      "loop-runs": 3,
      "loop-warmup": 2,
      "fanout-runs": 30,
      "fanout-warmup": 10,
    }),
  );
} else if (mode === "concurrent") {
  await concurrent(options(rest, { runs: 1000, warmup: 200 }));
} else {
  process.stderr.write("usage: node bench.mjs micro|concurrent [--option N ...]\n");
  process.exit(2);
}
