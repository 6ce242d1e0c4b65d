/**
 * Enrolling a gateway (`hazmon-hub gateway add`): the bureau makes the gateway's NATS credential, the NATS `users`
 * entry that lets it publish its own subjects only, and the `uplink:` section of the gateway's config.
 *
 * The credential is the user `gw-<code>` with a random password (32 bytes) whose bcrypt hash is all the NATS servers
 * keep (bcryptjs: the hash nats-server checks, in plain JavaScript). A named user rather than an nkey because NATS
 * names a connection by its user in its connect, disconnect and auth-error events, its connection lists and its log:
 * the hub's link health and refusals tell the gateway from that name (an nkey user is named by its public key there).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { messageOf } from '@hazmon/errors';
import { gatewayInboxPrefix, gatewayNatsUser, gatewayPublishSubjects, isGatewayCode } from '@hazmon/uplink/contract';
import bcrypt from 'bcryptjs';
import type { HubConfig } from './config.ts';
import { HubError } from './errors.ts';

/** Where the gateway's service reads its password (the uplink section names it; the bureau copies the file there). */
const GATEWAY_PASSWORD_PATH = '/etc/hazmon/uplink.password';
/** bcrypt's cost: checked once per connection, so a slow hash costs the servers nothing that matters. */
const BCRYPT_ROUNDS = 11;
const GATEWAY_HUB_CA_PATH = '/etc/hazmon/hub-ca.pem';

export interface Enrolment {
  /** The gateway's NATS user name, `gw-<code>`. */
  readonly user: string;
  /** The NATS `users` entry for the account of the hub's stream. */
  readonly natsUser: string;
  /** The gateway's `site.gatewayCode` and `uplink:` section, as YAML. */
  readonly gatewayConfig: string;
}

/**
 * Makes the gateway's password, writes it to `passwordFile` (mode 0600, never over an existing file) and returns what
 * to hand over. The code must be a subject token, as the gateway's config checks (`site.gatewayCode`).
 */
export function enrolGateway(code: string, hub: Pick<HubConfig, 'nats'>, passwordFile: string, now: number): Enrolment {
  if (!isGatewayCode(code)) throw new HubError('HAZMON_HUB_ENROL', `gateway code ${JSON.stringify(code)}: 1-64 letters, digits, _ or - (it names the gateway's NATS subjects)`);
  const password = randomBytes(32).toString('base64url');
  try {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new HubError('HAZMON_HUB_ENROL', `password file ${passwordFile}: ${messageOf(error)}`, { cause: error });
  }
  const user = gatewayNatsUser(code);
  const hash = bcrypt.hashSync(password, BCRYPT_ROUNDS);
  const natsUser = `{ user: ${JSON.stringify(user)}, password: ${JSON.stringify(hash)}, permissions: { publish: { allow: [${JSON.stringify(gatewayPublishSubjects(code))}] }, subscribe: { allow: [${JSON.stringify(`${gatewayInboxPrefix(code)}.>`)}] } } }  # ${code}, enrolled ${new Date(now).toISOString()}`;
  const servers = hub.nats.servers === undefined ? [] : [hub.nats.servers].flat();
  const gatewayConfig = [
    'site:',
    `  gatewayCode: ${code}`,
    'uplink:',
    `  servers: [${servers.join(', ')}]`,
    `  auth: { user: ${user}, passwordFile: ${GATEWAY_PASSWORD_PATH} }`,
    ...(hub.nats.tls ? [`  tls: { ca: ${GATEWAY_HUB_CA_PATH} }`] : []),
    '',
  ].join('\n');
  return { user, natsUser, gatewayConfig };
}
