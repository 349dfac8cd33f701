// The SDK's types cannot drift from the server: src/generated/openapi.ts must be what the running server's
// GET /openapi.json generates, and the JSON the server really sends must be exactly what that document describes.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/openapi-to-ts.mjs';
import { ApiError } from '../src/index.js';
import type { MeshEvent } from '../src/index.js';
import { client, collect, runReaching, server, recorded } from './helpers.js';
import { type OpenApiDoc, problems } from './schema-check.js';

let doc: OpenApiDoc;

beforeAll(async () => {
  const response = await fetch(`${server().url}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as OpenApiDoc;
});

/** Every event type's events, from streams that between them produce each type at least once. */
async function eventsOfEveryKind(): Promise<MeshEvent[]> {
  const c = client();
  const tools = await collect(c.stream({ workflow: 'sdk-tools' }));
  const paused = await collect(c.stream({ workflow: 'sdk-approval' }, { format: 'sse' }));
  const blocked = await collect(c.stream('over budget', { policy: { max_tokens: 5 } }));
  const failing = await collect(c.stream({ workflow: 'sdk-tools' })); // its script is used up: the step fails
  return [...tools, ...paused, ...blocked, ...failing];
}

describe('generated types', () => {
  it('generatedFile_isWhatTheServersOpenApiDocumentGenerates', async () => {
    const committed = await readFile(new URL('../src/generated/openapi.ts', import.meta.url), 'utf8');

    expect(committed, 'src/generated/openapi.ts is out of date: run npm run generate').toBe(generate(doc));
  });

  it('generatedFile_declaresTheSdksTypesWithTheSchemasFieldNames', async () => {
    const committed = await readFile(new URL('../src/generated/openapi.ts', import.meta.url), 'utf8');
    for (const name of ['MeshEvent', 'RunResult', 'StepRecord', 'PolicyConfig', 'Trace', 'TraceStep', 'RunRecord']) {
      expect(doc.components.schemas[name], `schema ${name}`).toBeDefined();
      expect(committed).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
    }
    const policy = doc.components.schemas.PolicyConfig?.properties ?? {};
    expect(Object.keys(policy)).toEqual([
      'mode',
      'max_steps',
      'max_tokens',
      'max_cost_usd',
      'step_timeout_ms',
      'run_timeout_ms',
    ]);
  });

  it('generate_unsupportedSchema_failsLoudly', () => {
    expect(() => generate({})).toThrow(/no components.schemas/);
    expect(() => generate({ components: { schemas: { X: { $ref: 'other.json#/X' } } } })).toThrow(/unsupported \$ref/);
    expect(() => generate({ components: { schemas: { X: { type: 'tuple' } } } })).toThrow(/unsupported schema type/);
    expect(() =>
      generate({ components: { schemas: { X: { type: 'object', required: ['b'], properties: { a: {} } } } } }),
    ).toThrow(/required property 'b'/);
  });
});

describe('the server sends what its OpenAPI document says', () => {
  it('events_ofEveryType_conformToTheirSchemas', async () => {
    const events = await eventsOfEveryKind();

    const types = new Set(events.map((e) => e.type));
    for (const type of ['RUN_START', 'STEP_START', 'TOKEN_DELTA', 'TOOL_CALL', 'TOOL_RESULT', 'STEP_END']) {
      expect(types, `a ${type} event`).toContain(type);
    }
    for (const type of ['RUN_PAUSED', 'RUN_BLOCKED', 'RUN_END', 'ERROR']) {
      expect(types, `a ${type} event`).toContain(type);
    }
    for (const event of events) {
      expect(problems(doc, 'MeshEvent', event), JSON.stringify(event).slice(0, 300)).toEqual([]);
    }
  });

  it('runResult_runDetail_runList_trace_verify_conform', async () => {
    const c = client();
    const result = await c.run({ workflow: 'sdk-approval' });
    expect(result.status).toBe('PAUSED');
    expect(problems(doc, 'RunResult', result)).toEqual([]);
    expect(result.steps.length).toBeGreaterThan(0);

    const [pause] = await c.pauses(result.run_id);
    expect(problems(doc, 'Pause', pause)).toEqual([]);
    const decided = await c.approve(result.run_id, 'checked');
    expect(problems(doc, 'Pause', decided)).toEqual([]);
    await runReaching(c, result.run_id, 'COMPLETED');

    expect(problems(doc, 'RunDetail', await c.getRun(result.run_id))).toEqual([]);
    expect(problems(doc, 'RunList', await c.listRuns({ limit: 3 }))).toEqual([]);
    const trace = await c.getTrace(result.run_id);
    expect(problems(doc, 'Trace', trace)).toEqual([]);
    expect(problems(doc, 'ChainVerification', await c.verify(result.run_id))).toEqual([]);
    expect(problems(doc, 'AuditReport', await c.audit(result.run_id))).toEqual([]);
  });

  it('toolCalls_inRunResultsAndTraces_conform', async () => {
    const c = client();
    const tools = await c.listRuns({ limit: 1000 });
    const toolRun = tools.runs.find((r) => r.workflow_name === 'sdk-tools' && r.status === 'COMPLETED');
    expect(toolRun, 'the completed sdk-tools run of the events test').toBeDefined();

    const trace = await c.getTrace(toolRun!.run_id);

    const calls = trace.steps.flatMap((s) => s.tool_calls);
    expect(calls.map((t) => t.tool_name)).toContain('calculator');
    expect(calls[0]?.result).toBe('42');
    expect(problems(doc, 'Trace', trace)).toEqual([]);
  });

  it('startAndCancelAnswers_andErrorBodies_conform', async () => {
    const c = client();
    const started = await c.start({ workflow: 'sdk-slow' });
    expect(problems(doc, 'RunAccepted', started)).toEqual([]);
    await recorded(c, started.run_id);
    const cancelling = await c.cancel(started.run_id);
    expect(problems(doc, 'RunAccepted', cancelling)).toEqual([]);
    await runReaching(c, started.run_id, 'CANCELLED');

    const response = await fetch(`${server().url}/runs/unknown-run`, {
      headers: { Authorization: `Bearer ${server().keys.user}` },
    });
    expect(response.status).toBe(404);
    expect(problems(doc, 'Error', await response.json())).toEqual([]);
    await expect(c.getRun('unknown-run')).rejects.toBeInstanceOf(ApiError);
  });

  it('problems_catchAFieldTheSchemaLacksAndAMissingOne', () => {
    const event = { type: 'RUN_BLOCKED', seq: 1, run_id: 'r', step_id: null, node_id: null, tenant_id: 't' };
    const found = problems(doc, 'MeshEvent', { ...event, ts: 'x', path: [], reason: 'max_steps', surprise: 1 });

    expect(found).toEqual([
      "MeshEvent<RUN_BLOCKED>: required field 'detail' is missing",
      "MeshEvent<RUN_BLOCKED>: field 'surprise' is not in the schema",
    ]);
    expect(problems(doc, 'MeshEvent', { ...event, type: 'NEW_KIND' })[0]).toContain('is not one of');
  });
});
