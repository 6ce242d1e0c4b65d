/**
 * The API's human-readable docs at /api/docs: one static HTML page written from the OpenAPI document the server
 * serves (each route with its roles, params, body and responses; the schemas they name), so the page and the document
 * cannot disagree. No script, no style and nothing from another origin: the CSP is `default-src 'self'`.
 */

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean; readonly description?: string; readonly schema?: unknown }[];
  readonly requestBody?: { readonly content?: Readonly<Record<string, { readonly schema?: unknown }>> };
  readonly responses?: Readonly<Record<string, { readonly description?: string; readonly content?: Readonly<Record<string, { readonly schema?: unknown }>> }>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

export interface OpenApiDocument {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, unknown>> };
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** The anchor of an operation: `get-/api/v1/points` -> `get-api-v1-points`. */
function operationAnchor(method: string, path: string): string {
  return `${method}${path}`.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '');
}

/** A schema in a line: a named one as a link to its section, any other as its JSON. */
function schemaHtml(schema: unknown): string {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) ?? ref;
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  return `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`;
}

function securityText(security: Operation['security']): string {
  if (security === undefined || security.length === 0) return 'none';
  return security.map((requirement) => Object.keys(requirement).join(' + ')).join(', or ');
}

function operationHtml(method: string, path: string, operation: Operation): string {
  const parts = [`<section id="${operationAnchor(method, path)}">`, `<h3><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h3>`];
  if (operation.summary) parts.push(`<p>${escapeHtml(operation.summary)}</p>`);
  if (operation.description) parts.push(`<p>${escapeHtml(operation.description)}</p>`);
  parts.push(`<p>Credentials: ${escapeHtml(securityText(operation.security))}</p>`);
  if (operation.parameters?.length) {
    parts.push('<table><caption>Parameters</caption><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>');
    for (const parameter of operation.parameters) {
      parts.push(
        `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${escapeHtml(parameter.in)}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${schemaHtml(parameter.schema)}</td><td>${escapeHtml(parameter.description ?? '')}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) parts.push(`<p>Body (${escapeHtml(type)}): ${schemaHtml(content.schema)}</p>`);
  parts.push('<table><caption>Responses</caption><tr><th>status</th><th>description</th><th>body</th></tr>');
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const bodies = Object.entries(response.content ?? {}).map(([type, content]) => `${escapeHtml(type)}: ${schemaHtml(content.schema)}`);
    parts.push(`<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(response.description ?? '')}</td><td>${bodies.join('<br>')}</td></tr>`);
  }
  parts.push('</table></section>');
  return parts.join('\n');
}

/** The whole page. */
export function apiDocsHtml(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const schemas = Object.entries(document.components?.schemas ?? {});
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</title></head><body>`,
    `<h1>${escapeHtml(document.info.title)}, version ${escapeHtml(document.info.version)}</h1>`,
    `<p>${escapeHtml(document.info.description ?? '')}</p>`,
    '<p>The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>',
    '<h2>Routes</h2><ul>',
    ...operations.map(
      ({ path, method, operation }) => `<li><a href="#${operationAnchor(method, path)}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a> ${escapeHtml(operation.summary ?? '')}</li>`,
    ),
    '</ul>',
    ...operations.map(({ path, method, operation }) => operationHtml(method, path, operation)),
    '<h2>Schemas</h2>',
    ...schemas.map(([name, schema]) => `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`),
    '</body></html>',
  ].join('\n');
}
