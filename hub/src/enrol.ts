/**
 * Enrolling a gateway (`hazmon-hub gateway add`): the bureau makes the gateway's NATS credential, an nkey (the server
 * keeps only its public key; the seed never leaves the file handed to the gateway), the NATS `users` entry that lets
 * it publish its own subjects only, and the `uplink:` section of the gateway's config.
 */
import { writeFileSync } from 'node:fs';
import { messageOf } from '@hazmon/errors';
import { nkeys } from '@nats-io/transport-node';
import { gatewayInboxPrefix, gatewayPublishSubjects, isGatewayCode } from '@hazmon/uplink/contract';
import type { HubConfig } from './config.ts';
import { HubError } from './errors.ts';

/** Where the gateway's service reads its seed (the uplink section names it; the bureau copies the file there). */
const GATEWAY_SEED_PATH = '/etc/hazmon/uplink.nkey';
const GATEWAY_HUB_CA_PATH = '/etc/hazmon/hub-ca.pem';

export interface Enrolment {
  /** The nkey's public key (U...): what the NATS server checks the gateway's signature against. */
  readonly publicKey: string;
  /** The NATS `users` entry for the account of the hub's stream. */
  readonly natsUser: string;
  /** The gateway's `site.gatewayCode` and `uplink:` section, as YAML. */
  readonly gatewayConfig: string;
}

/**
 * Makes the gateway's nkey, writes its seed to `seedFile` (mode 0600, never over an existing file) and returns what to
 * hand over. The code must be a subject token, as the gateway's config checks (`site.gatewayCode`).
 */
export function enrolGateway(code: string, hub: Pick<HubConfig, 'nats'>, seedFile: string, now: number): Enrolment {
  if (!isGatewayCode(code)) throw new HubError('HAZMON_HUB_ENROL', `gateway code ${JSON.stringify(code)}: 1-64 letters, digits, _ or - (it names the gateway's NATS subjects)`);
  const pair = nkeys.createUser();
  const seed = new TextDecoder().decode(pair.getSeed());
  try {
    writeFileSync(seedFile, `${seed}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new HubError('HAZMON_HUB_ENROL', `seed file ${seedFile}: ${messageOf(error)}`, { cause: error });
  }
  const publicKey = pair.getPublicKey();
  const natsUser = `{ nkey: ${publicKey}, permissions: { publish: { allow: [${JSON.stringify(gatewayPublishSubjects(code))}] }, subscribe: { allow: [${JSON.stringify(`${gatewayInboxPrefix(code)}.>`)}] } } }  # ${code}, enrolled ${new Date(now).toISOString()}`;
  const servers = hub.nats.servers === undefined ? [] : [hub.nats.servers].flat();
  const gatewayConfig = [
    'site:',
    `  gatewayCode: ${code}`,
    'uplink:',
    `  servers: [${servers.join(', ')}]`,
    `  auth: { nkeySeedFile: ${GATEWAY_SEED_PATH} }`,
    ...(hub.nats.tls ? [`  tls: { ca: ${GATEWAY_HUB_CA_PATH} }`] : []),
    '',
  ].join('\n');
  return { publicKey, natsUser, gatewayConfig };
}
