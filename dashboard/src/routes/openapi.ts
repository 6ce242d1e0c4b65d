/** Pieces every route declaration shares: JSON content, the error responses, the security requirements. */
import type { ZodType } from 'zod';
import { ErrorSchema } from '../schemas.ts';

export function json<S extends ZodType>(schema: S) {
  return { 'application/json': { schema } } as const;
}

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: `field` names the param, header or body path',
  401: 'No live session, or a regulator token unknown, expired or revoked',
  403: "The role may not, the Origin / CSRF token is not this session's, or a regulator token on a route not for regulators",
  404: "No such alarm, action or token (a command's 404 carries `refusal` with code `unknown_target`)",
  409: 'The agent refused the command: its reason is the message, and `refusal` gives it as a code with params (README, Refusal codes)',
  413: 'The body is over the size cap',
  429: 'Too many failed sign-ins: Retry-After says when to try again',
  503: "Busy: too many live streams open, or the gateway's store had no memory free for the read just now (Retry-After says when to try again); or, without Retry-After, the read ran past the store's time limit (`store.readTimeoutS`) and was stopped: ask for a shorter range or a smaller page",
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error responses a route may give, each in the one error shape; any route may be busy (503). */
export function errorResponses<const S extends readonly Exclude<ErrorStatus, 503>[]>(...statuses: S) {
  const all: readonly ErrorStatus[] = [...statuses, 503];
  return Object.fromEntries(all.map((status) => [status, { description: ERROR_DESCRIPTIONS[status], content: json(ErrorSchema) }])) as {
    [K in S[number] | 503]: { description: string; content: ReturnType<typeof json<typeof ErrorSchema>> };
  };
}

export const SESSION_SECURITY = [{ session: [] }];
/** The read-only regulator routes: a regulator token or a session. */
export const REGULATOR_SECURITY: Record<string, string[]>[] = [{ regulatorToken: [] }, { session: [] }];
export const STATE_CHANGE_SECURITY = [{ session: [], csrf: [] }];
