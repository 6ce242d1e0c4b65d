/** Reads the EngineeringUnits and EURange properties of variables and turns UNECE unit codes into hazmon unit names. */

import type { ClientSession, EUInformation, NodeIdLike, Range } from 'node-opcua';
import { loadNodeOpcua } from './node-opcua.ts';

/** hazmon spellings for common UNECE Recommendation 20 codes; other units keep the server's display name. */
const UNIT_BY_UNECE_CODE: Readonly<Record<string, string>> = {
  CEL: 'degC',
  FAH: 'degF',
  KEL: 'K',
  MMT: 'mm',
  CMT: 'cm',
  MTR: 'm',
  KPA: 'kPa',
  PAL: 'Pa',
  BAR: 'bar',
  MBR: 'mbar',
  P1: '%',
  '59': 'ppm',
};

/** Decodes OPC UA's packing of a UNECE code into an Int32 (one ASCII character per byte, left to right). */
export function uneceCode(unitId: number): string {
  let code = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const byte = (unitId >>> shift) & 0xff;
    if (byte !== 0) code += String.fromCharCode(byte);
  }
  return code;
}

export function hazmonUnit(units: EUInformation): string {
  return UNIT_BY_UNECE_CODE[uneceCode(units.unitId)] ?? units.displayName.text ?? '';
}

export interface EngineeringInfo {
  readonly engineeringUnits?: EUInformation;
  readonly euRange?: { readonly low: number; readonly high: number };
}

/** One TranslateBrowsePaths and one Read for all nodes; nodes without the properties get empty entries. */
export async function readEngineeringInfo(session: ClientSession, nodeIds: readonly NodeIdLike[]): Promise<EngineeringInfo[]> {
  if (nodeIds.length === 0) return [];
  const { AttributeIds, StatusCodes, makeBrowsePath } = await loadNodeOpcua();
  const paths = nodeIds.flatMap((nodeId) => [makeBrowsePath(nodeId, '.EngineeringUnits'), makeBrowsePath(nodeId, '.EURange')]);
  const translated = await session.translateBrowsePath(paths);
  const propertyIds = translated.map((result) => (result.statusCode === StatusCodes.Good ? result.targets?.[0]?.targetId : undefined));
  const present = propertyIds.flatMap((nodeId, index) => (nodeId === undefined ? [] : [{ index, nodeId }]));
  const values = present.length === 0 ? [] : await session.read(present.map(({ nodeId }) => ({ nodeId, attributeId: AttributeIds.Value })));
  const valueByPath = new Map<number, unknown>();
  present.forEach(({ index }, position) => valueByPath.set(index, values[position]?.value.value));
  return nodeIds.map((_, index) => {
    const units = valueByPath.get(2 * index) as EUInformation | undefined;
    const range = valueByPath.get(2 * index + 1) as Range | undefined;
    return {
      ...(units ? { engineeringUnits: units } : {}),
      ...(range ? { euRange: { low: range.low, high: range.high } } : {}),
    };
  });
}
