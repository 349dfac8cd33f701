// The server's JSON shapes come from src/generated/openapi.ts, generated from its OpenAPI document; this file only
// adds the SDK's own option types.
import type { MeshEvent, PolicyConfig, RunRecord } from './generated/openapi.js';

export type {
  AuditReport,
  ChainVerification,
  Decision,
  Error as ErrorBody,
  ErrorEvent,
  MemoryRecalledEvent,
  MeshEvent,
  MeshEventBase,
  Pause,
  PolicyConfig,
  RunAccepted,
  RunBlockedEvent,
  RunDetail,
  RunEndEvent,
  RunList,
  RunPausedEvent,
  RunRecord,
  RunResult,
  RunStart,
  RunStartEvent,
  StepEndEvent,
  StepRecord,
  StepStartEvent,
  TokenDeltaEvent,
  ToolCallEvent,
  ToolCallRecord,
  ToolResultEvent,
  Trace,
  TraceStep,
} from './generated/openapi.js';

/** The `type` of an event: `RUN_START`, `TOKEN_DELTA`, `RUN_END`, ... */
export type MeshEventType = MeshEvent['type'];

/** The event of one type, e.g. `EventOf<'TOKEN_DELTA'>` is a `TokenDeltaEvent`. */
export type EventOf<T extends MeshEventType> = Extract<MeshEvent, { type: T }>;

/** Where a run ends up: `RUNNING` while it runs, then `COMPLETED`, `BLOCKED`, `FAILED`, `PAUSED`, ... */
export type RunStatus = RunRecord['status'];

/**
 * What to run: a task for the server's default one-agent assistant (a string), or a served workflow by name, or an
 * inline definition (admin keys only), each with an optional task (a workflow file may have a default one).
 */
export type RunInput =
  | string
  | { workflow: string; task?: string; definition?: never }
  | { definition: string; task?: string; workflow?: never }
  | { task: string; workflow?: never; definition?: never };

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call; a stream being read stops with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link MeshFlowClient.run}, {@link MeshFlowClient.start} and {@link MeshFlowClient.stream}. */
export interface RunOptions extends CallOptions {
  /** Limits overriding the workflow's policy; a user key may only tighten them (else 403 `policy_not_allowed`). */
  policy?: PolicyConfig;
}

/** Options of {@link MeshFlowClient.stream}. */
export interface StreamOptions extends RunOptions {
  /** `ndjson` (default) or `sse` (Server-Sent Events); the events are the same. */
  format?: 'ndjson' | 'sse';
  /**
   * Keep the run going when the stream is closed early (a `break`, an abort). Without it the server cancels the run
   * when its client goes away.
   */
  detach?: boolean;
}

/** Options of {@link MeshFlowClient.events}. */
export interface EventsOptions extends CallOptions {
  /** Only the events after this `seq` (to pick up where a broken stream left off). */
  lastEventId?: number;
}

/** The filters and page of {@link MeshFlowClient.listRuns}. */
export interface ListRunsQuery extends CallOptions {
  /** Only runs with this status. */
  status?: RunStatus | Lowercase<RunStatus>;
  /** Only runs started at or after this instant. */
  startedFrom?: Date | string;
  /** Only runs started before this instant. */
  startedBefore?: Date | string;
  /** Page size, 1-1000 (server default 50). */
  limit?: number;
  /** Runs to skip (server default 0). */
  offset?: number;
}

/** A human decision on a paused run. */
export interface DecisionOptions extends CallOptions {
  /** Why; recorded with the decision in the run's hash-chained ledger. */
  notes?: string;
  /** The pause decided; needed only when the run waits on several. */
  pauseId?: string;
  /** Who decides; the server's default is the API key (by the start of its SHA-256). */
  reviewerId?: string;
}

/** How the client is set up besides its URL and key. */
export interface ClientOptions {
  /** Act in this tenant (`X-Tenant-ID`): a user key may name only its own, an admin key any. */
  tenant?: string;
  /** The fetch to use (default: the global one), e.g. to add a proxy agent or for tests. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}
