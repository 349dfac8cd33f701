import { inject } from 'vitest';
import { MeshFlowClient, NotFoundError } from '../src/index.js';
import type { MeshEvent, RunDetail, RunStatus } from '../src/index.js';
import type { TestServer } from './global-setup.js';

export function server(): TestServer {
  return inject('meshflow');
}

/** A client of the test server with one of its keys. */
export function client(key: keyof TestServer['keys'] = 'user'): MeshFlowClient {
  const s = server();
  return new MeshFlowClient(s.url, s.keys[key]);
}

/** Every event of a stream, in order. */
export async function collect(events: AsyncIterable<MeshEvent>): Promise<MeshEvent[]> {
  const out: MeshEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** Reads the run until it has one of `statuses` (the ledger is written as the run goes, so this polls briefly). */
export async function runReaching(c: MeshFlowClient, runId: string, ...statuses: RunStatus[]): Promise<RunDetail> {
  const deadline = Date.now() + 20_000;
  let run = await c.getRun(runId);
  while (!(statuses.includes(run.status) && !run.live)) {
    if (Date.now() > deadline) {
      throw new Error(`run ${runId} is ${run.status} (live ${run.live}), not ${statuses.join(' or ')}, after 20 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
    run = await c.getRun(runId);
  }
  return run;
}

/**
 * Waits until the ledger has the record of a run just started: `POST /runs` answers 202 as the run is launched, a
 * moment before its record is written, so a `GET /runs/{id}` right after it may still answer 404.
 */
export async function recorded(c: MeshFlowClient, runId: string): Promise<RunDetail> {
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      return await c.getRun(runId);
    } catch (e) {
      if (!(e instanceof NotFoundError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
