/** `hazmon-hub run`: the ingest and the regulator API in one process, from one config. */
import { HubReader } from './api/reader.ts';
import { startHubApi } from './api/server.ts';
import { hubSignIn } from './api/sign-in.ts';
import type { HubConfig } from './config.ts';
import { HubIngest } from './ingest.ts';
import { LinkMonitor } from './link-monitor.ts';

export interface RunningHub {
  readonly ingest: HubIngest;
  /** Where the API listens. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the ingest first (it makes the tables the API reads), then the link monitor (with `nats.system`), then the API. */
export async function startHub(
  config: HubConfig,
  log: (line: string) => void,
  /** The API's clock (sessions, login back-off, online): tests move it. */
  now: () => number = Date.now,
): Promise<RunningHub> {
  const ingest = await HubIngest.start({ nats: config.nats, postgresUrl: config.postgresUrl, victoriaMetricsUrl: config.victoriaMetricsUrl, replicas: config.replicas, log });
  let reader: HubReader | null = null;
  let monitor: LinkMonitor | null = null;
  try {
    if (config.system !== null) monitor = await LinkMonitor.start({ ...config.system, postgresUrl: config.postgresUrl, log });
    reader = await HubReader.open(config.postgresUrl);
    const api = await startHubApi(
      { reader, victoriaMetricsUrl: config.victoriaMetricsUrl, offlineAfterMs: config.api.offlineAfterMs, linkMonitored: monitor !== null, signIn: hubSignIn(config.users, now), now, log },
      config.api,
    );
    const [openReader, openMonitor] = [reader, monitor];
    return {
      ingest,
      url: api.url,
      async close() {
        await api.close();
        await openReader.close();
        await openMonitor?.close();
        await ingest.close();
      },
    };
  } catch (error) {
    await reader?.close();
    await monitor?.close();
    await ingest.close();
    throw error;
  }
}
