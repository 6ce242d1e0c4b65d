/**
 * The demo: runs a simulated site and shows, live, what hazmon's protocol clients decode from it.
 * It grows into simulators + agent + dashboard as those parts land; today it is simulators + protocol clients.
 *
 * node --import tsx scripts/demo.ts [--site FILE] [--duration SECONDS] [--plain]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  browseOpcuaVariables,
  createModbusDevice,
  createOpcuaConnection,
  loadProfile,
  ModbusPoller,
  type LineConfig,
  type OpcuaConnection,
  type Reading,
  type ReadyDevice,
} from '@hazmon/protocols';
import { loadSiteFile, startSite, type SiteEndpoint } from '@hazmon/simulators';

const { values: args } = parseArgs({
  options: {
    site: { type: 'string', default: fileURLToPath(new URL('../simulators/sites/demo.yaml', import.meta.url)) },
    duration: { type: 'string' },
    plain: { type: 'boolean', default: !process.stdout.isTTY },
  },
});

const durationS = args.duration === undefined ? undefined : Number(args.duration);
if (durationS !== undefined && !(durationS > 0)) {
  console.error(`demo: --duration must be a positive number of seconds (got ${JSON.stringify(args.duration)})`);
  process.exit(2);
}

const siteSpec = loadSiteFile(args.site);
const deviceOptions = new Map<string, Record<string, unknown>>(
  [...siteSpec.tcp, ...siteSpec.rtu].flatMap((port) => port.devices).map((device) => [device.id, device.options ?? {}]),
);

/** Per-channel ranges of an analog input module in the site file become point overrides, as a gateway config would say them. */
function analogChannelOverrides(options: Record<string, unknown>): Record<string, { range: [number, number] }> {
  const ranges = (options.ranges ?? {}) as Record<string, { rangeMin: number; rangeMax: number }>;
  return Object.fromEntries(Object.entries(ranges).map(([channel, range]) => [`channel${channel}`, { range: [range.rangeMin, range.rangeMax] }]));
}

function modbusLineFor(endpoint: SiteEndpoint): LineConfig {
  if (endpoint.transport === 'modbus-tcp') return { id: `tcp:${endpoint.port}`, kind: 'tcp', host: '127.0.0.1', port: endpoint.port! };
  return { id: `rtu:${endpoint.path}`, kind: 'rtu', path: endpoint.path!, ...endpoint.serial };
}

const site = await startSite(args.site);
const latest = new Map<string, Reading>();
const remember = (readings: Reading[]): void => {
  for (const reading of readings) latest.set(reading.pointId, reading);
};

const lines = new Map<string, LineConfig>();
const devices: ReadyDevice[] = [];
for (const endpoint of site.endpoints) {
  if (endpoint.transport === 'opcua') continue;
  const line = modbusLineFor(endpoint);
  lines.set(line.id, line);
  const options = deviceOptions.get(endpoint.deviceId) ?? {};
  const channels = typeof options.channels === 'number' ? options.channels : undefined;
  devices.push(
    createModbusDevice(loadProfile(endpoint.model), {
      id: endpoint.deviceId,
      profile: endpoint.model,
      line: line.id,
      unitId: endpoint.unitId!,
      ...(channels === undefined ? {} : { channels }),
      ...(endpoint.model === 'analog-input-4-20ma' ? { points: analogChannelOverrides(options) } : {}),
    }),
  );
}
const poller = new ModbusPoller({ lines: [...lines.values()], devices, onReadings: remember });
poller.start();

// OPC UA points are found the way an integrator would find them for a config file: by browsing the server.
const tankFarmUrls = new Set(site.endpoints.flatMap((endpoint) => (endpoint.endpointUrl ? [endpoint.endpointUrl] : [])));
const opcuaConnections: OpcuaConnection[] = [];
for (const endpointUrl of tankFarmUrls) {
  const variables = await browseOpcuaVariables({ endpointUrl }, { startNodeId: 'ns=1;s=TankFarm' });
  const points = variables.map((variable) => ({ id: variable.browsePath.replaceAll('/', '.'), nodeId: variable.nodeId }));
  const connection = createOpcuaConnection(
    { id: endpointUrl, endpointUrl, points },
    { onReadings: remember, onError: (error) => console.error(`demo: ${error.message}`) },
  );
  opcuaConnections.push(connection);
  await connection.start();
}

function formatValue(reading: Reading): string {
  if (reading.value === null) return '—';
  if (typeof reading.value === 'boolean') return reading.value ? 'true' : 'false';
  return Number.isInteger(reading.value) ? String(reading.value) : reading.value.toFixed(2);
}

function formatFlags(reading: Reading): string {
  const raised = Object.entries(reading.flags ?? {}).filter(([, on]) => on).map(([name]) => name);
  return raised.join(',');
}

function render(): string {
  const now = Date.now();
  const rows = [...latest.values()]
    .sort((a, b) => a.pointId.localeCompare(b.pointId))
    .map((reading) => {
      const age = ((now - reading.receiveTime) / 1000).toFixed(1);
      const why = reading.reason ? `${reading.reason.code}: ${reading.reason.message}` : '';
      return `${reading.pointId.padEnd(30)} ${formatValue(reading).padStart(10)} ${reading.unit.padEnd(6)} ${reading.quality.padEnd(9)} ${age.padStart(5)}s  ${formatFlags(reading)} ${why}`;
    });
  const header = `hazmon demo: site ${site.name}, ${latest.size} points, ${new Date(now).toISOString()}`;
  return [header, `${'point'.padEnd(30)} ${'value'.padStart(10)} ${'unit'.padEnd(6)} ${'quality'.padEnd(9)} ${'age'.padStart(6)}  flags / reason`, ...rows].join('\n');
}

console.log(site.describe().join('\n'));
const screen = setInterval(() => {
  // A terminal gets a refreshing table; a pipe or log file gets one block per second.
  process.stdout.write(args.plain ? `${render()}\n\n` : `\x1b[2J\x1b[H${render()}\n`);
}, 1000);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(screen);
  await Promise.all([poller.stop(), ...opcuaConnections.map((connection) => connection.stop())]);
  await site.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (durationS !== undefined) setTimeout(() => void stop(), durationS * 1000);
