/**
 * @hazmon/hub: the regulator hub (README.md). `HubIngest` consumes the gateways' uplink stream into PostgreSQL
 * (alarm events, health, sites) and VictoriaMetrics (minute aggregates); `startHub` runs it with the link monitor
 * (NATS connections and refusals, with `nats.system`) and the regulator API from one config (`hazmon-hub run`,
 * `runHubCli`).
 */
export { HUB_CONSUMER, HUB_STREAM, HubIngest, type HubIngestOptions, type HubIngestStats } from './ingest.ts';
export { HubError, type HubErrorCode } from './errors.ts';
export { loadHubConfig, type HubConfig } from './config.ts';
export { startHub, type RunningHub } from './hub.ts';
export { runHubCli, EXIT, type CliIo } from './cli.ts';
export { HUB_OPENAPI_PATH } from './api/app.ts';
