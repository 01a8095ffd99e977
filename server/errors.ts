/**
 * Every error the server can answer, with a stable code and status, in one table. Clients and
 * tests match on `code`; messages are for people and may be refined.
 */
export const ERRORS = {
  BAD_CURSOR: { status: 400, message: 'after must be a non-negative integer' },
  BAD_EPOCH: { status: 400, message: 'epoch must be 1-32 characters of [A-Za-z0-9_-]' },
  BAD_LIMIT: { status: 400, message: 'limit must be an integer from 1 to the server maximum' },
  BAD_TIMEOUT: { status: 400, message: 'timeout must be an integer number of ms from 0 to 60000' },
  BAD_QUERY: { status: 400, message: 'unknown or repeated query parameter' },
  /** `sources` is not a comma list of known sources without repeats. */
  BAD_SOURCES: { status: 400, message: 'sources must be a comma list of ticker, log, chat, bench, each once' },
  /** Node's HTTP parser refused the request (malformed start line, header, or framing). */
  BAD_REQUEST: { status: 400, message: 'malformed HTTP request' },
  /** Not JSON, not UTF-8, or nested deeper than the limit. */
  INVALID_JSON: { status: 400, message: 'the body is not valid JSON' },
  INVALID_MESSAGE: { status: 400, message: 'the message does not match the schema' },
  /** PUT /api/settings: a value out of range or an unknown field; nothing is changed. */
  INVALID_SETTINGS: { status: 400, message: 'the settings do not match the schema' },
  /** POST /api/burst: count must be an integer from 1 to 1000. */
  INVALID_BURST: { status: 400, message: 'count must be an integer from 1 to 1000' },
  UNAUTHORIZED: { status: 401, message: 'a valid token is required (Authorization: Bearer <token>)' },
  FORBIDDEN_ORIGIN: { status: 403, message: 'this Origin is not allowed' },
  /** The request names a Host this server does not answer to (DNS rebinding). */
  UNKNOWN_HOST: { status: 421, message: 'this server does not answer to that Host' },
  /** A request head not completed within REQUEST_HEAD_TIMEOUT_MS. */
  REQUEST_TIMEOUT: { status: 408, message: 'the request head took too long' },
  NOT_FOUND: { status: 404, message: 'no such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed on this route' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the body is larger than the limit' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'the body must be application/json (a publish may also be application/octet-stream)',
  },
  RATE_LIMITED: { status: 429, message: 'too many requests; slow down' },
  /** POST /api/burst while another burst is still being published. */
  BURST_IN_PROGRESS: { status: 429, message: 'a burst is already being published; retry when it is done' },
  HEADERS_TOO_LARGE: { status: 431, message: 'request headers are too large or too many' },
  INTERNAL: { status: 500, message: 'internal error' },
  SHUTTING_DOWN: { status: 503, message: 'the server is shutting down' },
  /** `GET /` before the dashboard was built (`npm start` builds it). */
  PAGE_NOT_BUILT: {
    status: 503,
    message: 'the dashboard is not built yet: run npm run build:page (npm start does it)',
  },
  TOO_MANY_CONNECTIONS: { status: 503, message: 'too many open connections; retry later' },
  /**
   * The feed's store (Redis, with REDIS_URL) did not answer within its timeout: nothing was
   * read, and a publish may or may not have been stored (publish again with the same `id`).
   */
  FEED_UNAVAILABLE: { status: 503, message: 'the message store is unavailable; retry later' },
  /** WebSocket only: a frame that is not a JSON object of a known type. */
  BAD_FRAME: { status: 400, message: 'frames must be JSON objects with a known "type"' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error whose code, status and message are safe to show the client (Koa's `expose`). Thrown
 * anywhere in a request; the one error middleware turns it into `{ error: { code, message } }`.
 */
export class PushraceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose = true;
  /** Extra response headers, e.g. `Retry-After` on 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? ERRORS[code].message);
    this.name = 'PushraceError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = headers;
  }
}

/** Maps a bare HTTP status (from Koa or the router) to the closest stable code. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN_ORIGIN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'SHUTTING_DOWN';
    default:
      return status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
  }
}
