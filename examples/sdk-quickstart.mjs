// The TypeScript client (sdks/typescript) against a running server: stream a run token by token, then read its
// trace and verify its hash chain. Build the SDK first (cd sdks/typescript && npm ci && npm run build), start a
// server (./meshflow serve prints a key the first time), then:
//
//   MESHFLOW_URL=http://127.0.0.1:8080 MESHFLOW_API_KEY=<key> node examples/sdk-quickstart.mjs "Say hello"
//
// An application would import from '@meshflow/client'; this example imports the repository's build.
import { MeshFlowClient } from '../sdks/typescript/dist/index.js';

const key = process.env.MESHFLOW_API_KEY;
if (!key) {
  console.error('set MESHFLOW_API_KEY to a key of the server (and MESHFLOW_URL unless it is http://127.0.0.1:8080)');
  process.exit(2);
}
const client = new MeshFlowClient(process.env.MESHFLOW_URL ?? 'http://127.0.0.1:8080', key);

let runId;
for await (const event of client.stream(process.argv[2] ?? 'Say hello')) {
  runId = event.run_id;
  if (event.type === 'TOKEN_DELTA') process.stdout.write(event.text);
  if (event.type === 'RUN_END') console.log(`\n\nrun ${runId} ended ${event.status} (${event.tokens_used} tokens)`);
}

const trace = await client.getTrace(runId);
for (const step of trace.steps) {
  console.log(`step ${step.seq} ${step.node_id}: ${step.verdict}, ${step.tokens_used} tokens, ${step.duration_ms} ms`);
}
const check = await client.verify(runId);
console.log(`hash chain: ${check.valid ? 'intact' : `broken (${check.problem})`}, ${check.records_checked} records`);
