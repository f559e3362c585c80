/**
 * Typed errors of the web layer. The service and the token admin throw these; the API's error handler maps them to
 * `{ error: { code, message } }` with the status below. Out-of-scope tenants are never `forbidden`: the service
 * returns null for them (404), so a scoped principal cannot learn which other tenants exist.
 */
export type WebErrorCode = 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'invalid_request' | 'unavailable';

const STATUS: Record<WebErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_request: 400,
  unavailable: 503,
};

export class WebError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: WebErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebError';
    this.statusCode = STATUS[code];
  }
}

/** The principal's role is below what the action needs (mapped to 403). */
export class ForbiddenError extends WebError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export function isWebError(e: unknown): e is WebError {
  return e instanceof WebError;
}
