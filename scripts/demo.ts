/**
 * The demo: runs the simulated demo site and the hazmon agent against it (protocol clients -> alarm engine ->
 * verified shut-off -> DuckDB file), and shows live readings and alarm events. The dashboard joins it later.
 *
 * node --import tsx scripts/demo.ts [--duration SECONDS] [--plain]
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import type { Reading } from '@hazmon/protocols';
import { startSite, type RunningSite } from '@hazmon/simulators';

const SITE_FILE = fileURLToPath(new URL('../simulators/sites/demo.yaml', import.meta.url));
const CONFIG_FILE = fileURLToPath(new URL('../agent/examples/site.yaml', import.meta.url));
const STORE_DIR = fileURLToPath(new URL('../.tmp/demo/', import.meta.url));
const RECENT_EVENTS = 12;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    plain: { type: 'boolean', default: !process.stdout.isTTY },
  },
});

const durationS = args.duration === undefined ? undefined : Number(args.duration);
if (durationS !== undefined && !(durationS > 0)) {
  console.error(`demo: --duration must be a positive number of seconds (got ${JSON.stringify(args.duration)})`);
  process.exit(2);
}

/**
 * The sample config names placeholder ports and paths; the simulators pick free ones at start. Fill in what the
 * site printed, exactly as an integrator would edit the file, and put the DuckDB file under .tmp/demo/.
 */
function configForSite(site: RunningSite, storePath: string): string {
  const document = parseDocument(readFileSync(CONFIG_FILE, 'utf8'));
  const endpointOf = new Map(site.endpoints.map((endpoint) => [endpoint.deviceId, endpoint]));
  const devices = document.toJS().devices as { id: string; line: string }[];
  const lines = document.toJS().lines as { id: string; kind: 'tcp' | 'rtu' }[];
  lines.forEach((line, index) => {
    const endpoint = endpointOf.get(devices.find((device) => device.line === line.id)?.id ?? '');
    if (!endpoint) throw new Error(`demo: no simulated device on line ${line.id} of ${CONFIG_FILE}`);
    if (line.kind === 'tcp') document.setIn(['lines', index, 'port'], endpoint.port);
    else document.setIn(['lines', index, 'path'], endpoint.path);
  });
  const tankFarm = site.endpoints.find((endpoint) => endpoint.transport === 'opcua');
  if (tankFarm) document.setIn(['opcua', 0, 'endpointUrl'], tankFarm.endpointUrl);
  document.setIn(['store', 'path'], storePath);
  return document.toString();
}

rmSync(STORE_DIR, { recursive: true, force: true });
mkdirSync(STORE_DIR, { recursive: true });
const storePath = `${STORE_DIR}hazmon.duckdb`;

const site = await startSite(SITE_FILE);
const agent = await Agent.start(parseAgentConfig(configForSite(site, storePath), CONFIG_FILE));

const latest = new Map<string, Reading>();
agent.subscribeReadings((batch) => {
  for (const reading of batch) latest.set(reading.pointId, reading);
});
const recentEvents: string[] = [];
agent.subscribe((event) => {
  const line = describeEvent(event);
  if (line === null) return;
  recentEvents.push(line);
  if (recentEvents.length > RECENT_EVENTS) recentEvents.shift();
});

function describeEvent(event: AgentEvent): string | null {
  const at = new Date(event.time).toISOString().slice(11, 19);
  switch (event.type) {
    case 'alarm':
      return `${at} ${event.priority.padEnd(9)} ${event.alarmId} ${event.fromState} -> ${event.toState} (${event.why})`;
    case 'action':
      return `${at} action    ${event.actionId} ${event.command} (${event.why})`;
    case 'runtime_alarm':
      return `${at} ${event.priority.padEnd(9)} ${event.alarmId} ${event.transition} -> ${event.toState} (${event.why})`;
    default:
      return null;
  }
}

function formatValue(reading: Reading): string {
  if (reading.value === null) return '—';
  if (typeof reading.value === 'boolean') return reading.value ? 'true' : 'false';
  return Number.isInteger(reading.value) ? String(reading.value) : reading.value.toFixed(2);
}

function render(): string {
  const now = Date.now();
  const rows = [...latest.values()]
    .sort((a, b) => a.pointId.localeCompare(b.pointId))
    .map((reading) => {
      const age = ((now - reading.receiveTime) / 1000).toFixed(1);
      const flags = Object.entries(reading.flags ?? {})
        .filter(([, on]) => on)
        .map(([name]) => name)
        .join(',');
      const why = reading.reason ? `${reading.reason.code}: ${reading.reason.message}` : '';
      return `${reading.pointId.padEnd(30)} ${formatValue(reading).padStart(10)} ${reading.unit.padEnd(6)} ${reading.quality.padEnd(9)} ${age.padStart(5)}s  ${flags} ${why}`;
    });
  return [
    `hazmon demo: site ${site.name}, ${latest.size} points, store ${storePath}, ${new Date(now).toISOString()}`,
    `${'point'.padEnd(30)} ${'value'.padStart(10)} ${'unit'.padEnd(6)} ${'quality'.padEnd(9)} ${'age'.padStart(6)}  flags / reason`,
    ...rows,
    `-- latest alarm events (${agent.stats().eventsPersisted} stored) --`,
    ...recentEvents,
  ].join('\n');
}

console.log(site.describe().join('\n'));
const screen = setInterval(() => {
  // A terminal gets a refreshing screen; a pipe or log file gets one block per second.
  process.stdout.write(args.plain ? `${render()}\n\n` : `\x1b[2J\x1b[H${render()}\n`);
}, 1000);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(screen);
  await agent.stop();
  await site.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (durationS !== undefined) setTimeout(() => void stop(), durationS * 1000);
