/** Walks a server's address space from a start node and lists its variables with the facts needed to write point config. */

import type { BrowseResult, ClientSession, ReferenceDescription } from 'node-opcua';
import { messageOf } from '@hazmon/errors';
import { parseOpcuaEndpoint } from './config.ts';
import { hazmonUnit, readEngineeringInfo, uneceCode } from './engineering-units.ts';
import { OpcuaError } from './errors.ts';
import { loadNodeOpcua, type NodeOpcua } from './node-opcua.ts';
import { clientPkiFolder, openOpcuaSession } from './session.ts';
import { isGoodStatus } from './status.ts';

export interface OpcuaVariableInfo {
  /** Ready for a point's `nodeId`, e.g. "ns=1;s=TankFarm.T101.Level". */
  readonly nodeId: string;
  /** Browse names from the start node, joined by "/", e.g. "TankFarm/T101/Level". */
  readonly browsePath: string;
  /** Name of the variable's DataType, e.g. "Double", "Boolean". */
  readonly dataType: string;
  readonly writable: boolean;
  readonly engineeringUnits?: { readonly unit: string; readonly uneceCode: string; readonly displayName: string };
  readonly euRange?: { readonly low: number; readonly high: number };
}

export interface BrowseOpcuaOptions {
  /** Default "i=85" (the Objects folder). */
  startNodeId?: string;
  /** Levels below the start node to descend. Default 8. */
  maxDepth?: number;
}

const HAS_PROPERTY = 'ns=0;i=46';
/** The Server object holds hundreds of diagnostics variables that are never process points. */
const SERVER_OBJECT = 'ns=0;i=2253';
const CURRENT_WRITE = 0x02;

interface Found {
  readonly nodeId: string;
  readonly browsePath: string;
}

/** Connects with the endpoint config (validated; errors name `where`), browses, disconnects. */
export async function browseOpcuaVariables(endpointInput: unknown, options: BrowseOpcuaOptions = {}, where?: string): Promise<OpcuaVariableInfo[]> {
  const endpoint = parseOpcuaEndpoint(endpointInput, where);
  const pki = await clientPkiFolder(endpoint);
  try {
    const opened = await openOpcuaSession(endpoint, pki.dir);
    try {
      return await listVariables(await loadNodeOpcua(), opened.session, options);
    } catch (cause) {
      throw new OpcuaError('HAZMON_OPCUA_BROWSE_FAILED', `browsing ${endpoint.endpointUrl} from ${options.startNodeId ?? 'i=85'}: ${messageOf(cause)}`, { cause });
    } finally {
      await opened.close();
    }
  } finally {
    await pki.release();
  }
}

/** The walk on an open session; failures are plain errors that browseOpcuaVariables wraps with the endpoint. */
async function listVariables(opcua: NodeOpcua, session: ClientSession, options: BrowseOpcuaOptions): Promise<OpcuaVariableInfo[]> {
  const { AttributeIds } = opcua;
  const variables = await walk(opcua, session, options.startNodeId ?? 'i=85', options.maxDepth ?? 8);
  if (variables.length === 0) return [];
  const attributes = await session.read(
    variables.flatMap(({ nodeId }) => [
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.UserAccessLevel },
    ]),
  );
  const dataTypeIds = variables.map((_, index) => attributes[2 * index]!.value.value);
  const dataTypeNames = await session.read(dataTypeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.BrowseName })));
  const engineering = await readEngineeringInfo(
    session,
    variables.map(({ nodeId }) => nodeId),
  );
  return variables.map((variable, index) => {
    const units = engineering[index]!.engineeringUnits;
    const range = engineering[index]!.euRange;
    const accessLevel = attributes[2 * index + 1]!.value.value;
    return {
      nodeId: variable.nodeId,
      browsePath: variable.browsePath,
      dataType: dataTypeNames[index]?.value.value?.name ?? 'unknown',
      writable: typeof accessLevel === 'number' && (accessLevel & CURRENT_WRITE) !== 0,
      ...(units === undefined ? {} : { engineeringUnits: { unit: hazmonUnit(units), uneceCode: uneceCode(units.unitId), displayName: units.displayName.text ?? '' } }),
      ...(range === undefined ? {} : { euRange: range }),
    };
  });
}

/** Breadth-first over Organizes/HasComponent (not properties), one Browse call per level. */
async function walk(opcua: NodeOpcua, session: ClientSession, startNodeId: string, maxDepth: number): Promise<Found[]> {
  const variables: Found[] = [];
  const visited = new Set<string>([startNodeId]);
  let level: Found[] = [{ nodeId: startNodeId, browsePath: '' }];
  for (let depth = 0; depth < maxDepth && level.length > 0; depth++) {
    const results = await browseAll(
      opcua,
      session,
      level.map(({ nodeId }) => nodeId),
    );
    const next: Found[] = [];
    results.forEach((references, index) => {
      const parent = level[index]!;
      for (const reference of references) {
        const nodeId = reference.nodeId.toString();
        if (reference.referenceTypeId.toString() === HAS_PROPERTY || nodeId === SERVER_OBJECT || visited.has(nodeId)) continue;
        visited.add(nodeId);
        const found = { nodeId, browsePath: parent.browsePath === '' ? (reference.browseName.name ?? '') : `${parent.browsePath}/${reference.browseName.name ?? ''}` };
        if (reference.nodeClass === opcua.NodeClass.Variable) variables.push(found);
        next.push(found);
      }
    });
    level = next;
  }
  return variables;
}

async function browseAll({ BrowseDirection, NodeClassMask }: NodeOpcua, session: ClientSession, nodeIds: string[]): Promise<ReferenceDescription[][]> {
  const results: BrowseResult[] = await session.browse(
    nodeIds.map((nodeId) => ({
      nodeId,
      browseDirection: BrowseDirection.Forward,
      referenceTypeId: 'HierarchicalReferences',
      includeSubtypes: true,
      nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
      resultMask: 0x3f,
    })),
  );
  const references: ReferenceDescription[][] = [];
  for (const [index, result] of results.entries()) {
    if (!isGoodStatus(result.statusCode)) throw new Error(`Browse of ${nodeIds[index]} returned ${result.statusCode.name}`);
    const list = [...(result.references ?? [])];
    let continuationPoint = result.continuationPoint;
    while (continuationPoint !== null && continuationPoint !== undefined && continuationPoint.length > 0) {
      const more = await session.browseNext(continuationPoint, false);
      list.push(...(more.references ?? []));
      continuationPoint = more.continuationPoint;
    }
    references.push(list);
  }
  return references;
}
