/** One error type for everything the API may answer with; the handler maps `code` to HTTP. */
export type ErrorCode =
  | 'validation' // 422, with field errors
  | 'bad_request' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'payload_too_large' // 413
  | 'too_many_requests' // 429
  | 'internal'; // 500

export interface FieldError {
  /** JSON pointer into the request body or the row, e.g. `/strategy/maxRingSec`. */
  path: string;
  message: string;
}

const statusOf: Record<ErrorCode, number> = {
  validation: 422,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
  get status(): number {
    return statusOf[this.code];
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('not_found', `${what} '${id}' not found`);

export const invalid = (errors: FieldError[], message = 'Validation failed'): AppError =>
  new AppError('validation', message, { errors });

export const conflict = (message: string, extra?: Record<string, unknown>): AppError =>
  new AppError('conflict', message, extra ? { extra } : {});
