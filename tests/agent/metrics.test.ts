/** /metrics of a running agent: every line follows the Prometheus text grammar, families are complete, counters only grow, /healthz says why. */
import { afterEach, describe, expect, it } from 'vitest';
import { assessHealth, processStats, renderMetrics, startMonitoringEndpoint, type Agent, type MonitoringEndpoint } from '@hazmon/agent';
import { startPlant, waitFor, waitForRows, type Plant } from './fixture.ts';

let plant: Plant | null = null;
let endpoint: MonitoringEndpoint | null = null;

afterEach(async () => {
  await endpoint?.close();
  endpoint = null;
  await plant?.close();
  plant = null;
});

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Family {
  help: string | null;
  type: string | null;
  samples: Sample[];
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_PAIR = String.raw`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"`;
const SAMPLE_LINE = new RegExp(String.raw`^(${METRIC_NAME})(?:\{((?:${LABEL_PAIR})(?:,${LABEL_PAIR})*)?\})? (\S+)$`);
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|[+-]Inf|NaN)$/i;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function unescapeLabel(text: string): string {
  return text.replace(/\\([\\"n])/g, (_all, char: string) => (char === 'n' ? '\n' : char));
}

/**
 * A strict reading of the text exposition format 0.0.4: HELP then TYPE before a family's samples, samples of one
 * family together, names and labels by the grammar, suffixes as the type allows; throws naming the line.
 */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n'), 'ends with a line feed').toBe(true);
  const families = new Map<string, Family>();
  let current: string | null = null;
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment;
      expect(name, where).toMatch(new RegExp(`^${METRIC_NAME}$`));
      if (kind === 'HELP') {
        expect(families.has(name!), `${where}: family declared twice`).toBe(false);
        families.set(name!, { help: rest!, type: null, samples: [] });
        current = name!;
      } else {
        expect(current, `${where}: TYPE right after its HELP`).toBe(name);
        expect(rest, where).toMatch(/^(counter|gauge|histogram|summary|untyped)$/);
        families.get(name!)!.type = rest!;
      }
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`${where}: not a sample line`);
    const [, name, labelText = '', , , , , value] = match;
    expect(value, where).toMatch(VALUE);
    const family = families.get(current ?? '');
    expect(family?.type, `${where}: sample outside a typed family`).toBeTruthy();
    const suffix = name!.slice(current!.length);
    expect(name!.startsWith(current!) && SUFFIXES[family!.type!]!.includes(suffix), `${where}: belongs to family ${current}`).toBe(true);
    const labels: Record<string, string> = {};
    for (const pair of labelText.matchAll(new RegExp(LABEL_PAIR, 'g'))) {
      expect(labels[pair[1]!], `${where}: label ${pair[1]} twice`).toBeUndefined();
      labels[pair[1]!] = unescapeLabel(pair[2]!);
    }
    family!.samples.push({ name: name!, labels, value: Number(value!.replace(/Inf$/i, 'Infinity')) });
  }
  for (const [name, family] of families) {
    expect(name.startsWith('hazmon_'), name).toBe(true);
    expect(family.help, `${name} HELP`).not.toBe('');
    if (family.type === 'counter') expect(name.endsWith('_total'), `counter ${name} ends in _total`).toBe(true);
  }
  return families;
}

const seriesKey = (sample: Sample) => `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;

async function scrape(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

function metricsOf(agent: Agent): string {
  return renderMetrics({ agent: agent.stats(), alarmsActive: agent.activeAlarmsByPriority(), process: processStats() });
}

describe('/metrics of a running agent', () => {
  it('parses by the exposition grammar, covers readings, store, Modbus devices, latencies and event loop, and its counters never go down', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent();
    const current = plant;
    endpoint = await startMonitoringEndpoint({ host: '127.0.0.1', port: 0, metrics: () => metricsOf(agent), health: () => assessHealth(agent.stats(), Date.now(), current.config.health) });
    await waitFor('readings committed', () => agent.stats().store.rawRowsWritten > 0 && agent.stats().eventLoop.windows > 0);

    const first = await scrape(`${endpoint.url}/metrics`);
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = parseExposition(first.body);
    for (const family of [
      'hazmon_readings_total',
      'hazmon_store_queue_depth',
      'hazmon_store_readings_dropped_total',
      'hazmon_store_flush_duration_seconds',
      'hazmon_store_database_reopens_total',
      'hazmon_modbus_response_seconds',
      'hazmon_modbus_poll_overruns_total',
      'hazmon_write_duration_seconds',
      'hazmon_shutoff_latency_seconds',
      'hazmon_device_up',
      'hazmon_event_loop_lag_p99_seconds',
      'hazmon_alarms_active',
    ]) {
      expect(before.get(family)?.samples.length, family).toBeGreaterThan(0);
    }
    const up = before.get('hazmon_device_up')!.samples;
    expect(up.map((sample) => sample.labels['device']).sort()).toEqual(plant.config.devices.map((device) => device.id).sort());
    expect(up.every((sample) => sample.value === 1)).toBe(true);
    const readings = before.get('hazmon_readings_total')!.samples[0]!.value;
    expect(readings).toBeGreaterThan(0);
    // Histogram buckets are cumulative and end at +Inf = _count.
    const flush = before.get('hazmon_store_flush_duration_seconds')!.samples;
    const buckets = flush.filter((sample) => sample.name.endsWith('_bucket'));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.labels['le']).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(flush.find((sample) => sample.name.endsWith('_count'))!.value);
    const responses = before.get('hazmon_modbus_response_seconds')!.samples.filter((sample) => sample.name.endsWith('_count'));
    expect(responses.every((sample) => sample.value > 0)).toBe(true);

    await waitFor('more readings', () => agent.stats().readings > readings + 20);
    const after = parseExposition((await scrape(`${endpoint.url}/metrics`)).body);
    expect([...after.keys()]).toEqual([...before.keys()]);
    let compared = 0;
    for (const [name, family] of after) {
      const monotone = family.type === 'counter' || family.type === 'histogram' || family.type === 'summary';
      if (!monotone) continue;
      const earlier = new Map(before.get(name)!.samples.map((sample) => [seriesKey(sample), sample.value]));
      for (const sample of family.samples) {
        const old = earlier.get(seriesKey(sample));
        expect(old, `${seriesKey(sample)} in both scrapes`).toBeDefined();
        expect(sample.value, seriesKey(sample)).toBeGreaterThanOrEqual(old!);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(50);
    expect(after.get('hazmon_readings_total')!.samples[0]!.value).toBeGreaterThan(readings);

    const health = await scrape(`${endpoint.url}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ healthy: true, alive: true, reasons: [] });
    expect((await scrape(`${endpoint.url}/nothing`)).status).toBe(404);
  }, 60_000);

  it('escapes label values so they read back exactly, and a device in comms loss is down', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent();
    await waitFor('first polls', () => agent.stats().readings > 0);
    const odd = 'line "A"\\north\nend';
    const stats = { ...agent.stats(), sources: [...agent.stats().sources, odd], devicesInCommsLoss: [odd] };
    const up = parseExposition(renderMetrics({ agent: stats })).get('hazmon_device_up')!.samples;
    expect(up.find((sample) => sample.labels['device'] === odd)?.value).toBe(0);
    expect(up.filter((sample) => sample.value === 1)).toHaveLength(plant.config.devices.length);
  }, 60_000);

  it('health names an engine that stopped ticking (not alive) and a store that does not commit (degraded, still alive)', async () => {
    plant = await startPlant({ speed: 1 });
    // Commits once a second: a snapshot between commits has readings queued; it is judged as if time had gone on.
    const agent = await plant.startAgent({ store: { flushIntervalMs: 1000, flushBatchRows: 1_000_000 } });
    await waitFor('readings queued', () => agent.stats().store.queueDepth > 0);
    const stats = agent.stats();
    const limits = plant.config.health;
    expect(assessHealth(stats, stats.lastTickAt, limits)).toEqual({ healthy: true, alive: true, reasons: [] });
    const storeLate = (stats.store.lastFlushAt ?? stats.startedAt) + limits.storeStallS * 1000 + 1000;
    const degraded = assessHealth({ ...stats, lastTickAt: storeLate }, storeLate, limits);
    expect(degraded).toMatchObject({ healthy: false, alive: true });
    expect(degraded.reasons).toEqual([
      expect.stringMatching(new RegExp(`^store failing: ${stats.store.queueDepth} reading\\(s\\) queued and nothing committed for \\d+ s \\(limit ${limits.storeStallS} s\\)$`)),
    ]);
    const tickLate = stats.lastTickAt + limits.tickStallS * 1000 + 1000;
    const hung = assessHealth(stats, tickLate, limits);
    expect(hung).toMatchObject({ healthy: false, alive: false });
    expect(hung.reasons[0]).toMatch(new RegExp(`^alarm engine not ticked for \\d+ s \\(limit ${limits.tickStallS} s\\)$`));
  }, 60_000);

  it('a stalled event loop raises agent/event_loop_lag, makes the agent unhealthy with the reason, and clears', async () => {
    plant = await startPlant({ speed: 1 });
    const agent = await plant.startAgent();
    const limits = plant.config.health;
    endpoint = await startMonitoringEndpoint({ host: '127.0.0.1', port: 0, metrics: () => metricsOf(agent), health: () => assessHealth(agent.stats(), Date.now(), limits) });
    await waitFor('a calm window', () => agent.stats().eventLoop.windows > 0 && !agent.stats().eventLoop.stalled);
    // Blocks this thread (the agent's) three times the limit, as a runaway computation would.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, limits.eventLoopLagMs * 3);
    const lag = (active: boolean) => plant!.events.find((event) => event.type === 'runtime_alarm' && event.alarmId === 'agent/event_loop_lag' && event.active === active);
    const raised = await waitFor('event loop lag alarm', () => lag(true));
    expect(raised).toMatchObject({ priority: 'high', why: expect.stringMatching(/event loop blocked for up to \d+ ms/) });
    // The next window is a second away: the agent is still judged stalled now.
    const stalled = assessHealth(agent.stats(), Date.now(), limits);
    expect(stalled).toMatchObject({ healthy: false, alive: false });
    expect(stalled.reasons.join()).toMatch(/event loop stalled: delays up to \d+ ms/);
    const health = await scrape(`${endpoint.url}/healthz`);
    const body = JSON.parse(health.body) as { healthy: boolean; reasons: string[] };
    // On a loaded machine the calm window may come before the request is served; then it must say healthy.
    expect(health.status).toBe(body.healthy ? 200 : 503);
    if (!body.healthy) expect(body.reasons.join()).toMatch(/event loop stalled/);
    await waitFor('lag alarm cleared', () => lag(false));
    const exposition = parseExposition(metricsOf(agent));
    expect(exposition.get('hazmon_event_loop_stalled_windows_total')!.samples[0]!.value).toBeGreaterThanOrEqual(1);
    // The blocked window is counted among the windows whose largest delay was over the limit (500 ms: a bucket bound).
    const windowMaxima = exposition.get('hazmon_event_loop_lag_window_max_seconds')!.samples.filter((sample) => sample.name.endsWith('_bucket'));
    const windowsUpTo = (le: string) => windowMaxima.find((sample) => sample.labels['le'] === le)!.value;
    expect(limits.eventLoopLagMs).toBe(500);
    expect(windowsUpTo('+Inf') - windowsUpTo('0.5')).toBeGreaterThanOrEqual(1);
    // Each window is also counted by its busy part (the block above waited asleep, so it is not the agent's own work).
    const windowsCounted = (name: string) => exposition.get(name)!.samples.find((sample) => sample.name.endsWith('_count'))!.value;
    expect(windowsCounted('hazmon_event_loop_busy_window_max_seconds')).toBe(windowsCounted('hazmon_event_loop_lag_window_max_seconds'));
    const rows = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (found) => found.filter((row) => row.ruleId === 'event_loop_lag').length === 2,
    );
    expect(rows.filter((row) => row.ruleId === 'event_loop_lag').map((row) => row.kind)).toEqual(['raised', 'cleared']);
  }, 60_000);
});
