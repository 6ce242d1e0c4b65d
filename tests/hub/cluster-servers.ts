/**
 * A 3-node NATS JetStream cluster on loopback for the hub's system test: each node its own process, ports and store
 * dir, routes to the others, the same accounts as `startNats` (tests/hub/servers.ts). A node can be killed (SIGKILL)
 * and started again on its ports and store.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_STREAM } from '@hazmon/hub';
import { waitFor } from '@hazmon/test-support';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { freePort, HUB_USER, natsAccounts, ServiceProcess, type GatewayUser } from './servers.ts';

export interface ClusterNode {
  /** Its `server_name`, as the stream's cluster info names its leader. */
  readonly name: string;
  /** nats://127.0.0.1:<client port> */
  readonly url: string;
  readonly clientPort: number;
  /** http://127.0.0.1:<monitoring port> */
  readonly monitorUrl: string;
  /** Kills it with SIGKILL (no shutdown: as a crash or a power cut), its store left as the crash left it. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store, and waits until its JetStream is current with the cluster. */
  start(): Promise<void>;
  readonly lastOutput: string;
}

export interface NatsCluster {
  readonly nodes: readonly ClusterNode[];
  /** The hub's connection options: every node. */
  readonly hubConnection: { readonly servers: string[]; readonly user: string; readonly pass: string };
  /** The node a client of this connection name is connected to now (its monitoring's connection list), if any. */
  nodeServing(connectionName: string): Promise<ClusterNode | undefined>;
  /** The node leading the hub's stream now, and the stream's replicas. */
  streamCluster(): Promise<{ readonly leader: ClusterNode; readonly replicas: number }>;
  close(): Promise<void>;
}

/**
 * Starts `size` nodes routed to each other. `no_advertise`: the nodes do not tell clients the others' addresses, so a
 * gateway reaches the cluster only through the servers its config names (here, relays the test can cut), as behind NAT.
 */
export async function startNatsCluster(gateways: readonly GatewayUser[], size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort(), monitor: await freePort() })));
  const routes = ports.map(({ route }) => `nats-route://127.0.0.1:${route}`).join(', ');
  const nodes = ports.map(({ client, route, monitor }, index): ClusterNode & { process: ServiceProcess } => {
    const name = `hub-${index + 1}`;
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir);
    const config = join(nodeDir, 'nats.conf');
    writeFileSync(
      config,
      `server_name: ${name}
listen: 127.0.0.1:${client}
http: 127.0.0.1:${monitor}
jetstream { store_dir: ${JSON.stringify(join(nodeDir, 'js'))}, max_memory_store: 64MB, max_file_store: 1GB }
cluster { name: hazmon-hub, listen: 127.0.0.1:${route}, routes: [ ${routes} ], no_advertise: true }
${natsAccounts(gateways)}
`,
    );
    const process = new ServiceProcess(`nats-server ${name}`, 'nats-server', ['-c', config]);
    return {
      name,
      url: `nats://127.0.0.1:${client}`,
      clientPort: client,
      monitorUrl: `http://127.0.0.1:${monitor}`,
      process,
      kill: () => process.stop('SIGKILL'),
      async start() {
        process.start();
        // healthz answers 200 once this node's JetStream is current with the cluster's meta leader.
        await waitFor(`nats-server ${name} healthy`, async () => (await fetch(`http://127.0.0.1:${monitor}/healthz`).catch(() => null))?.ok === true, {
          timeoutMs: 60_000,
          everyMs: 250,
        }).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${process.lastOutput}`);
        });
      },
      get lastOutput() {
        return process.lastOutput;
      },
    };
  });
  const hubConnection = { servers: nodes.map((node) => node.url), user: HUB_USER.user, pass: HUB_USER.password };
  const close = async () => {
    await Promise.all(nodes.map((node) => node.process.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    nodes,
    hubConnection,
    async nodeServing(connectionName) {
      for (const node of nodes) {
        const connections = (await fetch(`${node.monitorUrl}/connz`)
          .then((response) => response.json())
          .catch(() => ({ connections: [] }))) as { connections: { name?: string }[] | null };
        if ((connections.connections ?? []).some((connection) => connection.name === connectionName)) return node;
      }
      return undefined;
    },
    async streamCluster() {
      const connection = await connectNats(hubConnection);
      try {
        const info = await (await jetstreamManager(connection)).streams.info(HUB_STREAM);
        const leader = nodes.find((node) => node.name === info.cluster?.leader);
        if (leader === undefined) throw new Error(`the stream ${HUB_STREAM} has no leader among ${nodes.map((node) => node.name).join(', ')}: ${JSON.stringify(info.cluster)}`);
        return { leader, replicas: info.config.num_replicas };
      } finally {
        await connection.close();
      }
    },
    close,
  };
}
