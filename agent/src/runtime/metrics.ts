/**
 * The agent's statistics in the Prometheus text exposition format (version 0.0.4): counters end in `_total`, times are
 * seconds, latency histograms become cumulative `le` buckets. Pure: no I/O, so any HTTP server can serve it.
 *
 * @example
 * res.end(renderMetrics({ agent: agent.stats(), alarmsActive: agent.activeAlarmsByPriority(), process: processStats() }));
 */
import type { ModbusCounters } from '@hazmon/protocols';
import type { Priority } from '../engine/index.ts';
import { PRIORITIES } from '../engine/index.ts';
import type { LatencySnapshot } from '../latency-histogram.ts';
import type { AgentStats } from './stats.ts';
import { SHUTOFF_STATES } from './shutoff.ts';

export interface ProcessStats {
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
}

export interface MetricsInput {
  readonly agent: AgentStats;
  /** Engine alarms not in state normal, by priority; left out = not exported. */
  readonly alarmsActive?: ReadonlyMap<Priority, number>;
  readonly process?: ProcessStats;
}

/** The content type Prometheus expects for this format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;
type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Room for a scrape's text at 10k points (~95 KB) without growing the buffer. */
const INITIAL_TEXT_BYTES = 128 * 1024;
const LINE_FEED = 0x0a;

/** Modbus request counters exported per device: counter field -> metric name and help. */
const MODBUS_COUNTERS: readonly (readonly [keyof ModbusCounters, string, string])[] = [
  ['requests', 'modbus_requests_total', 'Modbus requests put on the wire, retries included'],
  ['responses', 'modbus_responses_total', 'Modbus requests answered'],
  ['timeouts', 'modbus_timeouts_total', 'Modbus requests that timed out'],
  ['exceptions', 'modbus_exceptions_total', 'Modbus exception answers'],
  ['frameErrors', 'modbus_frame_errors_total', 'Garbled Modbus answers (CRC, length)'],
  ['connectionErrors', 'modbus_connection_errors_total', 'Modbus requests failed because the line was down'],
  ['retries', 'modbus_retries_total', 'Modbus requests sent again after a timeout or garbled answer'],
  ['backoffs', 'modbus_backoffs_total', 'Times a Modbus unit entered back-off after failing'],
  ['skipped', 'modbus_skipped_total', 'Modbus requests answered from back-off without touching the line'],
  ['overruns', 'modbus_poll_overruns_total', 'Poll cycles skipped because the previous cycle had not finished'],
  ['writes', 'modbus_writes_total', 'Modbus writes (outputs, heartbeat)'],
  ['writeFailures', 'modbus_write_failures_total', 'Modbus writes that failed or read back wrong'],
  ['splits', 'modbus_split_requests_total', 'Merged reads refused with exception 02 and now read gap-free'],
];

const ENGINE_COUNTERS: readonly (readonly [keyof AgentStats['engine'], string, string])[] = [
  ['readings', 'engine_readings_total', 'Readings the alarm engine processed'],
  ['late', 'engine_late_readings_total', 'Readings the engine refused as older than the point latest beyond tolerance'],
  ['reordered', 'engine_reordered_readings_total', 'Out-of-order readings accepted within tolerance'],
  ['duplicates', 'engine_duplicate_readings_total', 'Repeated readings dropped by the engine'],
  ['nonFinite', 'engine_non_finite_readings_total', 'NaN or infinite values turned into bad quality'],
  ['invalid', 'engine_invalid_readings_total', 'Readings with a bad time or an unknown point id'],
];

const SHUTOFF_COUNTERS = [
  ['trips', 'shutoff_trips_total', 'Shut-off valve trips'],
  ['writes', 'shutoff_command_writes_total', 'Shut-off command writes, retries included'],
  ['retries', 'shutoff_command_retries_total', 'Shut-off command writes repeated'],
  ['writeFailures', 'shutoff_command_write_failures_total', 'Shut-off command writes that failed'],
  ['discrepancies', 'shutoff_discrepancies_total', 'Shut-off discrepancy alarms raised'],
  ['confirmations', 'shutoff_confirmations_total', 'Shut-offs confirmed closed by the limit switches'],
] as const;

/**
 * Builds the exposition text family by family; every family gets its HELP and TYPE once. A scrape at 10k points
 * writes ~1,300 samples (80 devices' Modbus counters). Each line goes into a byte buffer as it is made, and each label
 * set is rendered once per scrape: no line outlives its own write. Lines kept in an array until the end (with an
 * object and two arrays per label set, ~1.3 MB of garbage a scrape) survived the scavenges the render itself caused,
 * and V8 grew its young generation by 1 MiB for ~5 s at every scrape (bench/RESULTS.md, session 17).
 */
class Exposition {
  private bytes = Buffer.allocUnsafe(INITIAL_TEXT_BYTES);
  private length = 0;

  private line(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the line feed 1.
    if (this.length + text.length * 3 + 1 > this.bytes.length) {
      const larger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + text.length * 3 + 1));
      this.bytes.copy(larger, 0, 0, this.length);
      this.bytes = larger;
    }
    this.length += this.bytes.write(text, this.length, 'utf8');
    this.bytes[this.length++] = LINE_FEED;
  }

  family(name: string, type: MetricType, help: string): this {
    this.line(`# HELP hazmon_${name} ${help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`);
    this.line(`# TYPE hazmon_${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    return this.labelled(name, labelSet(labelPairs(labels)), value);
  }

  /** A sample with its label set already rendered (`labelSet`), for label sets shared by several samples. */
  labelled(name: string, labelText: string, value: number): this {
    this.line(`hazmon_${name}${labelText} ${formatValue(value)}`);
    return this;
  }

  /** One family with a single unlabelled sample. */
  single(name: string, type: 'counter' | 'gauge', help: string, value: number): this {
    return this.family(name, type, help).sample(name, {}, value);
  }

  /** A latency histogram per label set: cumulative `le` buckets in seconds, `+Inf` = every sample. */
  histogram(name: string, help: string, series: readonly (readonly [Labels, LatencySnapshot])[]): this {
    this.family(name, 'histogram', help);
    for (const [labels, snapshot] of series) {
      const pairs = labelPairs(labels);
      const before = pairs === '' ? '{le="' : `{${pairs},le="`;
      let cumulative = 0;
      snapshot.boundsMs.forEach((boundMs, index) => {
        cumulative += snapshot.counts[index] ?? 0;
        this.labelled(`${name}_bucket`, `${before}${formatValue(boundMs / 1000)}"}`, cumulative);
      });
      this.labelled(`${name}_bucket`, `${before}+Inf"}`, snapshot.count);
      const labelText = labelSet(pairs);
      this.labelled(`${name}_sum`, labelText, snapshot.sumMs / 1000);
      this.labelled(`${name}_count`, labelText, snapshot.count);
    }
    return this;
  }

  /** Every line, each ending in a line feed. */
  text(): string {
    return this.bytes.toString('utf8', 0, this.length);
  }
}

/** `key="value"` pairs joined by commas, values escaped; '' for no labels. */
function labelPairs(labels: Labels): string {
  let pairs = '';
  for (const key in labels) pairs += `${pairs === '' ? '' : ','}${key}="${escapeLabel(labels[key]!)}"`;
  return pairs;
}

/** The label set as written after a sample's name: `{pairs}`, or nothing. */
const labelSet = (pairs: string) => (pairs === '' ? '' : `{${pairs}}`);

const NEEDS_ESCAPE = /[\\"\n]/;

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n') : text;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

const seconds = (ms: number) => ms / 1000;
const flag = (on: boolean) => (on ? 1 : 0);

export function renderMetrics(input: MetricsInput): string {
  const { agent } = input;
  const { store } = agent;
  const out = new Exposition();
  out
    .single('readings_total', 'counter', 'Readings received from every source, good or bad (readings/s: rate of this)', agent.readings)
    .single('readings_late_total', 'counter', 'Readings refused as late by the engine', agent.lateReadings)
    .single('readings_invalid_total', 'counter', 'Readings with a bad time or unknown point id', agent.invalidReadings)
    .single('store_readings_rejected_total', 'counter', 'Readings the store refused as wrong', agent.storeRejected)
    .single('store_readings_dropped_total', 'counter', 'Readings dropped because the store queue was full', agent.storeDropped)
    .single('store_raw_accepted_total', 'counter', 'Readings queued for the store', store.rawAccepted)
    .single('store_raw_rows_written_total', 'counter', 'Raw reading rows committed to DuckDB', store.rawRowsWritten)
    .single('store_batches_total', 'counter', 'Store commits of queued readings', store.batches)
    .single('store_flush_failures_total', 'counter', 'Store commits that failed (readings stay queued)', store.flushFailures)
    .single('store_alarm_events_written_total', 'counter', 'Alarm events written to the store', store.alarmEventsWritten)
    .single('store_audit_rows_written_total', 'counter', 'Audit rows written to the store', store.auditRowsWritten)
    .single('store_background_failures_total', 'counter', 'Failed store rollup or retention runs', store.backgroundFailures)
    .single('store_database_reopens_total', 'counter', 'Times the store opened its file again after DuckDB invalidated the database', store.databaseReopens)
    .single('store_scheduled_reopens_total', 'counter', 'Times the store closed and opened its file to drop DuckDB row group metadata', store.scheduledReopens)
    .single('store_block_releases_refused_total', 'counter', 'Releases of cached DuckDB blocks after a checkpoint that were refused (a read held memory) or failed', store.releasesRefused)
    .single('store_reads_run_again_total', 'counter', 'Store reads that met the lowered memory limit of a block release and ran again', store.readsRunAgain)
    .single('store_reads_busy_total', 'counter', 'Store reads that found no memory under the memory limit and were refused as busy', store.readsBusy)
    .single('store_retention_deleted_raw_total', 'counter', 'Raw rows deleted by retention', store.retentionDeletedRaw)
    .single('store_queue_depth', 'gauge', 'Readings queued for the store now', store.queueDepth)
    .single('store_queue_capacity', 'gauge', 'Store queue size; readings beyond it are dropped', store.queueCapacity)
    .single('store_back_pressure', 'gauge', '1 while the store queue is above its high-water mark', flag(store.backPressure))
    .histogram('store_flush_duration_seconds', 'Time of one store commit', [[{}, store.flushLatency]]);
  out.family('store_last_flush_timestamp_seconds', 'gauge', 'When the store last committed readings (Unix time)');
  if (store.lastFlushAt !== null) out.sample('store_last_flush_timestamp_seconds', {}, seconds(store.lastFlushAt));
  out
    .single('events_persisted_total', 'counter', 'Alarm, action and runtime events made durable', agent.eventsPersisted)
    .single('event_persist_failures_total', 'counter', 'Events or audit rows that could not be stored', agent.persistFailures)
    .single('start_time_seconds', 'gauge', 'When the agent started (Unix time)', seconds(agent.startedAt))
    .single('engine_last_tick_timestamp_seconds', 'gauge', 'When the alarm engine was last ticked (Unix time)', seconds(agent.lastTickAt));
  for (const [field, name, help] of ENGINE_COUNTERS) out.single(name, 'counter', help, agent.engine[field]);

  const lost = new Set([...agent.devicesInCommsLoss, ...agent.devicesRefusingRequests]);
  out.family('device_up', 'gauge', '1 while a Modbus device or OPC UA connection answers, 0 in comms loss or while it refuses a request with an exception');
  for (const source of agent.sources) out.sample('device_up', { device: source }, flag(!lost.has(source)));
  const deviceLabels = agent.modbus.map((device) => labelSet(labelPairs({ device: device.deviceId, line: device.line })));
  for (const [field, name, help] of MODBUS_COUNTERS) {
    out.family(name, 'counter', help);
    agent.modbus.forEach((device, index) => out.labelled(name, deviceLabels[index]!, device.counters[field]));
  }
  out.family('modbus_response_seconds', 'summary', 'Time from sending a Modbus request to its answer (mean: rate of _sum / rate of _count)');
  agent.modbus.forEach((device, index) => {
    const labels = deviceLabels[index]!;
    out.labelled('modbus_response_seconds_sum', labels, seconds(device.counters.responseMs)).labelled('modbus_response_seconds_count', labels, device.counters.responses);
  });
  out.histogram('write_duration_seconds', 'Modbus output and heartbeat writes, sent to read back', [[{}, agent.writeLatency]]);

  out.histogram('shutoff_latency_seconds', 'Shut-off path: reading arrived to decision, decision to command written, command to confirmed closed', [
    [{ stage: 'decision' }, agent.latency.decision],
    [{ stage: 'command' }, agent.latency.command],
    [{ stage: 'confirm' }, agent.latency.confirm],
  ]);
  for (const [field, name, help] of SHUTOFF_COUNTERS) {
    out.family(name, 'counter', help);
    for (const valve of agent.shutoff) out.sample(name, { output: valve.outputId }, valve[field]);
  }
  out.family('shutoff_state', 'gauge', '1 for the state each shut-off valve controller is in');
  for (const valve of agent.shutoff) for (const state of SHUTOFF_STATES) out.sample('shutoff_state', { output: valve.outputId, state }, flag(valve.state === state));

  const loop = agent.eventLoop;
  out
    .single('event_loop_lag_p50_seconds', 'gauge', 'Median event-loop delay over the last window', seconds(loop.p50Ms))
    .single('event_loop_lag_p99_seconds', 'gauge', '99th percentile event-loop delay over the last window', seconds(loop.p99Ms))
    .single('event_loop_lag_max_seconds', 'gauge', 'Largest event-loop delay over the last window', seconds(loop.maxMs))
    .single('event_loop_stalled', 'gauge', '1 while the event-loop delay is over its limit (alarm agent/event_loop_lag)', flag(loop.stalled))
    .single('event_loop_stalled_windows_total', 'counter', 'Windows whose largest event-loop delay was over the limit', loop.stalledWindows)
    .histogram('event_loop_lag_window_max_seconds', 'Largest event-loop delay of each window', [[{}, loop.windowMaxima]])
    .histogram('event_loop_busy_window_max_seconds', "Largest event-loop delay of each window, each no longer than the loop thread's own CPU time in it (Linux; elsewhere the whole delay)", [
      [{}, loop.busyWindowMaxima],
    ])
    .single('runtime_alarms_active', 'gauge', 'Runtime alarms (comms loss, store, shut-off, heartbeat, event loop) now active', agent.runtimeAlarmsActive.length);
  if (input.alarmsActive) {
    out.family('alarms_active', 'gauge', 'Engine alarms not in state normal, by priority');
    for (const priority of PRIORITIES) out.sample('alarms_active', { priority }, input.alarmsActive.get(priority) ?? 0);
  }
  if (agent.heartbeat) {
    const labels = { point: agent.heartbeat.point };
    out
      .family('heartbeat_writes_total', 'counter', 'Heartbeat writes toward the PLC')
      .sample('heartbeat_writes_total', labels, agent.heartbeat.writes)
      .family('heartbeat_failures_total', 'counter', 'Heartbeat writes that failed')
      .sample('heartbeat_failures_total', labels, agent.heartbeat.failures)
      .family('heartbeat_skipped_total', 'counter', 'Heartbeats not written because the previous write was still pending')
      .sample('heartbeat_skipped_total', labels, agent.heartbeat.skipped)
      .family('heartbeat_failing', 'gauge', '1 from a failed heartbeat write until the next success')
      .sample('heartbeat_failing', labels, flag(agent.heartbeat.failing));
  }
  if (input.process) {
    out
      .single('process_resident_memory_bytes', 'gauge', 'Resident set size of the agent process', input.process.residentBytes)
      .single('process_heap_used_bytes', 'gauge', 'V8 heap in use', input.process.heapUsedBytes);
  }
  return out.text();
}

/** The current process's memory, for renderMetrics. */
export function processStats(): ProcessStats {
  return { residentBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed };
}
