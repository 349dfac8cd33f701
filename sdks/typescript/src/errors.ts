import type { Error as ErrorBody } from './generated/openapi.js';

/** The root of every error the SDK throws (besides the AbortSignal's own reason when a call is aborted). */
export class MeshFlowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The server answered with an error status. `code` is the server's stable machine-readable code (`not_found`,
 * `unauthorized`, `too_many_runs`, ...), `message` its sentence for people, `requestId` the id in its access log.
 */
export class ApiError extends MeshFlowError {
  /** The HTTP status. */
  readonly status: number;
  /** The server's error code, e.g. `not_found`; `http_<status>` when the body was not MeshFlow's error JSON. */
  readonly code: string;
  /** The request's id (the `X-Request-Id` header), or null when the server sent none. */
  readonly requestId: string | null;
  /** The method and path that failed, e.g. `GET /runs/abc`. */
  readonly request: string;
  /** The server's message, without the method, path and status this error's `message` adds. */
  readonly serverMessage: string;

  constructor(status: number, code: string, message: string, requestId: string | null, request: string) {
    super(`${request} failed with ${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.request = request;
    this.serverMessage = message;
  }
}

/** 401: the API key is missing or not valid. */
export class AuthenticationError extends ApiError {}

/** 403: the key lacks the role (an admin-only action) or may not act in the tenant, or a policy is too loose. */
export class PermissionDeniedError extends ApiError {}

/** 404: no such run, pause, step or workflow in the key's tenant (another tenant's ids also answer 404). */
export class NotFoundError extends ApiError {}

/** 409: the run is not in a state for this (not running, not paused, already decided, ...). */
export class ConflictError extends ApiError {}

/** 429: the tenant has as many runs running as it may; retry after `retryAfterSeconds`. */
export class RateLimitError extends ApiError {
  /** The server's `Retry-After`, in seconds, or null when it sent none. */
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId: string | null,
    request: string,
    retryAfterSeconds: number | null,
  ) {
    super(status, code, message, requestId, request);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A stream of events broke off or carried something that is not an event. */
export class StreamError extends MeshFlowError {}

/** Reads a failed response's error JSON and returns the error of its status. */
export async function errorFrom(response: Response, request: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let code = `http_${response.status}`;
  let message = text.trim() || response.statusText || 'no message';
  let requestId = response.headers.get('X-Request-Id');
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.request_id === 'string') requestId = body.request_id;
  } catch {
    // not MeshFlow's error JSON (a proxy's page, say): keep the text as the message
  }
  const args = [response.status, code, message, requestId, request] as const;
  switch (response.status) {
    case 401:
      return new AuthenticationError(...args);
    case 403:
      return new PermissionDeniedError(...args);
    case 404:
      return new NotFoundError(...args);
    case 409:
      return new ConflictError(...args);
    case 429:
      return new RateLimitError(...args, retryAfter(response.headers.get('Retry-After')));
    default:
      return new ApiError(...args);
  }
}

/** Retry-After as seconds: a number of seconds, or an HTTP date. */
function retryAfter(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
