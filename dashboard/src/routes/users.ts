/** The users the config names, with their roles (never a password hash), and what each role may do: the admin page's. */
import { USER_ROLES } from '@hazmon/agent';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { allow, ROLE_DUTIES, ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { errorResponses, json, SESSION_SECURITY } from './openapi.ts';

const role = z.enum(USER_ROLES);

const UserListSchema = z
  .object({
    users: z.array(z.object({ name: z.string(), role })),
    permissions: z
      .array(z.object({ key: z.string().openapi({ description: 'A stable name of the duty, for a translated label' }), duty: z.string(), roles: z.array(role) }))
      .openapi({ description: 'What each role may do: the rules the server and the agent check' }),
  })
  .openapi('UserList');

const PERMISSIONS = (Object.keys(ROLES) as (keyof typeof ROLES)[]).map((key) => ({ key, duty: ROLE_DUTIES[key], roles: [...ROLES[key]] }));

export function registerUserRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/users',
      summary: 'The users from the config with their roles (no password hashes), and what each role may do',
      description: `Roles: ${ROLES.listUsers.join(', ')}. Users and roles change only in the config file (a reload takes them over).`,
      middleware: [allow(ROLES.listUsers, contextOf)] as const,
      security: SESSION_SECURITY,
      responses: { 200: { description: 'Users and permissions', content: json(UserListSchema) }, ...errorResponses(401, 403) },
    }),
    (c) => c.json({ users: contextOf().api.config.users.map(({ name, role }) => ({ name, role })), permissions: PERMISSIONS }, 200),
  );
}
