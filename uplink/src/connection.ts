/** The NATS connection options of the `uplink:` section: servers, the gateway's credentials read from their files, TLS. */
import { readFileSync } from 'node:fs';
import type { UplinkConfig } from '@hazmon/agent';
import { messageOf } from '@hazmon/errors';
import { credsAuthenticator, nkeyAuthenticator, usernamePasswordAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { gatewayInboxPrefix } from './contract.ts';
import { UplinkError } from './errors.ts';

function readCredential(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UplinkError('HAZMON_UPLINK_CREDENTIALS_UNREADABLE', `uplink.auth.${field}: cannot read ${path} (${messageOf(error)})`, { cause: error });
  }
}

/**
 * Reconnects for ever (a gateway's link comes back; the store holds what waits), each attempt a second or two apart
 * with jitter so gateways cut together do not return in one burst.
 */
export function connectionOptions(uplink: UplinkConfig, gateway: string): NodeConnectionOptions {
  const { auth, tls } = uplink;
  const authenticator =
    auth === undefined
      ? undefined
      : auth.credsFile !== undefined
        ? credsAuthenticator(new TextEncoder().encode(readCredential(auth.credsFile, 'credsFile')))
        : auth.nkeySeedFile !== undefined
          ? nkeyAuthenticator(new TextEncoder().encode(readCredential(auth.nkeySeedFile, 'nkeySeedFile').trim()))
          : usernamePasswordAuthenticator(auth.user!, readCredential(auth.passwordFile!, 'passwordFile').split(/\r?\n/)[0]!);
  const tlsWanted = tls !== undefined || uplink.servers.some((url) => url.startsWith('tls:'));
  return {
    servers: [...uplink.servers],
    name: `hazmon-gateway-${gateway}`,
    // Replies (the stream's acknowledgements) on the gateway's own inbox, the only one its NATS user may subscribe to.
    inboxPrefix: gatewayInboxPrefix(gateway),
    ...(authenticator && { authenticator }),
    ...(tlsWanted && { tls: { ...(tls?.ca && { caFile: tls.ca }), ...(tls?.cert && { certFile: tls.cert }), ...(tls?.key && { keyFile: tls.key }) } }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    reconnectJitter: 500,
    timeout: 5000,
    // A link that goes silent (no reset, as a cut cable or a NAT that forgot the flow) is noticed within a minute, not
    // the client's default four.
    pingInterval: 20_000,
    maxPingOut: 3,
  };
}
