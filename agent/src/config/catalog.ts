/** Builds the config's Modbus devices from their profiles and lists every point that will produce readings, by reading id. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LineConfig, ModbusProfile, OpcuaConnectionConfig, OpcuaPointConfig, ReadyDevice, ResolvedPoint } from '@hazmon/protocols';
import { ModbusConfigError, createModbusDevice, loadProfile } from '@hazmon/protocols';
import type { ConfigSections } from './schema.ts';
import type { IssueList, PathPart } from './issues.ts';
import { parsePath } from './issues.ts';

/** A point that produces readings, as the runtime will name it in `Reading.pointId`. */
export type SourcePoint =
  | { readonly source: 'modbus'; readonly id: string; readonly path: PathPart[]; readonly device: ReadyDevice; readonly point: ResolvedPoint }
  | { readonly source: 'opcua'; readonly id: string; readonly path: PathPart[]; readonly connection: OpcuaConnectionConfig; readonly point: OpcuaPointConfig };

export interface PointCatalog {
  readonly devices: ReadyDevice[];
  readonly points: Map<string, SourcePoint>;
  /** Ids of devices that could not be built: references into them are not reported a second time. */
  readonly brokenDevices: Set<string>;
}

/** A coil, discrete input or register bit, or an OPC UA point declared `type: bool`. */
export function isBooleanPoint(point: SourcePoint): boolean {
  return point.source === 'modbus' ? point.point.type === 'bool' || point.point.type === 'bit' : point.point.type === 'bool';
}

/** The unit the point's readings carry at start ('' when the OPC UA server is to name it). */
export function unitOf(point: SourcePoint): string {
  return point.source === 'modbus' ? point.point.unit : (point.point.unit ?? '');
}

/** Whether a reference names a point of a device that failed to build (already reported). */
export function inBrokenDevice(catalog: PointCatalog, readingId: string): boolean {
  const dot = readingId.indexOf('.');
  return dot > 0 && catalog.brokenDevices.has(readingId.slice(0, dot));
}

/** Builds each device (profile + overrides), checking its line, unit id and profile; collects every problem. */
export function buildCatalog(sections: Partial<ConfigSections>, file: string, profilesDir: string | undefined, issues: IssueList): PointCatalog {
  const catalog: PointCatalog = { devices: [], points: new Map(), brokenDevices: new Set() };
  const lines = sections.lines ? new Map<string, LineConfig>(sections.lines.map((line) => [line.id, line])) : null;
  const profiles = new Map<string, ModbusProfile | ModbusConfigError>();
  const unitOwners = new Map<string, number>();
  const listed: SourcePoint[] = [];
  const deviceIds = new Set<string>();
  const siteProfiles = siteProfilesDir(sections, file, issues);
  (sections.devices ?? []).forEach((config, index) => {
    const path: PathPart[] = ['devices', index];
    // A second device with the same id is reported as a duplicate; its points would only repeat that.
    if (deviceIds.has(config.id)) return;
    deviceIds.add(config.id);
    if (lines && !lines.has(config.line)) {
      issues.add('HAZMON_CONFIG_REFERENCE', [...path, 'line'], `no line with this id (lines: ${[...lines.keys()].join(', ') || 'none'})`);
    }
    const unitKey = `${config.line}\u0000${config.unitId}`;
    const owner = unitOwners.get(unitKey);
    if (owner === undefined) unitOwners.set(unitKey, index);
    else issues.add('HAZMON_CONFIG_DUPLICATE', [...path, 'unitId'], `unit id already used on line ${JSON.stringify(config.line)} by devices[${owner}]`);
    let profile = profiles.get(config.profile);
    if (profile === undefined) {
      try {
        profile = loadProfile(config.profile, siteProfiles !== null && existsSync(join(siteProfiles, `${config.profile}.yaml`)) ? siteProfiles : profilesDir);
      } catch (error) {
        if (!(error instanceof ModbusConfigError)) throw error;
        profile = error;
      }
      profiles.set(config.profile, profile);
    }
    if (profile instanceof ModbusConfigError) {
      catalog.brokenDevices.add(config.id);
      issues.add('HAZMON_CONFIG_DEVICE', [...path, 'profile'], describe(profile, file), config.profile);
      return;
    }
    try {
      const { upkeep: _upkeep, ...deviceConfig } = config;
      const device = createModbusDevice(profile, deviceConfig, { file, path });
      catalog.devices.push(device);
      for (const point of device.points) {
        if (point.spec.poll) listed.push({ source: 'modbus', id: point.readingId, path: [...path, 'id'], device, point: point.spec });
      }
    } catch (error) {
      if (!(error instanceof ModbusConfigError)) throw error;
      catalog.brokenDevices.add(config.id);
      // Problems inside the profile itself (a dropped channel's dangling reference) are placed on the device.
      const at = error.location.file === file ? parsePath(error.location.path) : path;
      issues.add('HAZMON_CONFIG_DEVICE', at, describe(error, file), error.value);
    }
  });
  (sections.opcua ?? []).forEach((connection, c) => {
    connection.points.forEach((point, p) => listed.push({ source: 'opcua', id: point.id, path: ['opcua', c, 'points', p, 'id'], connection, point }));
  });
  issues.addDuplicates(
    listed,
    (point) => point.id,
    (index) => listed[index]!.path,
    'reading point',
  );
  for (const point of listed) if (!catalog.points.has(point.id)) catalog.points.set(point.id, point);
  return catalog;
}

/** The `profiles.dir` folder resolved from the config file's folder; null when not given or not a folder (reported). */
function siteProfilesDir(sections: Partial<ConfigSections>, file: string, issues: IssueList): string | null {
  const dir = sections.profiles?.dir;
  if (dir === undefined) return null;
  const path = resolve(dirname(file), dir);
  if (existsSync(path) && statSync(path).isDirectory()) return path;
  issues.add('HAZMON_CONFIG_INVALID', ['profiles', 'dir'], `no such folder (${path})`, dir);
  return null;
}

/** The profile layer's problem text with its code; where it is, when that is another file (a profile). */
function describe(error: ModbusConfigError, file: string): string {
  const problem = `${error.code}: ${error.problem}`;
  return error.location.file === file ? problem : `${problem} (in ${error.where} ${error.location.path})`;
}
