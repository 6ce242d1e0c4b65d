/**
 * The one JSON error shape of every 4xx and 5xx answer, `{ error: { code, message, field? } }`, and the one place
 * where error codes map to HTTP statuses. Nothing here puts a stack trace or an internal message in a response.
 */
import type { CommandRefusal, StoreErrorCode } from '@hazmon/agent';
import { HazmonError, isHazmonError, messageOf } from '@hazmon/errors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';

export type ApiErrorCode =
  | 'HAZMON_API_INVALID'
  | 'HAZMON_API_UNAUTHENTICATED'
  | 'HAZMON_API_FORBIDDEN'
  | 'HAZMON_API_CSRF'
  | 'HAZMON_API_NOT_FOUND'
  | 'HAZMON_API_REFUSED'
  | 'HAZMON_API_TOO_LARGE'
  | 'HAZMON_API_THROTTLED'
  | 'HAZMON_API_BUSY'
  | 'HAZMON_API_INTERNAL';

/** The status of each code: the only table that turns an error into an HTTP status. */
const STATUS_OF: Readonly<Record<ApiErrorCode, ContentfulStatusCode>> = {
  HAZMON_API_INVALID: 400,
  HAZMON_API_UNAUTHENTICATED: 401,
  HAZMON_API_FORBIDDEN: 403,
  HAZMON_API_CSRF: 403,
  HAZMON_API_NOT_FOUND: 404,
  /** The agent refused a well-formed command (the alarm is not in a state that allows it, a latch whose trigger holds): `refusal` says which. */
  HAZMON_API_REFUSED: 409,
  HAZMON_API_TOO_LARGE: 413,
  HAZMON_API_THROTTLED: 429,
  HAZMON_API_BUSY: 503,
  HAZMON_API_INTERNAL: 500,
};

/**
 * Why the agent refused a command (or found no alarm or action to give it to): its stable code and the params its
 * sentence needs, so a client says it in its own language (the English `message` stays for the others).
 */
export type Refusal = Pick<CommandRefusal, 'code' | 'params'>;

/** An error a route answers with: its code picks the status; `field` names the offending param, header or body path. */
export class ApiError extends HazmonError<ApiErrorCode> {
  override readonly name = 'ApiError';

  constructor(
    code: ApiErrorCode,
    message: string,
    readonly field?: string,
    /** Seconds the client should wait before trying again (429, 503), sent as Retry-After. */
    readonly retryAfterS?: number,
    readonly refusal?: Refusal,
  ) {
    super(code, message);
  }
}

/** The agent's refusal of a well-formed command: a 409 with its reason as the message and its code and params. */
export function refusedError(result: CommandRefusal): ApiError {
  return new ApiError('HAZMON_API_REFUSED', result.reason, undefined, undefined, { code: result.code, params: result.params });
}

/** A 404 for an alarm, action or device a command names that the agent does not know (`command`: the route's word). */
export function unknownTargetError(message: string, field: string, target: string, command: string): ApiError {
  return new ApiError('HAZMON_API_NOT_FOUND', message, field, undefined, { code: 'unknown_target', params: { target, command } });
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly refusal?: Refusal };
}

export interface ErrorAnswer {
  readonly status: ContentfulStatusCode;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

const STORE_BUSY: StoreErrorCode = 'HAZMON_STORE_BUSY';
const STORE_READ_TIMEOUT: StoreErrorCode = 'HAZMON_STORE_READ_TIMEOUT';
const STORE_BAD_RANGE: StoreErrorCode = 'HAZMON_STORE_BAD_RANGE';
/** A read the store had no memory for runs again in a moment: other reads or a release of its cached blocks held it. */
const STORE_BUSY_RETRY_AFTER_S = 1;

/**
 * The answer to whatever a route threw. ApiErrors keep their code; Hono's own 4xx (malformed JSON) becomes
 * HAZMON_API_INVALID on the body; a store read that found no memory is a 503 with Retry-After (nothing is wrong with
 * the request: asked again it may fit); one stopped at the store's time limit is a 503 without (asked again it would
 * be stopped again: its message asks for less); a range or page the store refuses (more rows than one answer holds, a
 * cursor or range it cannot read) is the request's fault, a 400 with the store's words (a 5xx would tell a regulator's
 * tooling to ask the same again); any other hazmon error from the agent keeps its code and message as a 500;
 * anything else is a 500 that says only that the fault is logged (`log` gets the message).
 */
export function errorAnswer(error: unknown, log: (line: string) => void): ErrorAnswer {
  if (error instanceof ApiError) {
    const body: ErrorBody = {
      error: { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }), ...(error.refusal === undefined ? {} : { refusal: error.refusal }) },
    };
    return { status: STATUS_OF[error.code], body, headers: error.retryAfterS === undefined ? {} : { 'Retry-After': String(error.retryAfterS) } };
  }
  if (error instanceof HTTPException && error.status < 500) return errorAnswer(new ApiError('HAZMON_API_INVALID', error.message, 'body'), log);
  log(`web server: ${isHazmonError(error) ? String(error) : messageOf(error)}`);
  if (isHazmonError(error) && error.code === STORE_BUSY) {
    return errorAnswer(new ApiError('HAZMON_API_BUSY', "the gateway's store has no memory free for this read just now: try again", undefined, STORE_BUSY_RETRY_AFTER_S), log);
  }
  if (isHazmonError(error) && error.code === STORE_READ_TIMEOUT) return errorAnswer(new ApiError('HAZMON_API_BUSY', error.message), log);
  if (isHazmonError(error) && error.code === STORE_BAD_RANGE) return errorAnswer(new ApiError('HAZMON_API_INVALID', error.message), log);
  if (isHazmonError(error)) return { status: STATUS_OF.HAZMON_API_INTERNAL, body: { error: { code: error.code, message: error.message } }, headers: {} };
  return { status: STATUS_OF.HAZMON_API_INTERNAL, body: { error: { code: 'HAZMON_API_INTERNAL', message: 'internal error (logged by the gateway)' } }, headers: {} };
}

/** Where a request part lives, for a field name when zod's path is empty (the whole body, say). */
export type RequestPart = 'json' | 'query' | 'param' | 'header' | 'cookie' | 'form';
const PART_NAMES: Readonly<Record<RequestPart, string>> = { json: 'body', query: 'query', param: 'params', header: 'headers', cookie: 'cookies', form: 'body' };

/** The first problem zod found, as an ApiError naming its field: the param, query or header name, or the body path. */
export function validationError(error: ZodError, part: RequestPart): ApiError {
  const issue = error.issues[0];
  if (issue === undefined) return new ApiError('HAZMON_API_INVALID', `the ${PART_NAMES[part]} is invalid`, PART_NAMES[part]);
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const field = path.length === 0 ? PART_NAMES[part] : path.map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? 'is not a field of this request' : issue.message;
  return new ApiError('HAZMON_API_INVALID', `${field}: ${message}`, field);
}
