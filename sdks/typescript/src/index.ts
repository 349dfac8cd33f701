export { MeshFlowClient } from './client.js';
export {
  ApiError,
  AuthenticationError,
  ConflictError,
  MeshFlowError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  StreamError,
} from './errors.js';
export { lines, ndjsonEvents, sseEvents } from './stream.js';
export type { StreamFormat } from './stream.js';
export type * from './types.js';
