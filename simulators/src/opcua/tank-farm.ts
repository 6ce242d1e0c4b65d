/** The OPC UA tank farm: an in-process node-opcua server exposing simulated tanks under a TankFarm folder. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  Variant,
  standardUnits,
  type EUInformation,
  type Namespace,
  type StatusCode,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import { SimClock } from '../clock.ts';
import type { SimulatedDevice } from '../devices/device.ts';
import { SimulatorError } from '../errors.ts';
import { TankDevice, type TankSpec } from './tank.ts';

export interface TankFarmOptions {
  /** 0 picks a free port. */
  port: number;
  tanks: TankSpec[];
  users?: { userName: string; password: string }[];
  /** Default: true when no users are given, false otherwise. */
  allowAnonymous?: boolean;
  /** Simulated ms per real ms for the farm's own timer; 0 moves time only through advance(). Default 1. Ignored with `clock`. */
  speed?: number;
  /** Real ms between timer ticks. Default 100. Ignored with `clock`. */
  tickMs?: number;
  /** A shared simulation clock (e.g. a site's); the farm follows it and leaves starting/stopping it to the owner. */
  clock?: SimClock;
  /**
   * Folder for the server's certificates (created offline by node-opcua-pki's JS implementation, no openssl needed).
   * Default: a fresh folder under the OS temp dir, removed by stop(). Pass one folder to reuse a certificate across farms.
   */
  pkiDir?: string;
  /** Accept a client certificate the server has not trusted yet. Default true; false plays a server that must be told to trust hazmon. */
  trustUnknownClientCertificate?: boolean;
  /** Extra Double variables `ns=1;s=Bulk.V<i>` whose values change on every advance, for load tests. Default 0. */
  bulkVariables?: number;
}

export interface RunningTankFarm {
  endpointUrl: string;
  port: number;
  tank(id: string): SimulatedDevice;
  /** Steps the farm's clock by simMs (the shared clock, and so everything on it, when `clock` was given). */
  advance(simMs: number): void;
  /** Shuts the server down (clients see the connection close) and removes its own temp PKI folder. */
  stop(): Promise<void>;
}

/** Variables of each tank, named as they appear in the address space. */
export type TankVariableName = 'Level' | 'Pressure' | 'Temperature' | 'InletValve' | 'InletClosed' | 'InletOpen' | 'OutletPump';

export const TANK_FARM_APPLICATION_URI = 'urn:hazmon:tank-farm';

/** NodeId (namespace 1, the server's own) of a tank variable, e.g. `ns=1;s=TankFarm.T101.Level`. */
export function tankNodeId(tankId: string, variable: TankVariableName): string {
  return `ns=1;s=TankFarm.${tankId}.${variable}`;
}

/** NodeId of bulk variable `index` (0-based), present when the farm was started with `bulkVariables`. */
export function bulkNodeId(index: number): string {
  return `ns=1;s=Bulk.V${index}`;
}

/** Value of bulk variable `index` at simulated time `simMs`: distinct per variable, different on every tick. */
export function bulkValueAt(index: number, simMs: number): number {
  return index + simMs / 1000;
}

const DEFAULT_TICK_MS = 100;

interface TankNodes {
  device: TankDevice;
  level: UAVariable;
  pressure: UAVariable;
  temperature: UAVariable;
}

export async function startTankFarm(options: TankFarmOptions): Promise<RunningTankFarm> {
  const tanksById = new Map<string, TankDevice>();
  for (const spec of options.tanks) {
    if (tanksById.has(spec.id)) throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `tank farm: tank id "${spec.id}" appears twice`);
    tanksById.set(spec.id, new TankDevice(spec));
  }
  const users = options.users ?? [];
  const ownsPkiDir = options.pkiDir === undefined;
  const pkiDir = options.pkiDir ?? (await mkdtemp(join(tmpdir(), 'hazmon-tank-farm-pki-')));
  const server = new OPCUAServer({
    port: options.port,
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverInfo: { applicationUri: TANK_FARM_APPLICATION_URI, productUri: 'hazmon-tank-farm', applicationName: { text: 'hazmon tank farm' } },
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: options.trustUnknownClientCertificate ?? true }),
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: options.allowAnonymous ?? users.length === 0,
    userManager: { isValidUser: (userName: string, password: string) => users.some((user) => user.userName === userName && user.password === password) },
  });
  await server.initialize();
  const namespace = server.engine.addressSpace!.getOwnNamespace();
  const folder = namespace.addFolder(server.engine.addressSpace!.rootFolder.objects, { browseName: 'TankFarm', nodeId: 's=TankFarm' });
  const tankNodes = [...tanksById.values()].map((device) => addTank(namespace, folder, device));
  const bulk = addBulkVariables(namespace, options.bulkVariables ?? 0);

  const clock = options.clock ?? new SimClock({ speed: options.speed ?? 1, tickMs: options.tickMs ?? DEFAULT_TICK_MS });
  const removeListener = clock.onAdvance((nowSimMs, deltaSimMs) => {
    for (const nodes of tankNodes) nodes.device.advance(deltaSimMs);
    bulk.publish(nowSimMs);
  });
  await server.start();
  if (options.clock === undefined) clock.start();

  return {
    endpointUrl: server.getEndpointUrl(),
    port: server.endpoints[0]!.port,
    tank(id: string): SimulatedDevice {
      const device = tanksById.get(id);
      if (device === undefined) {
        throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `tank farm has no tank "${id}"; known: ${[...tanksById.keys()].join(', ')}`);
      }
      return device;
    },
    advance(simMs: number): void {
      clock.step(simMs);
    },
    async stop(): Promise<void> {
      removeListener();
      if (options.clock === undefined) clock.stop();
      await server.shutdown(0);
      if (ownsPkiDir) await rm(pkiDir, { recursive: true, force: true });
    },
  };
}

function addTank(namespace: Namespace, folder: UAObject, device: TankDevice): TankNodes {
  const prefix = `s=TankFarm.${device.id}`;
  const tank = namespace.addObject({ organizedBy: folder, browseName: device.id, nodeId: prefix });
  const analog = (name: TankVariableName, units: EUInformation, low: number, high: number): UAVariable =>
    namespace.addAnalogDataItem({
      componentOf: tank,
      browseName: name,
      nodeId: `${prefix}.${name}`,
      dataType: 'Double',
      engineeringUnits: units,
      engineeringUnitsRange: { low, high },
      accessLevel: 'CurrentRead',
      userAccessLevel: 'CurrentRead',
    });
  const command = (name: TankVariableName, quantity: 'inletOpen' | 'outletRunning'): void => {
    namespace.addVariable({
      componentOf: tank,
      browseName: name,
      nodeId: `${prefix}.${name}`,
      dataType: 'Boolean',
      accessLevel: 'CurrentRead | CurrentWrite',
      userAccessLevel: 'CurrentRead | CurrentWrite',
      minimumSamplingInterval: 50,
      value: {
        get: () => new Variant({ dataType: DataType.Boolean, value: device.get(quantity) !== 0 }),
        set: (variant: Variant) => {
          if (typeof variant.value !== 'boolean') return StatusCodes.BadTypeMismatch;
          device.set(quantity, variant.value ? 1 : 0);
          return StatusCodes.Good;
        },
      },
    });
  };
  command('InletValve', 'inletOpen');
  command('OutletPump', 'outletRunning');
  const limitSwitch = (name: TankVariableName, which: 'closed' | 'open'): void => {
    namespace.addVariable({
      componentOf: tank,
      browseName: name,
      nodeId: `${prefix}.${name}`,
      dataType: 'Boolean',
      // A limit switch is read, never written: the valve's position sets it.
      accessLevel: 'CurrentRead',
      userAccessLevel: 'CurrentRead',
      minimumSamplingInterval: 50,
      value: { get: () => new Variant({ dataType: DataType.Boolean, value: device.inletSwitch(which) }) },
    });
  };
  limitSwitch('InletClosed', 'closed');
  limitSwitch('InletOpen', 'open');
  const nodes: TankNodes = {
    device,
    level: analog('Level', standardUnits.millimetre, 0, device.heightMm),
    pressure: analog('Pressure', standardUnits.kilopascal, 0, 1000),
    temperature: analog('Temperature', standardUnits.degree_celsius, -40, 150),
  };
  device.onChange = () => publishTank(nodes);
  publishTank(nodes);
  return nodes;
}

/** Pushes the tank state with a fresh source timestamp; data-change filters drop unchanged values. */
function publishTank(nodes: TankNodes): void {
  const now = new Date();
  const levelStatus: StatusCode = nodes.device.get('sensorFault') !== 0 ? StatusCodes.BadSensorFailure : StatusCodes.Good;
  publishDouble(nodes.level, nodes.device.get('level'), levelStatus, now);
  publishDouble(nodes.pressure, nodes.device.get('pressure'), StatusCodes.Good, now);
  publishDouble(nodes.temperature, nodes.device.get('temperature'), StatusCodes.Good, now);
}

function publishDouble(variable: UAVariable, value: number, status: StatusCode, sourceTimestamp: Date): void {
  variable.setValueFromSource(new Variant({ dataType: DataType.Double, value }), status, sourceTimestamp);
}

function addBulkVariables(namespace: Namespace, count: number): { publish(simMs: number): void } {
  if (!(Number.isInteger(count) && count >= 0)) throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `tank farm: bulkVariables must be an integer >= 0, got ${count}`);
  if (count === 0) return { publish: () => {} };
  const bulkFolder = namespace.addFolder(namespace.addressSpace.rootFolder.objects, { browseName: 'Bulk', nodeId: 's=Bulk' });
  const variables: UAVariable[] = [];
  for (let index = 0; index < count; index++) {
    variables.push(namespace.addVariable({ organizedBy: bulkFolder, browseName: `V${index}`, nodeId: `s=Bulk.V${index}`, dataType: 'Double', minimumSamplingInterval: 0 }));
  }
  const publish = (simMs: number): void => {
    const now = new Date();
    for (let index = 0; index < count; index++) publishDouble(variables[index]!, bulkValueAt(index, simMs), StatusCodes.Good, now);
  };
  publish(0);
  return { publish };
}
