/**
 * Errors from the API server mapped to typed errors a caller can branch on. The server answers
 * failures with a `Status` object (`reason`, `message`, `details.causes`); we keep all of it.
 */
import { isRecord } from './types.ts';

export interface StatusCause {
  field?: string;
  reason?: string;
  message?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Any non-2xx answer of the API server. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status code. */
  readonly code: number;
  /** The `Status.reason`, e.g. `NotFound`, `AlreadyExists`, `Invalid`. */
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}
/** 409: a resourceVersion conflict, an SSA field conflict or AlreadyExists (see `reason`). */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}
export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
}
export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
}
/** 422: the object failed validation; `causes` names each field and what is wrong with it. */
export class InvalidError extends ApiError {
  override name = 'InvalidError';
  get causes(): StatusCause[] {
    return this.details?.causes ?? [];
  }
  /** True when the server refused a change to an immutable field. */
  get immutable(): boolean {
    return (
      this.message.includes('field is immutable') ||
      this.causes.some((c) => (c.message ?? '').includes('field is immutable'))
    );
  }
}
/** 410: the requested resourceVersion is too old (compacted); re-list. */
export class GoneError extends ApiError {
  override name = 'GoneError';
}
/** The kind is not served by the cluster (no CRD, or a wrong apiVersion). */
export class NoKindMatchError extends Error {
  override name = 'NoKindMatchError';
  readonly apiVersion: string;
  readonly kind: string;
  constructor(apiVersion: string, kind: string) {
    super(`no matches for kind "${kind}" in version "${apiVersion}": is its CRD installed?`);
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}

function toCauses(value: unknown): StatusCause[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const causes: StatusCause[] = [];
  for (const item of value) {
    if (!isRecord(item)) continue;
    const cause: StatusCause = {};
    if (typeof item.field === 'string') cause.field = item.field;
    if (typeof item.reason === 'string') cause.reason = item.reason;
    if (typeof item.message === 'string') cause.message = item.message;
    causes.push(cause);
  }
  return causes;
}

function toDetails(value: unknown): StatusDetails | undefined {
  if (!isRecord(value)) return undefined;
  const details: StatusDetails = {};
  if (typeof value.name === 'string') details.name = value.name;
  if (typeof value.group === 'string') details.group = value.group;
  if (typeof value.kind === 'string') details.kind = value.kind;
  if (typeof value.retryAfterSeconds === 'number') details.retryAfterSeconds = value.retryAfterSeconds;
  const causes = toCauses(value.causes);
  if (causes) details.causes = causes;
  return details;
}

const defaultReason: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Builds the typed error for an HTTP status and the body the server sent (a `Status`, or text). */
export function errorFromStatus(code: number, body: unknown, context?: string): ApiError {
  const status = isRecord(body) ? body : {};
  const reason =
    typeof status.reason === 'string' && status.reason ? status.reason : (defaultReason[code] ?? 'Unknown');
  let message =
    typeof status.message === 'string' && status.message
      ? status.message
      : typeof body === 'string' && body
        ? body.slice(0, 500)
        : `HTTP ${code}`;
  if (context) message = `${context}: ${message}`;
  const details = toDetails(status.details);
  switch (code) {
    case 401:
      return new UnauthorizedError(code, reason, message, details);
    case 403:
      return new ForbiddenError(code, reason, message, details);
    case 404:
      return new NotFoundError(code, reason, message, details);
    case 409:
      return new ConflictError(code, reason, message, details);
    case 410:
      return new GoneError(code, reason, message, details);
    case 422:
      return new InvalidError(code, reason, message, details);
    default:
      return new ApiError(code, reason, message, details);
  }
}

export const isNotFound = (err: unknown): err is NotFoundError => err instanceof NotFoundError;
export const isConflict = (err: unknown): err is ConflictError => err instanceof ConflictError;
export const isForbidden = (err: unknown): err is ForbiddenError => err instanceof ForbiddenError;
export const isInvalid = (err: unknown): err is InvalidError => err instanceof InvalidError;
export const isGone = (err: unknown): err is GoneError => err instanceof GoneError;
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof ConflictError && err.reason === 'AlreadyExists';
