/** Opens a node-opcua client and session from an endpoint config: security mode, user identity, PKI folder, fail-fast retries. */

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientSession, OPCUAClient, UserIdentityInfo } from 'node-opcua';
import { messageOf } from '@hazmon/errors';
import type { OpcuaEndpointConfig } from './config.ts';
import { OpcuaError } from './errors.ts';
import { loadNodeOpcua, type NodeOpcua } from './node-opcua.ts';

export interface OpenedSession {
  readonly client: OPCUAClient;
  readonly session: ClientSession;
  /** Closes session and channel; never throws (a dead server cannot refuse a goodbye). */
  close(): Promise<void>;
}

/** Status names with which a server refuses the identity rather than the channel. */
const IDENTITY_REFUSALS = /BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid|BadSecurityPolicyRejected/;
/** node-opcua's words when the client itself refuses the server's certificate (it then files it under rejected/). */
const SERVER_CERTIFICATE_REFUSED = /server Certificate verification failed/i;
/** Status names with which a server refuses the client's certificate while opening the channel. */
const CLIENT_CERTIFICATE_REFUSALS = /BadSecurityChecksFailed|BadCertificate\w*|BadNoValidCertificates/;
/** Where node-opcua keeps the client's own certificate in its PKI folder. */
const CLIENT_CERTIFICATE = join('own', 'certs', 'client_certificate.pem');

/** A PKI folder for one client instance: the configured one, or a fresh one under the OS temp dir removed by `release()`. */
export async function clientPkiFolder(endpoint: OpcuaEndpointConfig): Promise<{ dir: string; release(): Promise<void> }> {
  if (endpoint.pkiDir !== undefined) return { dir: endpoint.pkiDir, release: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'hazmon-opcua-client-pki-'));
  return { dir, release: () => rm(dir, { recursive: true, force: true }) };
}

function identityOf(endpoint: OpcuaEndpointConfig, { UserTokenType }: NodeOpcua): UserIdentityInfo {
  return endpoint.user === undefined ? { type: UserTokenType.Anonymous } : { type: UserTokenType.UserName, userName: endpoint.user.userName, password: endpoint.user.password };
}

/** A failed channel, with what to do when it is a certificate that is not trusted (which one, into which folder). */
async function channelError(endpoint: OpcuaEndpointConfig, pkiDir: string, cause: unknown): Promise<OpcuaError> {
  const text = messageOf(cause);
  const failed = `cannot open a secure channel to ${describeEndpoint(endpoint)}: ${text}`;
  if (SERVER_CERTIFICATE_REFUSED.test(text)) {
    const rejected = await newestFile(join(pkiDir, 'rejected'));
    const which = rejected === undefined ? `the server's certificate from ${join(pkiDir, 'rejected')}` : rejected;
    const todo = `hazmon does not trust the server's certificate: check that it is the server's, then move ${which} into ${join(pkiDir, 'trusted', 'certs')} (or set trustUnknownServerCertificate: true to trust it on first contact)`;
    return new OpcuaError('HAZMON_OPCUA_CERTIFICATE_REJECTED', `${failed}; ${todo}`, { cause });
  }
  if (endpoint.securityMode !== 'None' && CLIENT_CERTIFICATE_REFUSALS.test(text)) {
    const todo = `the server does not trust hazmon's client certificate: add ${join(pkiDir, CLIENT_CERTIFICATE)} to the server's trusted certificates`;
    return new OpcuaError('HAZMON_OPCUA_CERTIFICATE_REJECTED', `${failed}; ${todo}`, { cause });
  }
  return new OpcuaError('HAZMON_OPCUA_CONNECT_FAILED', failed, { cause });
}

/** The most recently written file in a folder (node-opcua files a refused certificate there), if any. */
async function newestFile(dir: string): Promise<string | undefined> {
  try {
    const files = await Promise.all((await readdir(dir)).map(async (name) => ({ path: join(dir, name), modified: (await stat(join(dir, name))).mtimeMs })));
    return files.sort((a, b) => b.modified - a.modified)[0]?.path;
  } catch {
    return undefined;
  }
}

function describeEndpoint(endpoint: OpcuaEndpointConfig): string {
  const who = endpoint.user === undefined ? 'anonymous' : `user "${endpoint.user.userName}"`;
  return `${endpoint.endpointUrl} (security ${endpoint.securityMode}, ${who})`;
}

/**
 * One connect + createSession attempt, no retries (the caller owns the retry policy).
 * Throws OpcuaError HAZMON_OPCUA_AUTH_REJECTED when the server refuses the identity, HAZMON_OPCUA_CERTIFICATE_REJECTED
 * when either side does not trust the other's certificate, HAZMON_OPCUA_CONNECT_FAILED otherwise.
 */
export async function openOpcuaSession(endpoint: OpcuaEndpointConfig, pkiDir: string): Promise<OpenedSession> {
  const opcua = await loadNodeOpcua();
  const { MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } = opcua;
  const secure = endpoint.securityMode !== 'None';
  const certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: endpoint.trustUnknownServerCertificate });
  const client = OPCUAClient.create({
    applicationName: 'hazmon',
    applicationUri: 'urn:hazmon:gateway',
    clientCertificateManager: certificateManager,
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
    // node-opcua keeps every initialised certificate manager (its folder watchers and state) in a registry until it is
    // disposed, and the client counted itself a user of this one and never lets go: undisposed, each connection
    // attempt left one behind (the agent's memory grew with every OPC UA server restart). This one is the client's alone.
    certificateManager.referenceCounter = 0;
    await certificateManager.dispose();
  };
  try {
    await client.connect(endpoint.endpointUrl);
  } catch (cause) {
    await closeClient();
    throw await channelError(endpoint, pkiDir, cause);
  }
  let session: ClientSession;
  try {
    session = await client.createSession(identityOf(endpoint, opcua));
  } catch (cause) {
    await closeClient();
    const text = messageOf(cause);
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
