// Generated from the MeshFlow server's OpenAPI document (GET /openapi.json) by scripts/generate-types.mjs.
// Do not edit: change meshflow-server/src/main/resources/io/meshflow/server/openapi.json, then `npm run generate`.
/* eslint-disable */

export interface AuditReport {
  tenant_id?: string;
  run_id?: string;
  chain?: ChainVerification;
  signatures?: Array<{
    step_id?: string;
    seq?: number;
    agent_id?: string | null;
    signer?: string | null;
    status?: "VALID" | "UNSIGNED" | "INVALID" | "UNKNOWN_SIGNER" | "REVOKED_SIGNER";
    detail?: string;
  }>;
  findings?: Array<{
    step_id?: string | null;
    check?: string;
    rule?: string;
    severity?: string;
    evidence?: string;
    created_at?: string;
    /** tokens of a model call the finding reports that belongs to no step (a memory consolidation), else 0 */
    tokens_used?: number;
    /** what that call cost, else 0; counted in the tenant's daily spend */
    cost_usd?: number;
  }>;
}

export interface ChainVerification {
  tenant_id: string;
  run_id: string;
  valid: boolean;
  records_checked: number;
  step_id: string | null;
  seq: number;
  problem: string | null;
  detail: string;
}

export interface Decision {
  /** required when the run waits on several pauses */
  pause_id?: string;
  /** who decides; default: the API key, by the start of its SHA-256 */
  reviewer_id?: string;
  notes?: string;
}

/** What an erasure removed or anonymised, when and at whose request; never content */
export interface ErasureReceipt {
  receipt_id?: string;
  tenant_id?: string;
  action?: "DELETE_RUN" | "ANONYMIZE_RUN" | "DELETE_TENANT";
  run_id?: string | null;
  requested_by?: string;
  reason?: string | null;
  created_at?: string;
  runs?: number;
  step_records?: number;
  checkpoints?: number;
  /** agent memories the erased run or tenant left in the ledger, erased with it */
  memories?: number;
}

export interface Error {
  /** stable machine-readable code, e.g. unauthorized, not_found, invalid_json, unknown_field, body_too_large, too_many_runs */
  error: string;
  message: string;
  request_id: string;
}

/** something failed: a step threw, a loop hit its cap, a provider call failed */
export interface ErrorEvent extends MeshEventBase {
  type: "ERROR";
  error_type: string;
  message: string;
}

/** memories were put into an agent's prompt */
export interface MemoryRecalledEvent extends MeshEventBase {
  type: "MEMORY_RECALLED";
  agent_id: string;
  scope: string;
  query: string;
  memories: Array<{
    id: string;
    text: string;
    score: number;
  }>;
}

/** one event of a run (a line of NDJSON, the data of an SSE event), told apart by type */
export type MeshEvent =
  | RunStartEvent
  | StepStartEvent
  | TokenDeltaEvent
  | ToolCallEvent
  | ToolResultEvent
  | StepEndEvent
  | RunPausedEvent
  | RunBlockedEvent
  | RunEndEvent
  | ErrorEvent
  | MemoryRecalledEvent;

/** the fields every event has; run-level events (RUN_*) have a null step_id and node_id and an empty path */
export interface MeshEventBase {
  type: "RUN_START" | "STEP_START" | "TOKEN_DELTA" | "TOOL_CALL" | "TOOL_RESULT" | "STEP_END" | "RUN_PAUSED" | "RUN_BLOCKED" | "RUN_END" | "ERROR" | "MEMORY_RECALLED";
  seq: number;
  run_id: string;
  step_id: string | null;
  node_id: string | null;
  tenant_id: string;
  ts: string;
  path: string[];
}

/** A request for a human decision inside a run; decided once, by a reviewer or by its timeout rule */
export interface Pause {
  pause_id: string;
  run_id: string;
  tenant_id: string;
  node_id: string;
  kind: "before_node" | "after_step" | "tool";
  reason: string;
  status: "OPEN" | "APPROVED" | "REJECTED";
  approvers: string[];
  level: number;
  on_timeout: "approve" | "reject" | "escalate";
  created_at: string;
  expires_at: string | null;
  /** what the approver sees: node, reason, detail, and the output or tool call */
  context: Record<string, unknown>;
  reviewer_id: string | null;
  review_notes: string | null;
  review_timestamp: string | null;
  /** in answers to approve/reject only */
  run_status?: "RESUMING" | "DECIDED";
}

/** limits overriding the workflow's policy; user keys may only tighten it */
export interface PolicyConfig {
  mode?: "dev" | "standard" | "strict" | "hipaa";
  max_steps?: number;
  max_tokens?: number;
  max_cost_usd?: number;
  step_timeout_ms?: number;
  run_timeout_ms?: number;
}

/** A run's row in the durable run queue shared by the server replicas */
export interface QueueEntry {
  state: "QUEUED" | "CLAIMED" | "DONE";
  /** the replica that claimed it last */
  owner: string | null;
  /** how many times it was claimed (above 1: taken over or resumed) */
  attempts: number;
  lease_until: string | null;
  /** the run's status when its owner marked it done */
  outcome: string | null;
}

/** the answer to starting (202), cancelling or resuming a run */
export interface RunAccepted {
  run_id: string;
  status: "RUNNING" | "CANCELLING" | "RESUMING";
  /** in answers to POST /runs only */
  tenant_id?: string;
}

/** a check blocked the run */
export interface RunBlockedEvent extends MeshEventBase {
  type: "RUN_BLOCKED";
  reason: string;
  detail: string;
}

/** GET /runs/{id}: the run record, whether it is executing on the replica that answered, and its place in the run queue (absent for runs started outside the server) */
export interface RunDetail extends RunRecord {
  live: boolean;
  queue?: QueueEntry;
}

/** the run ended; always the last event */
export interface RunEndEvent extends MeshEventBase {
  type: "RUN_END";
  status: "RUNNING" | "COMPLETED" | "BLOCKED" | "FAILED" | "PAUSED" | "CANCELLED" | "REJECTED";
  output: string | null;
  steps: number;
  tokens_used: number;
  cost_usd: number;
  duration_ms: number;
  error: string | null;
}

export interface RunList {
  runs: RunRecord[];
  limit: number;
  offset: number;
  /** the offset of the next page, or null on the last */
  next_offset: number | null;
}

/** the run waits for human decisions on the open pause_ids */
export interface RunPausedEvent extends MeshEventBase {
  type: "RUN_PAUSED";
  reason: string;
  detail: string;
  pause_ids: string[];
}

export interface RunRecord {
  run_id: string;
  tenant_id: string;
  workflow_name: string;
  task: string;
  /** QUEUED only in GET /runs/{id}, for a run accepted but not started yet (started_at is then when it was accepted) */
  status: "QUEUED" | "RUNNING" | "COMPLETED" | "BLOCKED" | "FAILED" | "PAUSED" | "CANCELLED" | "REJECTED";
  started_at: string;
  ended_at: string | null;
  steps: number;
  tokens_used: number;
  cost_usd: number;
  output: string | null;
  error: string | null;
  /** the OpenTelemetry trace id of the run's span, when tracing is on */
  trace_id: string | null;
}

export interface RunResult {
  run_id: string;
  tenant_id: string;
  workflow: string;
  status: "RUNNING" | "COMPLETED" | "BLOCKED" | "FAILED" | "PAUSED" | "CANCELLED" | "REJECTED";
  output: string | null;
  steps: StepRecord[];
  tokens_used: number;
  cost_usd: number;
  duration_ms: number;
  /** passes through each loop, keyed from->to */
  loop_iterations: Record<string, number>;
  block_reason: string | null;
  error: string | null;
}

export interface RunStart {
  /** name of a served workflow */
  workflow?: string;
  /** inline workflow definition in YAML or JSON (admin keys only) */
  definition?: string;
  /** the task; optional when the workflow has a default task */
  task?: string;
  /** POST /stream: keep the run going when the client disconnects */
  detach?: boolean;
  policy?: PolicyConfig;
}

/** the run started */
export interface RunStartEvent extends MeshEventBase {
  type: "RUN_START";
  workflow: string;
  task: string;
}

/** a step ended with a verdict */
export interface StepEndEvent extends MeshEventBase {
  type: "STEP_END";
  agent_id: string | null;
  verdict: "COMMIT" | "BLOCKED" | "ESCALATE";
  /** empty for a commit */
  block_reason: string;
  verdict_detail: string;
  output: string;
  output_truncated: boolean;
  tokens_used: number;
  cost_usd: number;
  duration_ms: number;
  uncertainty: number;
  uncertainty_source: string;
}

/** one step as the ledger keeps it (the steps of a RunResult) */
export interface StepRecord {
  run_id: string;
  step_id: string;
  seq: number;
  tenant_id: string;
  node_id: string;
  agent_id: string | null;
  input_task: string;
  output_content: string;
  output_truncated: boolean;
  /** the verdict's reason and detail; an empty object for a commit (its name is the trace step's verdict) */
  verdict: {
    reason?: string;
    detail?: string;
  };
  uncertainty: number;
  uncertainty_source: string;
  tokens_used: number;
  cost_usd: number;
  duration_ms: number;
  started_at: string;
  ended_at: string;
  tool_calls: ToolCallRecord[];
}

/** a step started */
export interface StepStartEvent extends MeshEventBase {
  type: "STEP_START";
  agent_id: string | null;
  node_type: string;
  input: string;
  iteration: number;
}

/** a piece of a model's reply, as it was generated */
export interface TokenDeltaEvent extends MeshEventBase {
  type: "TOKEN_DELTA";
  agent_id: string;
  text: string;
}

/** a model asked for a tool call */
export interface ToolCallEvent extends MeshEventBase {
  type: "TOOL_CALL";
  agent_id: string;
  tool_call_id: string;
  tool_name: string;
  /** the arguments, as JSON */
  arguments: unknown;
}

export interface ToolCallRecord {
  call_id: string;
  tool_name: string;
  /** the arguments as JSON text */
  arguments: string;
  result: string;
  error: boolean;
  duration_ms: number;
}

/** a tool call returned */
export interface ToolResultEvent extends MeshEventBase {
  type: "TOOL_RESULT";
  agent_id: string;
  tool_call_id: string;
  tool_name: string;
  content: string;
  is_error: boolean;
  duration_ms: number;
}

/** a run as the ledger recorded it; the same JSON as meshflow trace --export */
export interface Trace {
  run: RunRecord;
  steps: TraceStep[];
}

export interface TraceStep {
  seq: number;
  step_id: string;
  node_id: string;
  agent_id: string | null;
  input: string;
  /** the whole output, decompressed */
  output: string;
  output_truncated: boolean;
  verdict: "COMMIT" | "BLOCKED" | "ESCALATE";
  blocked: boolean;
  block_reason: string | null;
  verdict_detail: string | null;
  uncertainty: number;
  uncertainty_source: string;
  tokens_used: number;
  cost_usd: number;
  duration_ms: number;
  started_at: string;
  ended_at: string;
  tool_calls: ToolCallRecord[];
}
