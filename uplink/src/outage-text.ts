/**
 * Why the uplink cannot send, in words an integrator reading the gateway's log can act on. The NATS client's own
 * sentences for two common outages name the wrong thing: while the hub's stream has no leader (a hub node replaced or
 * restarting) JetStream answers "jetstream is not enabled", and a link that carries nothing (a NAT that forgot the
 * flow, a relay that accepts and stays silent) fails the handshake with "node provided an undefined error".
 */
import { messageOf } from '@hazmon/errors';

export function outageText(error: unknown): string {
  const said = messageOf(error);
  if (/jetstream is not enabled/i.test(said)) return `the hub's stream answers no publish: no stream leader at the hub, as while a hub node restarts (NATS: ${said})`;
  if (/undefined error/i.test(said)) return `no answer from the hub's server over the link: it opened but carried nothing (NATS: ${said})`;
  return said;
}
