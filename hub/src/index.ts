/**
 * @hazmon/hub: the regulator hub (README.md). `HubIngest` consumes the gateways' uplink stream into PostgreSQL
 * (alarm events, health, sites) and VictoriaMetrics (minute aggregates).
 */
export { HUB_CONSUMER, HUB_STREAM, HubIngest, type HubIngestOptions, type HubIngestStats } from './ingest.ts';
export { HubError, type HubErrorCode } from './errors.ts';
