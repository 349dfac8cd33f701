import { errorFrom, MeshFlowError } from './errors.js';
import type {
  AuditReport,
  ChainVerification,
  MeshEvent,
  Pause,
  RunAccepted,
  RunDetail,
  RunList,
  RunResult,
  RunStart,
  Trace,
} from './generated/openapi.js';
import { ndjsonEvents, sseEvents } from './stream.js';
import type {
  CallOptions,
  ClientOptions,
  DecisionOptions,
  EventsOptions,
  ListRunsQuery,
  RunInput,
  RunOptions,
  StreamOptions,
} from './types.js';

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * A client of a MeshFlow server (`meshflow serve`): start runs and wait for them or stream their events token by
 * token, read runs and traces, verify a run's hash chain, approve or reject paused runs, cancel live ones.
 *
 * Every method throws an {@link ApiError} subclass when the server refuses (401 {@link AuthenticationError}, 403
 * {@link PermissionDeniedError}, 404 {@link NotFoundError}, 409 {@link ConflictError}, 429 {@link RateLimitError})
 * and takes an `AbortSignal`.
 *
 * ```ts
 * const client = new MeshFlowClient('http://127.0.0.1:8080', process.env.MESHFLOW_API_KEY!);
 * for await (const event of client.stream('Summarise the report')) {
 *   if (event.type === 'TOKEN_DELTA') process.stdout.write(event.text);
 * }
 * ```
 */
export class MeshFlowClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #options: ClientOptions;
  readonly #fetch: typeof fetch;

  /**
   * @param baseUrl the server, e.g. `http://127.0.0.1:8080` (a path prefix is kept)
   * @param apiKey an API key the server accepts; sent as `Authorization: Bearer <key>`
   * @param options a tenant to act in, a fetch, extra headers
   */
  constructor(baseUrl: string, apiKey: string, options: ClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch (e) {
      throw new MeshFlowError(`baseUrl must be an absolute http(s) URL, got '${baseUrl}'`, { cause: e });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MeshFlowError(`baseUrl must be an http or https URL, got '${baseUrl}'`);
    }
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new MeshFlowError('an API key is required');
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.#apiKey = apiKey.trim();
    this.#options = options;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') {
      throw new MeshFlowError('no fetch: pass options.fetch, or use Node 18+ or a browser');
    }
    this.#fetch = f;
  }

  /** Runs a task or workflow to its end (`POST /runs?wait=true`) and returns how it ended; a paused run is `PAUSED`. */
  async run(input: RunInput, options: RunOptions = {}): Promise<RunResult> {
    return this.#json<RunResult>({
      method: 'POST',
      path: '/runs',
      query: { wait: true },
      body: runStart(input, options),
      signal: options.signal,
    });
  }

  /** Starts a run without waiting for it (`POST /runs`): its id and status `RUNNING`. */
  async start(input: RunInput, options: RunOptions = {}): Promise<RunAccepted> {
    return this.#json<RunAccepted>({
      method: 'POST',
      path: '/runs',
      body: runStart(input, options),
      signal: options.signal,
    });
  }

  /**
   * Starts a run and gives its events as they happen (`POST /stream`), parsed incrementally: `RUN_START` first,
   * `TOKEN_DELTA` events as the model produces tokens, `RUN_END` last. The request is sent when iteration starts.
   * Leaving the loop early (or aborting) closes the connection, which cancels the run unless `detach` is set.
   */
  async *stream(input: RunInput, options: StreamOptions = {}): AsyncGenerator<MeshEvent, void, undefined> {
    const sse = options.format === 'sse';
    const body: RunStart = runStart(input, options);
    if (options.detach !== undefined) body.detach = options.detach;
    const response = await this.#send({
      method: 'POST',
      path: '/stream',
      body,
      accept: sse ? 'text/event-stream' : 'application/x-ndjson',
      signal: options.signal,
    });
    yield* this.#events(response, sse ? 'sse' : 'ndjson', options.signal);
  }

  /**
   * Follows a live (or just finished) run's events from the start, or after `lastEventId` (`GET /runs/{id}/events`);
   * a run that is not live on this server gets a {@link ConflictError} (`not_live`): read its trace instead.
   */
  async *events(runId: string, options: EventsOptions = {}): AsyncGenerator<MeshEvent, void, undefined> {
    const headers: Record<string, string> = {};
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = String(options.lastEventId);
    const response = await this.#send({
      method: 'GET',
      path: `/runs/${id(runId)}/events`,
      accept: 'text/event-stream',
      headers,
      signal: options.signal,
    });
    yield* this.#events(response, 'sse', options.signal);
  }

  /** One run's record (`GET /runs/{id}`) and whether it is live on this server. */
  async getRun(runId: string, options: CallOptions = {}): Promise<RunDetail> {
    return this.#json<RunDetail>({ method: 'GET', path: `/runs/${id(runId)}`, signal: options.signal });
  }

  /** The tenant's runs, newest first, a page at a time (`GET /runs`); `next_offset` is null on the last page. */
  async listRuns(query: ListRunsQuery = {}): Promise<RunList> {
    return this.#json<RunList>({
      method: 'GET',
      path: '/runs',
      query: {
        status: query.status?.toLowerCase(),
        started_from: instant(query.startedFrom),
        started_before: instant(query.startedBefore),
        limit: query.limit,
        offset: query.offset,
      },
      signal: query.signal,
    });
  }

  /** Every step of a run as the ledger recorded it, with whole outputs and tool calls (`GET /traces/{runId}`). */
  async getTrace(runId: string, options: CallOptions = {}): Promise<Trace> {
    return this.#json<Trace>({ method: 'GET', path: `/traces/${id(runId)}`, signal: options.signal });
  }

  /** Checks the run's hash chain in the ledger (`GET /runs/{id}/verify`): `valid`, or the `problem` found. */
  async verify(runId: string, options: CallOptions = {}): Promise<ChainVerification> {
    return this.#json<ChainVerification>({ method: 'GET', path: `/runs/${id(runId)}/verify`, signal: options.signal });
  }

  /** The run's audit report (`GET /runs/{id}/audit`): chain, each step's signature check, governance findings. */
  async audit(runId: string, options: CallOptions = {}): Promise<AuditReport> {
    return this.#json<AuditReport>({ method: 'GET', path: `/runs/${id(runId)}/audit`, signal: options.signal });
  }

  /** The tenant's open pauses, oldest first (`GET /pending`). */
  async pending(options: CallOptions = {}): Promise<Pause[]> {
    const body = await this.#json<{ pauses: Pause[] }>({ method: 'GET', path: '/pending', signal: options.signal });
    return body.pauses;
  }

  /** Every pause of a run, decided or not (`GET /runs/{id}/pauses`). */
  async pauses(runId: string, options: CallOptions = {}): Promise<Pause[]> {
    const body = await this.#json<{ pauses: Pause[] }>({
      method: 'GET',
      path: `/runs/${id(runId)}/pauses`,
      signal: options.signal,
    });
    return body.pauses;
  }

  /**
   * Approves the pause a run waits on (`POST /runs/{id}/approve`); the run resumes (`run_status` `RESUMING`, or
   * `DECIDED` when a watcher resumes it). `notes` is recorded with the decision; name `pauseId` when the run waits
   * on several pauses. Deciding twice is a {@link ConflictError}.
   */
  async approve(runId: string, notes?: string | DecisionOptions): Promise<Pause> {
    return this.#decide(runId, 'approve', notes);
  }

  /** Rejects the pause a run waits on (`POST /runs/{id}/reject`); the run ends `REJECTED`. */
  async reject(runId: string, notes?: string | DecisionOptions): Promise<Pause> {
    return this.#decide(runId, 'reject', notes);
  }

  /** {@link approve} by its human-in-the-loop name. */
  async approveHITL(runId: string, notes?: string | DecisionOptions): Promise<Pause> {
    return this.approve(runId, notes);
  }

  /** {@link reject} by its human-in-the-loop name. */
  async rejectHITL(runId: string, notes?: string | DecisionOptions): Promise<Pause> {
    return this.reject(runId, notes);
  }

  /** Cancels a live run (`POST /runs/{id}/cancel`); it ends `CANCELLED`. A run not running is a {@link ConflictError}. */
  async cancel(runId: string, options: CallOptions = {}): Promise<RunAccepted> {
    return this.#json<RunAccepted>({ method: 'POST', path: `/runs/${id(runId)}/cancel`, signal: options.signal });
  }

  /** Resumes an interrupted or paused run of a served workflow from its last checkpoint (`POST /runs/{id}/resume`). */
  async resume(runId: string, options: CallOptions = {}): Promise<RunAccepted> {
    return this.#json<RunAccepted>({ method: 'POST', path: `/runs/${id(runId)}/resume`, signal: options.signal });
  }

  /** The server's status (`GET /health`, no key needed): version, uptime, ledger, providers, workflows, live runs. */
  async health(options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.#json<Record<string, unknown>>({ method: 'GET', path: '/health', signal: options.signal });
  }

  async #decide(runId: string, decision: 'approve' | 'reject', notes?: string | DecisionOptions): Promise<Pause> {
    const o: DecisionOptions = typeof notes === 'string' ? { notes } : (notes ?? {});
    const body: Record<string, string> = {};
    if (o.pauseId !== undefined) body.pause_id = o.pauseId;
    if (o.reviewerId !== undefined) body.reviewer_id = o.reviewerId;
    if (o.notes !== undefined) body.notes = o.notes;
    return this.#json<Pause>({ method: 'POST', path: `/runs/${id(runId)}/${decision}`, body, signal: o.signal });
  }

  async *#events(
    response: Response,
    format: 'ndjson' | 'sse',
    signal: AbortSignal | undefined,
  ): AsyncGenerator<MeshEvent, void, undefined> {
    if (response.body === null) {
      throw new MeshFlowError('the server sent an event stream without a body');
    }
    try {
      yield* format === 'sse' ? sseEvents(response.body) : ndjsonEvents(response.body);
    } catch (e) {
      // an abort surfaces as the signal's reason, whatever the fetch implementation wrapped it in
      if (signal?.aborted) throw signal.reason;
      throw e;
    }
  }

  async #json<T>(spec: RequestSpec): Promise<T> {
    const response = await this.#send({ ...spec, accept: 'application/json' });
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new MeshFlowError(`${spec.method} ${spec.path}: the server answered ${response.status} with no JSON`, {
        cause: e,
      });
    }
  }

  async #send(spec: RequestSpec): Promise<Response> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      ...this.#options.headers,
      ...spec.headers,
      Authorization: `Bearer ${this.#apiKey}`,
      Accept: spec.accept ?? 'application/json',
    };
    if (this.#options.tenant !== undefined) headers['X-Tenant-ID'] = this.#options.tenant;
    const init: RequestInit = { method: spec.method, headers };
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(spec.body);
    }
    if (spec.signal) init.signal = spec.signal;
    const response = await this.#fetch(url, init);
    if (!response.ok) {
      throw await errorFrom(response, `${spec.method} ${spec.path}`);
    }
    return response;
  }
}

function runStart(input: RunInput, options: RunOptions): RunStart {
  const body: RunStart =
    typeof input === 'string'
      ? { task: input }
      : Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  if (typeof input !== 'string' && input.workflow === undefined && input.definition === undefined && !input.task) {
    throw new MeshFlowError('give a task, a workflow or a definition to run');
  }
  if (options.policy !== undefined) body.policy = options.policy;
  return body;
}

function id(value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new MeshFlowError('a run id is required');
  }
  return encodeURIComponent(value);
}

function instant(value: Date | string | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value;
}
