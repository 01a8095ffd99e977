import type { ErrorBody } from '../../protocol/wire.ts';

/**
 * An error the server answered (an HTTP error body or a WS `error` frame): callers match on
 * `code` (e.g. RATE_LIMITED, INVALID_MESSAGE), people read `message`.
 */
export class ServerError extends Error {
  /** The server's stable code, or HTTP_<status> when the body was not the JSON error shape. */
  readonly code: string;
  /** The HTTP status; absent for a WS error frame. */
  readonly status?: number;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'ServerError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** Builds the ServerError of a non-2xx answer from its body text, whatever that text is. */
export function httpError(status: number, text: string): ServerError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isErrorBody(parsed)) return new ServerError(parsed.error.code, parsed.error.message, status);
  } catch {
    // Not JSON (a proxy's HTML page): fall through to the status alone.
  }
  return new ServerError(`HTTP_${status}`, `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, status);
}

function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const e = x.error;
  return (
    typeof e === 'object' &&
    e !== null &&
    'code' in e &&
    typeof e.code === 'string' &&
    'message' in e &&
    typeof e.message === 'string'
  );
}

/** Any thrown value as an Error, so handlers always receive one. */
export function asError(x: unknown): Error {
  return x instanceof Error ? x : new Error(String(x));
}
