/**
 * Regulator tokens on a request: `Authorization: Bearer <token>`. A token is checked by the agent (only its hash is
 * kept there); a bad, expired or revoked one is a 401 wherever it is sent.
 */
import type { RegulatorTokenView } from '@hazmon/agent';
import type { Context } from 'hono';
import type { AppContext, AppEnv } from './context.ts';
import { ApiError } from './errors.ts';

/** The scheme name is case-insensitive (RFC 9110 11.1); the token is base64url. */
const BEARER = /^Bearer +([A-Za-z0-9_-]{1,200})$/i;

/** The live token the request carries; undefined when it carries no Authorization header; a 401 for any other. */
export function bearerToken(c: Context<AppEnv>, context: AppContext): RegulatorTokenView | undefined {
  const header = c.req.header('Authorization');
  if (header === undefined) return undefined;
  const secret = BEARER.exec(header)?.[1];
  const token = secret === undefined ? undefined : context.api.useRegulatorToken(secret);
  if (token === undefined) throw new ApiError('HAZMON_API_UNAUTHENTICATED', 'the regulator token is unknown, expired or revoked (send Authorization: Bearer <token>)', 'Authorization');
  return token;
}
