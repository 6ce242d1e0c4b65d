/**
 * The Hono app: security headers and the API version on every answer, the body cap, one error shape, the routes, and
 * the OpenAPI 3.1 document generated from the same route declarations that validate the requests.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { apiDocsHtml, type OpenApiDocument } from './api-docs.ts';
import { CSRF_HEADER, sessionCookieName } from './access.ts';
import type { AppEnv, ContextOf } from './context.ts';
import { ApiError, errorAnswer, validationError } from './errors.ts';
import { JSON_TYPE } from './json-bytes.ts';
import { registerAlarmEventRoutes } from './routes/alarm-events.ts';
import { registerAlarmHealthRoutes } from './routes/alarm-health.ts';
import { registerAlarmRoutes } from './routes/alarms.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerHandlingRoutes } from './routes/handling.ts';
import { registerLinkHealthRoutes } from './routes/link-health.ts';
import { registerPointRoutes } from './routes/points.ts';
import { registerRegulatorRoutes } from './routes/regulator.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerShiftReportRoutes } from './routes/shift-report.ts';
import { registerStreamRoutes } from './routes/stream.ts';
import { registerTrendRoutes } from './routes/trends.ts';
import { registerThresholdRoutes } from './routes/thresholds.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { BROWSER_SECURITY_HEADERS, CSP_HEADER, registerUiRoutes } from './ui-files.ts';
import { registerUserRoutes } from './routes/users.ts';
import { registerUpkeepRoutes } from './routes/upkeep.ts';

export const API_VERSION = '1';
export const API_VERSION_HEADER = 'X-Hazmon-Api-Version';
export const OPENAPI_PATH = '/api/v1/openapi.json';
/** The human-readable docs, written from the same document. */
const API_DOCS_PATH = '/api/docs';
/** Request bodies at most: the largest command (a shelve with a 500-character reason) is well under 1 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;

const DOCUMENT_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'hazmon gateway API',
    version: API_VERSION,
    description: 'The web server inside the hazmon agent: sessions, alarms and their commands, points, alarm history, live events. Every answer carries X-Hazmon-Api-Version.',
  },
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = { ...BROWSER_SECURITY_HEADERS, [API_VERSION_HEADER]: API_VERSION };

function securityHeaders(contextOf: ContextOf): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // A route's own policy is stricter (the site plan's SVG may run nothing): it stays.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (name !== CSP_HEADER || !c.res.headers.has(name)) c.res.headers.set(name, value);
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
    if (contextOf().secure) c.res.headers.set('Strict-Transport-Security', 'max-age=31536000');
  };
}

/**
 * Refuses a body over the cap by its Content-Length, before a byte of it is read. A chunked body (no length up front)
 * is refused too: browsers and HTTP clients send a length with a JSON body, and Node's parser then reads exactly that.
 */
const bodyCap: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header('Transfer-Encoding') !== undefined) throw new ApiError('HAZMON_API_INVALID', 'send the body with a Content-Length, not chunked', 'Content-Length');
  if (Number(c.req.header('Content-Length') ?? 0) > BODY_LIMIT_BYTES) throw new ApiError('HAZMON_API_TOO_LARGE', `the body is over ${BODY_LIMIT_BYTES} bytes`, 'body');
  await next();
};

export function createApp(contextOf: ContextOf): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use('*', securityHeaders(contextOf));
  app.use('*', bodyCap);
  // Only the name matters to the generator; the secure variant is the same cookie under its __Host- name.
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookieName(false),
    description: 'Set by POST /api/v1/session (`__Host-hazmon_session` under TLS)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'csrf', {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description: 'The csrfToken of GET /api/v1/session; state-changing requests also need this server as Origin',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'regulatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'A read-only regulator token issued by an admin (POST /api/v1/tokens); reaches the regulator routes only',
  });
  registerSessionRoutes(app, contextOf);
  registerAlarmRoutes(app, contextOf);
  registerPointRoutes(app, contextOf);
  registerAlarmEventRoutes(app, contextOf);
  registerStreamRoutes(app, contextOf);
  registerHandlingRoutes(app, contextOf);
  registerTrendRoutes(app, contextOf);
  registerAuditRoutes(app, contextOf);
  registerAlarmHealthRoutes(app, contextOf);
  registerTokenRoutes(app, contextOf);
  registerThresholdRoutes(app, contextOf);
  registerUserRoutes(app, contextOf);
  registerRegulatorRoutes(app, contextOf);
  registerUpkeepRoutes(app, contextOf);
  registerLinkHealthRoutes(app, contextOf);
  registerShiftReportRoutes(app, contextOf);
  // Kept as the JSON text served (92 KB), not as the generator's objects (0.3 MB of heap), once first asked for.
  let documentJson: string | undefined;
  const documentText = () => (documentJson ??= JSON.stringify(documentOf(app)));
  let docsPage: string | undefined;
  app.get(OPENAPI_PATH, (c) => c.body(documentText(), 200, JSON_TYPE));
  registerUiRoutes(app);
  app.get(API_DOCS_PATH, (c) => c.html((docsPage ??= apiDocsHtml(JSON.parse(documentText()) as OpenApiDocument)), 200));
  const respond = (error: unknown, c: Context<AppEnv>) => {
    const answer = errorAnswer(error, contextOf().log);
    return c.json(answer.body, answer.status, answer.headers);
  };
  // Returned, not thrown: a thrown error's answer would skip the security headers added on the way out.
  app.notFound((c) => respond(new ApiError('HAZMON_API_NOT_FOUND', 'no such route', 'path'), c));
  app.onError(respond);
  return app;
}

function documentOf(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document(DOCUMENT_CONFIG);
}

/** The OpenAPI 3.1 document, without an agent: the routes are declared, never called (`hazmon openapi`). */
export function openApiDocument() {
  return documentOf(
    createApp(() => {
      throw new Error('the OpenAPI document is built without an agent');
    }),
  );
}
