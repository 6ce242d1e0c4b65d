/** Regulator tokens, issued, listed and revoked by an admin through the agent, which checks the role again and audits each. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { ApiError, refusedError } from '../errors.ts';
import { errorResponses, json, SESSION_SECURITY, STATE_CHANGE_SECURITY } from './openapi.ts';

const TokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ description: 'Who holds it, e.g. the bureau', example: '某区应急管理局' }),
    expiresInDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'Refused from this many days on; none: no expiry' }),
  })
  .openapi('RegulatorTokenRequest');

const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdBy: z.string(),
    createdAt: z.number(),
    lastUsedAt: z.number().nullable(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
    revokedBy: z.string().nullable(),
  })
  .openapi('RegulatorToken');

const CreatedSchema = z
  .object({ token: TokenSchema, secret: z.string().openapi({ description: 'Send as `Authorization: Bearer <secret>`; shown this once, kept nowhere' }) })
  .openapi('RegulatorTokenCreated');

const TokenIdParams = z.object({
  tokenId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'tokenId', in: 'path' } }),
});

const description = `Roles: ${ROLES.manageTokens.join(', ')}.`;

export function registerTokenRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tokens',
      summary: 'Issue a read-only regulator token: the secret is in this answer only',
      description: `${description} Audited.`,
      middleware: [allow(ROLES.manageTokens, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { body: { required: true, content: json(TokenBody) } },
      responses: { 201: { description: 'Issued', content: json(CreatedSchema) }, ...errorResponses(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await contextOf().api.createRegulatorToken(body, { authenticated: c.get('session').user });
      if (!result.ok) throw new ApiError('HAZMON_API_REFUSED', result.reason);
      return c.json({ token: result.token, secret: result.secret }, 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/tokens',
      summary: 'Every regulator token, revoked ones too, without secrets',
      description,
      middleware: [allow(ROLES.manageTokens, contextOf)] as const,
      security: SESSION_SECURITY,
      responses: { 200: { description: 'The tokens', content: json(z.object({ tokens: z.array(TokenSchema) }).openapi('RegulatorTokenList')) }, ...errorResponses(401, 403) },
    }),
    (c) => c.json({ tokens: contextOf().api.regulatorTokens() }, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/tokens/{tokenId}',
      summary: 'Revoke a regulator token: refused from now on',
      description: `${description} Audited.`,
      middleware: [allow(ROLES.manageTokens, contextOf)] as const,
      security: STATE_CHANGE_SECURITY,
      request: { params: TokenIdParams },
      responses: { 200: { description: 'Revoked', content: json(z.object({ ok: z.literal(true) })) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { api } = contextOf();
      const { tokenId } = c.req.valid('param');
      if (!api.regulatorTokens().some((token) => token.id === tokenId)) throw new ApiError('HAZMON_API_NOT_FOUND', `no regulator token ${tokenId}`, 'tokenId');
      const result = await api.revokeRegulatorToken(tokenId, { authenticated: c.get('session').user });
      if (!result.ok) throw refusedError(result);
      return c.json({ ok: true as const }, 200);
    },
  );
}
