/**
 * The real web server in a real agent on the simulated plant (tests/agent/fixture.ts), and a client that talks to it
 * over a real socket the way a browser does: the session cookie, the Origin header, the CSRF token. Every JSON answer
 * the client receives is checked against the OpenAPI document the server serves.
 */
import { join } from 'node:path';
import { Agent, hashPassword, parseAgentConfig, type AgentConfig, type AgentOptions, type AuditRow } from '@hazmon/agent';
import { createDashboardServer, OPENAPI_PATH, type DashboardOptions } from '@hazmon/dashboard';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { startLinkRelay, startTankFarm, tankNodeId, type LinkRelay } from '@hazmon/simulators';
import { PASSWORDS, PLANT_API, startPlant, waitFor, type Plant } from '../agent/fixture.ts';

/** One user per role; the plant's config already has `sup` (supervisor) and `view` (viewer). */
export const USERS = {
  viewer: { name: 'view', password: PASSWORDS.viewer },
  operator: { name: 'op', password: 'op-secret' },
  supervisor: { name: 'sup', password: PASSWORDS.supervisor },
  admin: { name: 'root', password: 'root-secret' },
} as const;
export type Role = keyof typeof USERS;
export const ROLE_NAMES = Object.keys(USERS) as Role[];

const TEST_COST = { ln: 10, r: 8, p: 1 };

const DEFAULT_API_YAML = '{ host: 127.0.0.1, port: 0 }';

/** Alarms of the plant's gas point: `lo` stands while the gas is 0, `hi` and `hihi` (which latches close-gas) come with a leak. */
export const ALARMS = { lo: 'GD-1.concentration/lo', hi: 'GD-1.concentration/hi', hihi: 'GD-1.concentration/hihi' } as const;

/**
 * The plant's config with an operator and an admin added, a `lo` limit (an alarm that stands from the start, so
 * there are three alarms to command), and the web server on a free loopback port.
 */
export async function webConfigYaml(yaml: string, api = DEFAULT_API_YAML): Promise<string> {
  const operator = await hashPassword(USERS.operator.password, TEST_COST);
  const admin = await hashPassword(USERS.admin.password, TEST_COST);
  const users = `users:\n  - { name: op, role: operator, passwordHash: "${operator}" }\n  - { name: root, role: admin, passwordHash: "${admin}" }\n`;
  expect(yaml).toContain('users:\n');
  expect(yaml).toContain('limits: { hi: 20, hihi: 40 }');
  return `${yaml.replace('users:\n', users).replace('limits: { hi: 20, hihi: 40 }', 'limits: { lo: 10, hi: 20, hihi: 40 }').replace(PLANT_API, `api: ${api}`)}\n`;
}

/** A config edit for startWebPlant: the house as a process area (its preset's help for hi and hihi), the gas point's own help for lo, the valve named. */
export const withAlarmHelp = (yaml: string) =>
  yaml
    .replace('areas: [{ id: house, name: Compressor house }]', 'areas: [{ id: house, name: Compressor house, kind: process }]')
    .replace('    area: house\n', '    area: house\n    help: { lo: { cause: 量程下限漂移, responseMinutes: 60 }, all: { action: 通知值班长 } }\n')
    .replace('  - id: XV-1\n    kind: shutoff_valve\n', '  - id: XV-1\n    name: 燃气总管切断阀\n    kind: shutoff_valve\n');

/** The OPC UA tank T-101 of a tank farm: what `withSteadyTank` subscribes to, and the freshness the agent gives each point. */
/** The vote withVoteTrip configures. */
export const VOTE_ALARM = 'vote/gas-vote';

/**
 * The plant's close-gas action tripped by a vote of its detector (1oo1 on hi-hi, in the compressor house) instead of
 * the detector's own hi-hi, in a site of two areas: an alarm tied to no one point, as the demo kitchen's two-detector vote.
 */
export const withVoteTrip = (yaml: string) => {
  const action = 'actions:\n  - { id: close-gas, kind: shutoff_valve, output: XV-1, when: [GD-1.concentration/hihi] }\n';
  const areas = 'areas: [{ id: house, name: Compressor house }]';
  expect(yaml).toContain(action);
  expect(yaml).toContain(areas);
  return yaml
    .replace(
      action,
      'votingGroups:\n  - { id: gas-vote, area: house, vote: 1oo1, points: [GD-1.concentration], trip: hihi }\n' +
        'actions:\n  - { id: close-gas, kind: shutoff_valve, output: XV-1, when: [vote/gas-vote] }\n',
    )
    .replace(areas, 'areas: [{ id: house, name: Compressor house }, { id: yard, name: Tank yard }]');
};

export const TANK = {
  pressure: 'T-101.pressure',
  level: 'T-101.level',
  /** Keep-alive 100 ms x 10 = 1 s, restated once per period; 2 keep-alives may go missing: current for 1 s x (1 + 2). */
  pressureFreshMs: 3000,
  /** Its staleS (2.5 s) is shorter than the connection's 3 s: the engine's rule wins. */
  levelFreshMs: 2500,
} as const;

/**
 * A config edit for startWebPlant: an OPC UA connection (publishing every 100 ms) to T-101 of the tank farm at
 * `endpointUrl`, with its pressure and level in the house. A request timeout of 30 s keeps the connection from
 * counting itself lost for 32 s of silence, so a silent link shows first as stale values.
 */
export const withSteadyTank = (endpointUrl: string) => (yaml: string) =>
  yaml
    .replace(
      'opcua: []\n',
      `opcua:
  - id: farm
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: 100
    keepAliveMissesAllowed: 2
    requestTimeoutMs: 30000
    reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }
    points:
      - { id: ${TANK.pressure}, nodeId: "${tankNodeId('T-101', 'Pressure')}", samplingIntervalMs: 100 }
      - { id: ${TANK.level}, nodeId: "${tankNodeId('T-101', 'Level')}", samplingIntervalMs: 100 }
`,
    )
    .replace(
      '\npoints:\n',
      `\npoints:
  - { id: ${TANK.pressure}, area: house }
  - { id: ${TANK.level}, area: house, rules: { health: { staleS: 2.5 } } }
`,
    );

/** A tank farm whose tanks never move (speed 0: the subscription only restates), behind a relay that can fall silent. */
export async function startSteadyTank(): Promise<{ readonly relay: LinkRelay; readonly endpointUrl: string; close(): Promise<void> }> {
  const farm = await startTankFarm({ port: 0, speed: 0, tanks: [{ id: 'T-101', heightMm: 12_000, levelMm: 4200, pressureKPa: 101, temperatureC: 15 }] });
  const relay = await startLinkRelay(farm.port);
  return {
    relay,
    endpointUrl: `opc.tcp://127.0.0.1:${relay.port}`,
    async close() {
      await relay.close();
      await farm.stop();
    },
  };
}

export interface WebPlant {
  readonly plant: Plant;
  readonly agent: Agent;
  readonly base: string;
  readonly logs: string[];
  /** Stops the server and the agent and starts both again on the same store, and config unless `nextConfig` (the agent with `agentOptions`). */
  restart(agentOptions?: AgentOptions, nextConfig?: AgentConfig): Promise<WebPlant>;
  close(): Promise<void>;
}

async function serve(plant: Plant, config: AgentConfig, options: DashboardOptions, agentOptions: AgentOptions = {}): Promise<WebPlant> {
  const agent = await Agent.start(config, { store: { flushIntervalMs: 200 }, ...agentOptions });
  plant.agent = agent;
  agent.subscribe((event) => plant.events.push(event));
  const logs: string[] = [];
  const server = await createDashboardServer(options).start(agent, (line) => logs.push(line));
  return {
    plant,
    agent,
    base: server.address,
    logs,
    async restart(nextOptions, nextConfig = config) {
      await server.close();
      await agent.stop();
      return serve(plant, nextConfig, options, nextOptions);
    },
    async close() {
      await server.close();
      await plant.close();
    },
  };
}

/** The plant with the agent and its web server started; `api` is the config's api section (YAML flow); `edit` changes the config's text. */
export async function startWebPlant(options: DashboardOptions = {}, api = DEFAULT_API_YAML, edit = (yaml: string) => yaml, agentOptions: AgentOptions = {}): Promise<WebPlant> {
  const plant = await startPlant({ speed: 4 });
  try {
    return await serve(plant, parseAgentConfig(edit(await webConfigYaml(plant.yaml, api)), join(plant.dir, 'site.yaml')), options, agentOptions);
  } catch (error) {
    await plant.close();
    throw error;
  }
}

/** Checks answers against the served OpenAPI document: each path, method and status is declared, each JSON body matches. */
export class DocumentCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(readonly document: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }) {
    this.ajv.addSchema(document, 'openapi');
    this.templates = Object.keys(document.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  }

  static async load(base: string): Promise<DocumentCheck> {
    const response = await fetch(`${base}${OPENAPI_PATH}`);
    expect(response.status).toBe(200);
    return new DocumentCheck((await response.json()) as DocumentCheck['document']);
  }

  check(method: string, path: string, status: number, body: unknown): void {
    const pathname = new URL(path, 'http://x').pathname;
    const template = this.templates.find((candidate) => candidate.pattern.test(pathname))?.template;
    expect(template, `${pathname} in the OpenAPI document`).toBeDefined();
    const operation = this.document.paths[template!]![method.toLowerCase()];
    expect(operation, `${method} ${template} in the OpenAPI document`).toBeDefined();
    const response = operation!.responses[String(status)];
    expect(response, `status ${status} of ${method} ${template} in the OpenAPI document`).toBeDefined();
    if (response!.content?.['application/json'] === undefined) return;
    const pointer = ['paths', template!, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema']
      .map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/');
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    expect(validate(body), `${method} ${path} ${status} body matches the document: ${this.ajv.errorsText(validate.errors)}`).toBe(true);
  }
}

export interface Answer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A browser's view of the API: its cookie jar (the session cookie), its Origin, and the CSRF token once signed in. */
export class WebClient {
  private cookie: string | null = null;
  csrfToken: string | null = null;

  constructor(
    readonly base: string,
    private readonly document: DocumentCheck,
  ) {}

  /** The same browser (cookie and CSRF token) talking to the server at a new address: a restarted agent on a new port. */
  async movedTo(base: string): Promise<WebClient> {
    const moved = new WebClient(base, await DocumentCheck.load(base));
    moved.cookie = this.cookie;
    moved.csrfToken = this.csrfToken;
    return moved;
  }

  async login(user: { readonly name: string; readonly password: string }): Promise<Answer<{ name: string; role: string; csrfToken: string }>> {
    const answer = await this.request<{ name: string; role: string; csrfToken: string }>('POST', '/api/v1/session', { body: { name: user.name, password: user.password } });
    if (answer.status === 200) this.csrfToken = answer.body.csrfToken;
    return answer;
  }

  /** Sends the cookie, Origin and the CSRF token unless `headers` overrides them; a body is sent as JSON. */
  async request<T = unknown>(method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { Origin: this.base };
    if (this.cookie) headers['Cookie'] = this.cookie;
    if (this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.base}${path}`, { method, headers: { ...headers, ...options.headers }, ...(body === undefined ? {} : { body }) });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.includes('Max-Age=0') ? null : setCookie.split(';')[0]!;
    const text = await response.text();
    const parsed: unknown = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
    this.document.check(method, path, response.status, parsed);
    expect(response.headers.get('x-hazmon-api-version')).toBe('1');
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get sessionCookie(): string | null {
    return this.cookie;
  }
}

/** The audit rows people caused since `afterSeq` (the agent's own, who `hazmon`, such as a shut-off it commanded, left out). */
export async function auditRowsAfter(agent: Agent, afterSeq: number): Promise<AuditRow[]> {
  return (await agent.reader.auditRows({ afterSeq })).filter((row) => row.who !== 'hazmon');
}

/** The seq of the last audit row (0 when none). */
export async function lastAuditSeq(agent: Agent): Promise<number> {
  const rows = await agent.reader.auditRows({ limit: 10_000 });
  return rows.at(-1)?.seq ?? 0;
}

/**
 * What a refused request must not change: people's audit rows, the alarm events people caused, the modes people set.
 * The plant runs on meanwhile: the engine and the agent raise and clear alarms themselves (a poll timing out on a busy
 * machine), so alarm states are judged through the events people caused (an acknowledgement is one).
 */
export async function peoplesMarks(agent: Agent) {
  const byPeople = (await agent.reader.alarmEventsAfter(0, 10_000)).filter((row) => row.who !== 'engine' && row.who !== 'hazmon');
  const modes = agent.alarms().engine.map(({ id, mode, shelvedUntil }) => ({ id, mode, shelvedUntil }));
  return { audit: await lastAuditSeq(agent), events: byPeople.length, modes: JSON.stringify(modes) };
}

/** Fails unless nothing of peoplesMarks changed since `before`. */
export async function expectNoMarks(agent: Agent, before: Awaited<ReturnType<typeof peoplesMarks>>): Promise<void> {
  expect(await auditRowsAfter(agent, before.audit)).toEqual([]);
  const after = await peoplesMarks(agent);
  expect(after.events).toBe(before.events);
  expect(after.modes).toBe(before.modes);
}

/** The web plant with an admin signed in, once the `lo` alarm stands (gas 0): what the fuzz tests start from. */
export async function startWebPlantWithAdmin(): Promise<{ readonly web: WebPlant; readonly admin: WebClient }> {
  const web = await startWebPlant();
  const admin = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await admin.login(USERS.admin)).status).toBe(200);
  await waitFor('lo raised at gas 0', () => web.agent.alarms().engine.some((alarm) => alarm.id === ALARMS.lo));
  return { web, admin };
}
