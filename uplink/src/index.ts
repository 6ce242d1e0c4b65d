/**
 * @hazmon/uplink: the gateway's uplink to the regulator hub (README.md). `startUplink` is what `hazmon run` starts
 * beside the agent when its config has an `uplink:` section; the contract (subjects, message ids, payloads) is the
 * `@hazmon/uplink/contract` entry point, which the hub imports.
 */
import type { AgentApi } from '@hazmon/agent';
import { connectionOptions } from './connection.ts';
import { UplinkError } from './errors.ts';
import { Uplink } from './uplink.ts';

export { Uplink, type UplinkOptions } from './uplink.ts';
export { UplinkError, type UplinkErrorCode } from './errors.ts';
export type { UplinkPosition } from './position.ts';

/** Where the uplink keeps its acknowledged position: beside the store it reads. */
export function positionPathOf(storePath: string): string {
  return `${storePath}.uplink.json`;
}

/**
 * Starts the uplink of a running agent from its config's `uplink:` section (the `hazmon run` server of that name,
 * composed in gateway/src/servers.ts). Resolves at once: the connection is made, and made again, in the background.
 */
export async function startUplink(api: AgentApi, log: (line: string) => void): Promise<Uplink> {
  const { uplink, site, store } = api.config;
  if (uplink === null || site.gatewayCode === undefined) throw new UplinkError('HAZMON_UPLINK_NOT_CONFIGURED', 'the config has no uplink section (the config check asks for site.gatewayCode with it)');
  const connection = connectionOptions(uplink, site.gatewayCode);
  return new Uplink(api, { connection, gateway: site.gatewayCode, positionPath: positionPathOf(store.path), healthIntervalMs: uplink.healthIntervalS * 1000 }, log);
}
