/** Runs a site: Modbus devices on TCP ports and RTU lines, OPC UA tank farms, scenarios, all on one SimClock. */

import { dirname, resolve } from 'node:path';
import { SimClock } from '../clock.ts';
import type { ModbusSimulatedDevice, SimulatedDevice } from '../devices/device.ts';
import { createParsedDevice } from '../devices/registry.ts';
import { SimulatorError } from '../errors.ts';
import type { SerialFormat } from '../modbus/rtu-framing.ts';
import { startModbusRtuServer } from '../modbus/rtu-server.ts';
import { startModbusTcpServer } from '../modbus/tcp-server.ts';
import { ModbusUnitHost, type CommsFault } from '../modbus/unit-host.ts';
import { startTankFarm } from '../opcua/index.ts';
import { TANK_QUANTITIES } from '../opcua/tank.ts';
import { createPtyPair } from '../pty.ts';
import { loadScenarioFile, parseScenario } from '../scenarios/load.ts';
import { attachScenario } from '../scenarios/runner.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { scenarioQuantities } from '../scenarios/signal.ts';
import { loadYamlFile, validateData } from '../yaml-file.ts';
import { siteSchema, type ParsedSite, type SiteDevice, type SiteSpec } from './schema.ts';

export interface SiteEndpoint {
  deviceId: string;
  model: string;
  transport: 'modbus-tcp' | 'modbus-rtu' | 'opcua';
  /** TCP: the bound port on 127.0.0.1. */
  port?: number;
  unitId?: number;
  /** RTU: the path a client opens (the other end of the pty pair, or the configured device). */
  path?: string;
  serial?: SerialFormat;
  /** OPC UA: the server endpoint; the tank is the object named deviceId under the TankFarm folder. */
  endpointUrl?: string;
  scenario?: string;
}

export interface RunningSite {
  readonly name: string;
  readonly clock: SimClock;
  readonly endpoints: readonly SiteEndpoint[];
  device(id: string): SimulatedDevice;
  /** The units behind the port or line of a Modbus device: request statistics and comms faults. */
  unitHost(deviceId: string): ModbusUnitHost;
  setCommsFault(deviceId: string, fault: CommsFault): void;
  /** One line per device saying where it listens (what hazmon-sim prints). */
  describe(): string[];
  stop(): Promise<void>;
}

export interface StartSiteOptions {
  /** Overrides the site's speed (simulated ms per real ms; 0 = step the clock by hand). */
  speed?: number;
}

interface ModbusPlacement {
  device: ModbusSimulatedDevice;
  host: ModbusUnitHost;
  unitId: number;
}

/** Loads and validates a site file; cross-checks (unique ids, unit ids) happen in startSite. */
export function loadSiteFile(path: string): ParsedSite {
  return loadYamlFile(path, siteSchema, 'HAZMON_SITE_INVALID');
}

function siteError(source: string, field: string, problem: string): SimulatorError {
  return new SimulatorError('HAZMON_SITE_INVALID', `${source}: ${field}: ${problem}`);
}

/** Resolves a device's scenario (file relative to the site, or inline) and checks it drives quantities the device has. */
function resolveScenario(
  reference: string | Record<string, unknown>,
  baseDir: string,
  source: string,
  field: string,
  deviceId: string,
  quantities: readonly string[],
  commsAllowed: boolean,
): Scenario {
  const scenario = typeof reference === 'string' ? loadScenarioFile(resolve(baseDir, reference)) : parseScenario(reference, `${source}: ${field}`);
  for (const quantity of scenarioQuantities(scenario)) {
    if (!quantities.includes(quantity)) {
      throw siteError(source, field, `scenario "${scenario.name}" drives "${quantity}", which device "${deviceId}" does not have (it has ${quantities.join(', ')})`);
    }
  }
  if (!commsAllowed && scenario.effects.some((effect) => effect.kind === 'commsLoss')) {
    throw siteError(source, field, `scenario "${scenario.name}" has a commsLoss effect, which only Modbus devices support`);
  }
  return scenario;
}

/**
 * Starts every port, line and tank farm of a site file (path) or spec. Scenario values are applied on each clock
 * advance before device physics. Stops everything already started if any part fails.
 */
export async function startSite(site: string | SiteSpec, options: StartSiteOptions = {}): Promise<RunningSite> {
  const source = typeof site === 'string' ? site : 'site spec';
  const baseDir = typeof site === 'string' ? dirname(resolve(site)) : process.cwd();
  const spec = typeof site === 'string' ? loadSiteFile(site) : validateData(siteSchema, site, source, 'HAZMON_SITE_INVALID');
  const clock = new SimClock({ speed: options.speed ?? spec.speed });
  const closers: (() => Promise<void>)[] = [];
  const endpoints: SiteEndpoint[] = [];
  const devices = new Map<string, SimulatedDevice>();
  const modbus = new Map<string, ModbusPlacement>();
  const physics: SimulatedDevice[] = [];
  const scenarios: { device: SimulatedDevice; scenario: Scenario; placement?: ModbusPlacement }[] = [];

  const claimId = (id: string, field: string): void => {
    if (devices.has(id)) throw siteError(source, field, `device id "${id}" is used twice`);
  };

  const addModbusDevices = (entries: SiteDevice[], host: ModbusUnitHost, field: string, endpoint: (entry: SiteDevice) => SiteEndpoint): void => {
    entries.forEach((entry, index) => {
      const entryField = `${field}.devices[${index}]`;
      claimId(entry.id, `${entryField}.id`);
      if (host.unit(entry.unitId) !== undefined) throw siteError(source, `${entryField}.unitId`, `unit id ${entry.unitId} is used twice on this port/line`);
      const device = createParsedDevice(entry);
      const placement = { device, host, unitId: entry.unitId };
      host.addUnit(entry.unitId, device);
      host.setFault(entry.unitId, entry.fault);
      devices.set(entry.id, device);
      modbus.set(entry.id, placement);
      physics.push(device);
      const described = endpoint(entry);
      if (entry.scenario !== undefined) {
        const scenario = resolveScenario(entry.scenario, baseDir, source, `${entryField}.scenario`, entry.id, device.quantityNames(), true);
        scenarios.push({ device, scenario, placement });
        described.scenario = scenario.name;
      }
      endpoints.push(described);
    });
  };

  const stopAll = async (): Promise<void> => {
    clock.stop();
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };

  try {
    for (const [index, port] of spec.tcp.entries()) {
      const host = new ModbusUnitHost();
      const pending: SiteEndpoint[] = [];
      addModbusDevices(port.devices, host, `tcp[${index}]`, (entry) => {
        const described: SiteEndpoint = { deviceId: entry.id, model: entry.model, transport: 'modbus-tcp', unitId: entry.unitId };
        pending.push(described);
        return described;
      });
      const server = await startModbusTcpServer(host, { port: port.port });
      closers.push(() => server.close());
      for (const described of pending) described.port = server.port;
    }
    for (const [index, line] of spec.rtu.entries()) {
      const host = new ModbusUnitHost();
      const serial: SerialFormat = { baudRate: line.baudRate, parity: line.parity, dataBits: line.dataBits, stopBits: line.stopBits };
      let serverPath = line.path;
      let clientPath = line.path;
      if (line.path === 'pty') {
        const pty = await createPtyPair();
        closers.push(() => pty.close());
        serverPath = pty.pathA;
        clientPath = pty.pathB;
      }
      addModbusDevices(line.devices, host, `rtu[${index}]`, (entry) => ({
        deviceId: entry.id,
        model: entry.model,
        transport: 'modbus-rtu',
        unitId: entry.unitId,
        path: clientPath,
        serial,
      }));
      const server = await startModbusRtuServer(host, { path: serverPath, ...serial });
      closers.push(() => server.close());
    }
    for (const [index, farmSpec] of spec.opcua.entries()) {
      const tanks = farmSpec.tanks.map(({ scenario: _scenario, ...tank }) => tank);
      farmSpec.tanks.forEach((tank, tankIndex) => claimId(tank.id, `opcua[${index}].tanks[${tankIndex}].id`));
      const farm = await startTankFarm({
        port: farmSpec.port,
        tanks,
        clock,
        ...(farmSpec.users === undefined ? {} : { users: farmSpec.users }),
        ...(farmSpec.allowAnonymous === undefined ? {} : { allowAnonymous: farmSpec.allowAnonymous }),
      });
      closers.push(() => farm.stop());
      farmSpec.tanks.forEach((tank, tankIndex) => {
        const device = farm.tank(tank.id);
        devices.set(tank.id, device);
        const described: SiteEndpoint = { deviceId: tank.id, model: 'opcua-tank', transport: 'opcua', endpointUrl: farm.endpointUrl };
        if (tank.scenario !== undefined) {
          const field = `opcua[${index}].tanks[${tankIndex}].scenario`;
          const scenario = resolveScenario(tank.scenario, baseDir, source, field, tank.id, TANK_QUANTITIES, false);
          scenarios.push({ device, scenario });
          described.scenario = scenario.name;
        }
        endpoints.push(described);
      });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  for (const { device, scenario, placement } of scenarios) {
    attachScenario(clock, device, scenario, {
      ...(placement === undefined ? {} : { onCommsFault: (fault: CommsFault) => placement.host.setFault(placement.unitId, fault) }),
    });
  }
  // The tank farms advance their own tanks on this clock; the Modbus devices advance here.
  clock.onAdvance((_now, deltaMs) => {
    for (const device of physics) device.advance(deltaMs);
  });
  clock.start();

  const placementOf = (deviceId: string): ModbusPlacement => {
    const placement = modbus.get(deviceId);
    if (placement === undefined) throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `site "${spec.name}" has no Modbus device "${deviceId}"`);
    return placement;
  };

  return {
    name: spec.name,
    clock,
    endpoints,
    device(id) {
      const device = devices.get(id);
      if (device === undefined) {
        throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `site "${spec.name}" has no device "${id}"; it has ${[...devices.keys()].join(', ')}`);
      }
      return device;
    },
    unitHost: (deviceId) => placementOf(deviceId).host,
    setCommsFault(deviceId, fault) {
      const placement = placementOf(deviceId);
      placement.host.setFault(placement.unitId, fault);
    },
    describe: () => endpoints.map(describeEndpoint),
    stop: stopAll,
  };
}

function describeEndpoint(endpoint: SiteEndpoint): string {
  const where =
    endpoint.transport === 'modbus-tcp'
      ? `modbus-tcp 127.0.0.1:${endpoint.port} unit ${endpoint.unitId}`
      : endpoint.transport === 'modbus-rtu'
        ? `modbus-rtu ${endpoint.path} ${endpoint.serial!.baudRate} ${endpoint.serial!.dataBits}${endpoint.serial!.parity[0]!.toUpperCase()}${endpoint.serial!.stopBits} unit ${endpoint.unitId}`
        : `opcua ${endpoint.endpointUrl}`;
  const scenario = endpoint.scenario === undefined ? '' : `  scenario ${endpoint.scenario}`;
  return `${endpoint.deviceId.padEnd(16)} ${endpoint.model.padEnd(20)} ${where}${scenario}`;
}
