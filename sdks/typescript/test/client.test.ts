import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  ConflictError,
  MeshFlowClient,
  MeshFlowError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from '../src/index.js';
import type { EventOf, MeshEvent } from '../src/index.js';
import { client, collect, runReaching, server, recorded } from './helpers.js';

const ofType = <T extends MeshEvent['type']>(events: MeshEvent[], type: T): EventOf<T>[] =>
  events.filter((e): e is EventOf<T> => e.type === type);

describe('stream', () => {
  it('stream_task_givesTokensBetweenStepStartAndStepEndThatMakeTheOutput', async () => {
    const events = await collect(client().stream('Say hello to the SDK'));

    expect(events[0]?.type).toBe('RUN_START');
    expect(events.at(-1)?.type).toBe('RUN_END');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const start = events.findIndex((e) => e.type === 'STEP_START');
    const end = events.findIndex((e) => e.type === 'STEP_END');
    const tokens = ofType(events, 'TOKEN_DELTA');
    expect(tokens.length).toBeGreaterThan(10);
    expect(events.indexOf(tokens[0]!)).toBeGreaterThan(start);
    expect(events.indexOf(tokens.at(-1)!)).toBeLessThan(end);
    const stepEnd = ofType(events, 'STEP_END')[0]!;
    expect(tokens.map((t) => t.text).join('')).toBe(stepEnd.output);
    expect(stepEnd.output).toContain('Say hello to the SDK');
    const runEnd = ofType(events, 'RUN_END')[0]!;
    expect(runEnd.status).toBe('COMPLETED');
    expect(runEnd.output).toBe(stepEnd.output);
    expect(new Set(events.map((e) => e.run_id)).size).toBe(1);
  });

  it('stream_sseFormat_givesTheSameKindsOfEventsAsNdjson', async () => {
    const events = await collect(client().stream({ task: 'Say hello over SSE' }, { format: 'sse' }));

    expect(events[0]?.type).toBe('RUN_START');
    expect(ofType(events, 'RUN_END')[0]?.status).toBe('COMPLETED');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const text = ofType(events, 'TOKEN_DELTA').map((t) => t.text).join('');
    expect(text).toBe(ofType(events, 'STEP_END')[0]?.output);
  });

  it('stream_badKey_throwsAuthenticationErrorOnFirstRead', async () => {
    const bad = new MeshFlowClient(server().url, 'not-a-key-of-this-server');

    await expect(collect(bad.stream('hello'))).rejects.toSatisfy(
      (e) => e instanceof AuthenticationError && e.status === 401 && e.code === 'unauthorized',
    );
  });
});

describe('runs', () => {
  it('run_task_waitsAndReturnsTheRunResultWithItsStepRecords', async () => {
    const result = await client().run('Summarise the quarter');

    expect(result.status).toBe('COMPLETED');
    expect(result.workflow).toBe('assistant');
    expect(result.tenant_id).toBe('acme');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]?.input_task).toBe('Summarise the quarter');
    expect(result.steps[0]?.output_content).toBe(result.output);
    expect(result.tokens_used).toBe(result.steps[0]?.tokens_used);
    expect(result.error).toBeNull();
  });

  it('run_policyTighterThanTheWorkflows_isApplied', async () => {
    const result = await client().run('a run with a tiny token budget', { policy: { max_tokens: 5 } });

    expect(result.status).toBe('BLOCKED');
    expect(result.block_reason).toBe('budget');
    expect(result.error).toContain('rule max_tokens: ');
  });

  it('getRun_listRuns_findTheRunAndPageThroughTheTenantsRuns', async () => {
    const c = client();
    const first = await c.run('first run to list');
    const second = await c.run('second run to list');

    const run = await c.getRun(second.run_id);
    expect(run).toMatchObject({ run_id: second.run_id, status: 'COMPLETED', live: false, task: 'second run to list' });
    expect(run.workflow_name).toBe('assistant');

    const page = await c.listRuns({ limit: 1 });
    expect(page.runs).toHaveLength(1);
    expect(page.runs[0]?.run_id).toBe(second.run_id); // newest first
    expect(page.next_offset).toBe(1);
    const next = await c.listRuns({ limit: 1, offset: 1 });
    expect(next.runs[0]?.run_id).toBe(first.run_id);

    const completed = await c.listRuns({ status: 'COMPLETED', limit: 1000 });
    expect(completed.runs.map((r) => r.run_id)).toEqual(expect.arrayContaining([first.run_id, second.run_id]));
    expect(completed.runs.every((r) => r.status === 'COMPLETED')).toBe(true);
    const future = await c.listRuns({ startedFrom: new Date(Date.now() + 3_600_000) });
    expect(future.runs).toEqual([]);
    expect(future.next_offset).toBeNull();
  });

  it('getTrace_verify_giveTheRecordedStepsAndAnIntactChain', async () => {
    const c = client();
    const result = await c.run('Trace me');

    const trace = await c.getTrace(result.run_id);
    expect(trace.run.run_id).toBe(result.run_id);
    expect(trace.run.status).toBe('COMPLETED');
    expect(trace.steps).toHaveLength(1);
    expect(trace.steps[0]).toMatchObject({ seq: 1, verdict: 'COMMIT', blocked: false, input: 'Trace me' });
    expect(trace.steps[0]?.output).toBe(result.output);

    const verification = await c.verify(result.run_id);
    expect(verification).toMatchObject({ run_id: result.run_id, valid: true, records_checked: 1, problem: null });
  });

  it('cancel_liveRun_endsItCancelledAndAnEndedRunIsAConflict', async () => {
    const c = client();
    let runId = '';
    const events: MeshEvent[] = [];
    for await (const event of c.stream({ workflow: 'sdk-slow' })) {
      events.push(event);
      if (event.type === 'TOKEN_DELTA' && runId === '') {
        runId = event.run_id;
        const answer = await c.cancel(runId);
        expect(answer).toEqual({ run_id: runId, status: 'CANCELLING' });
      }
    }

    expect(events.at(-1)).toMatchObject({ type: 'RUN_END', status: 'CANCELLED' });
    expect(ofType(events, 'TOKEN_DELTA').length).toBeLessThan(300);
    await runReaching(c, runId, 'CANCELLED');
    await expect(c.cancel(runId)).rejects.toSatisfy(
      (e) => e instanceof ConflictError && e.status === 409 && e.code === 'not_running',
    );
  });
});

describe('human in the loop', () => {
  it('approve_pausedRun_resumesItToTheEndAndRecordsTheDecision', async () => {
    const c = client();
    const paused = await c.run({ workflow: 'sdk-approval' });
    expect(paused.status).toBe('PAUSED');
    const [pause] = await c.pauses(paused.run_id);
    expect(pause).toMatchObject({ node_id: 'send', kind: 'before_node', status: 'OPEN', run_id: paused.run_id });
    expect((await c.pending()).map((p) => p.pause_id)).toContain(pause?.pause_id);

    const decided = await c.approve(paused.run_id, 'the note is right');

    expect(decided).toMatchObject({ pause_id: pause?.pause_id, status: 'APPROVED', review_notes: 'the note is right' });
    expect(['RESUMING', 'DECIDED']).toContain(decided.run_status);
    const events = await collect(c.events(paused.run_id));
    expect(events.at(-1)).toMatchObject({ type: 'RUN_END', status: 'COMPLETED' });
    await runReaching(c, paused.run_id, 'COMPLETED');
    const trace = await c.getTrace(paused.run_id);
    expect(trace.steps.map((s) => s.node_id)).toContain('send');
    expect(trace.steps.some((s) => s.agent_id?.startsWith('reviewer:') && s.output.includes('the note is right'))).toBe(
      true,
    );
    expect((await c.verify(paused.run_id)).valid).toBe(true);
    expect((await c.pending()).map((p) => p.pause_id)).not.toContain(pause?.pause_id);
  });

  it('rejectHITL_pausedRun_endsItRejected', async () => {
    const c = client();
    const paused = await c.run({ workflow: 'sdk-approval' });

    const decided = await c.rejectHITL(paused.run_id, { notes: 'not on a Friday', reviewerId: 'alice' });

    expect(decided).toMatchObject({ status: 'REJECTED', reviewer_id: 'alice', review_notes: 'not on a Friday' });
    const run = await runReaching(c, paused.run_id, 'REJECTED');
    expect(run.status).toBe('REJECTED');
  });

  it('approveHITL_runNotPaused_isAConflictWithTheServersCode', async () => {
    const c = client();
    const done = await c.run('nothing to approve');

    const error = await c.approveHITL(done.run_id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'not_paused' });
    expect((error as ConflictError).serverMessage).toContain('has no open pause');
  });
});

describe('errors', () => {
  it('badKey_isAnAuthenticationErrorWithTheServersMessage', async () => {
    const bad = new MeshFlowClient(server().url, 'not-a-key-of-this-server');

    const error = await bad.listRuns().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(MeshFlowError);
    const e = error as AuthenticationError;
    expect([e.status, e.code, e.serverMessage]).toEqual([401, 'unauthorized', 'the API key is not valid']);
    expect(e.requestId).toMatch(/^[0-9a-f]{24}$/);
    expect(e.message).toContain('GET /runs failed with 401 unauthorized');
  });

  it('unknownRun_isNotFound_andAnotherTenantsRunToo', async () => {
    const c = client();
    await expect(c.getRun('no-such-run')).rejects.toSatisfy(
      (e) => e instanceof NotFoundError && e.code === 'not_found' && e.serverMessage === "run 'no-such-run' not found",
    );
    await expect(c.getTrace('no-such-run')).rejects.toBeInstanceOf(NotFoundError);
    const mine = await c.run('only acme may see this');
    await expect(client('other').getRun(mine.run_id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client('other').verify(mine.run_id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('userKey_adminOnlyInlineDefinition_isPermissionDenied_adminKeyRunsIt', async () => {
    const definition = [
      'name: inline-echo',
      'agents:',
      '  - {id: echo, role: Echo, script: ["inline answer"]}',
      'nodes:',
      '  - {id: say, agent: echo}',
    ].join('\n');

    await expect(client('user').run({ definition, task: 'x' })).rejects.toSatisfy(
      (e) =>
        e instanceof PermissionDeniedError &&
        e.code === 'forbidden' &&
        e.serverMessage === 'inline workflow definitions need an admin key',
    );
    const result = await client('admin').run({ definition, task: 'x' });
    expect(result).toMatchObject({ status: 'COMPLETED', output: 'inline answer', workflow: 'inline-echo' });
  });

  it('userKey_looserPolicy_isPermissionDeniedPolicyNotAllowed', async () => {
    const error = await client()
      .run({ workflow: 'sdk-approval' }, { policy: { max_steps: 100_000 } })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ status: 403, code: 'policy_not_allowed' });
  });

  it('tenantOutOfRunSlots_isRateLimitedWithRetryAfter', async () => {
    const c = client('busy');
    const started = [];
    for (let i = 0; i < server().maxRunsPerTenant; i++) {
      started.push(await recorded(c, (await c.start({ workflow: 'sdk-slow' })).run_id));
    }
    try {
      const error = await c.start({ workflow: 'sdk-slow' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RateLimitError);
      const e = error as RateLimitError;
      expect([e.status, e.code, e.retryAfterSeconds]).toEqual([429, 'too_many_runs', 1]);
      expect(e.serverMessage).toContain("tenant 'busy' already has 3 runs queued or running");
    } finally {
      for (const run of started) {
        await c.cancel(run.run_id);
      }
      for (const run of started) {
        await runReaching(c, run.run_id, 'CANCELLED');
      }
    }
  });

  it('constructor_badUrlOrKey_isRefusedAtOnce', () => {
    expect(() => new MeshFlowClient('not a url', 'key')).toThrow(MeshFlowError);
    expect(() => new MeshFlowClient('ftp://example.com', 'key')).toThrow(/http or https/);
    expect(() => new MeshFlowClient(server().url, ' ')).toThrow(/API key is required/);
  });
});

describe('AbortSignal', () => {
  it('abort_midStream_stopsTheIterationWithAbortErrorAndTheServerCancelsTheRun', async () => {
    const c = client();
    const controller = new AbortController();
    let runId = '';
    let tokens = 0;

    const error = await (async () => {
      for await (const event of c.stream({ workflow: 'sdk-slow' }, { signal: controller.signal })) {
        runId = event.run_id;
        if (event.type === 'TOKEN_DELTA' && ++tokens === 3) controller.abort();
      }
    })().catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AbortError' });
    expect(tokens).toBe(3);
    const run = await runReaching(c, runId, 'CANCELLED');
    expect(run.steps).toBeLessThanOrEqual(1);
  });

  it('abort_withDetach_leavesTheRunGoing', async () => {
    const c = client();
    const controller = new AbortController();
    let runId = '';

    await (async () => {
      for await (const event of c.stream('keep going without me', { signal: controller.signal, detach: true })) {
        runId = event.run_id;
        if (event.type === 'TOKEN_DELTA') controller.abort();
      }
    })().catch(() => undefined);

    const run = await runReaching(c, runId, 'COMPLETED');
    expect(run.output).toContain('keep going without me');
  });

  it('abort_beforeTheCall_rejectsWithoutARun', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(client().run('never sent', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(collect(client().stream('never sent', { signal: controller.signal }))).rejects.toMatchObject({
      name: 'AbortError',
    });
    const recent = await client().listRuns({ limit: 50 });
    expect(recent.runs.map((r) => r.task)).not.toContain('never sent');
  });

  it('break_outOfTheLoop_closesTheStreamAndTheServerCancelsTheRun', async () => {
    const c = client();
    let runId = '';
    for await (const event of c.stream({ workflow: 'sdk-slow' })) {
      runId = event.run_id;
      if (event.type === 'TOKEN_DELTA') break;
    }

    await runReaching(c, runId, 'CANCELLED');
  });
});
