/** Opens a node-opcua client and session from an endpoint config: security mode, user identity, PKI folder, fail-fast retries. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientSession, OPCUAClient, UserIdentityInfo } from 'node-opcua';
import type { OpcuaEndpointConfig } from './config.ts';
import { OpcuaError, describeCause } from './errors.ts';
import { loadNodeOpcua, type NodeOpcua } from './node-opcua.ts';

export interface OpenedSession {
  readonly client: OPCUAClient;
  readonly session: ClientSession;
  /** Closes session and channel; never throws (a dead server cannot refuse a goodbye). */
  close(): Promise<void>;
}

/** Status names with which a server refuses the identity rather than the channel. */
const IDENTITY_REFUSALS = /BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid|BadSecurityPolicyRejected/;

/** A PKI folder for one client instance: the configured one, or a fresh one under the OS temp dir removed by `release()`. */
export async function clientPkiFolder(endpoint: OpcuaEndpointConfig): Promise<{ dir: string; release(): Promise<void> }> {
  if (endpoint.pkiDir !== undefined) return { dir: endpoint.pkiDir, release: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-client-pki-'));
  return { dir, release: () => rm(dir, { recursive: true, force: true }) };
}

function identityOf(endpoint: OpcuaEndpointConfig, { UserTokenType }: NodeOpcua): UserIdentityInfo {
  return endpoint.user === undefined
    ? { type: UserTokenType.Anonymous }
    : { type: UserTokenType.UserName, userName: endpoint.user.userName, password: endpoint.user.password };
}

function describeEndpoint(endpoint: OpcuaEndpointConfig): string {
  const who = endpoint.user === undefined ? 'anonymous' : `user "${endpoint.user.userName}"`;
  return `${endpoint.endpointUrl} (security ${endpoint.securityMode}, ${who})`;
}

/**
 * One connect + createSession attempt, no retries (the caller owns the retry policy).
 * Throws OpcuaError HAZMON_OPCUA_AUTH_REJECTED when the server refuses the identity, HAZMON_OPCUA_CONNECT_FAILED otherwise.
 */
export async function openOpcuaSession(endpoint: OpcuaEndpointConfig, pkiDir: string): Promise<OpenedSession> {
  const opcua = await loadNodeOpcua();
  const { MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } = opcua;
  const secure = endpoint.securityMode !== 'None';
  const client = OPCUAClient.create({
    applicationName: 'hazmon',
    applicationUri: 'urn:hazmon:gateway',
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: endpoint.trustUnknownServerCertificate }),
    securityMode: MessageSecurityMode[endpoint.securityMode],
    securityPolicy: secure ? SecurityPolicy[endpoint.securityPolicy] : SecurityPolicy.None,
    endpointMustExist: false,
    keepSessionAlive: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    defaultTransactionTimeout: endpoint.requestTimeoutMs,
    transportTimeout: endpoint.requestTimeoutMs,
    requestedSessionTimeout: 60_000,
  });
  const closeClient = async (): Promise<void> => {
    try {
      await client.disconnect();
    } catch {
      // the channel is already gone; nothing left to release
    }
  };
  try {
    await client.connect(endpoint.endpointUrl);
  } catch (cause) {
    await closeClient();
    throw new OpcuaError('HAZMON_OPCUA_CONNECT_FAILED', `cannot open a secure channel to ${describeEndpoint(endpoint)}: ${describeCause(cause)}`, { cause });
  }
  let session: ClientSession;
  try {
    session = await client.createSession(identityOf(endpoint, opcua));
  } catch (cause) {
    await closeClient();
    const text = describeCause(cause);
    const code = IDENTITY_REFUSALS.test(text) ? 'HAZMON_OPCUA_AUTH_REJECTED' : 'HAZMON_OPCUA_CONNECT_FAILED';
    throw new OpcuaError(code, `server refused a session for ${describeEndpoint(endpoint)}: ${text}`, { cause });
  }
  return {
    client,
    session,
    close: async () => {
      try {
        await session.close(false);
      } catch {
        // a session on a dead channel cannot be closed politely
      }
      await closeClient();
    },
  };
}
