/** What the agent reports of itself: counts, latencies, sources, engine and store figures. */
import type { ModbusCounters } from '@hazmon/protocols';
import type { EngineStats } from '../engine/index.ts';
import type { LatencySnapshot } from '../latency-histogram.ts';
import type { StoreStats } from '../store/index.ts';
import type { EventLoopLagSnapshot } from './event-loop.ts';
import type { HeartbeatStats } from './heartbeat.ts';
import type { ShutoffStats } from './shutoff.ts';

/** One polled Modbus device: where it is and its request counters (live values copied at stats time). */
export interface ModbusDeviceStats {
  readonly deviceId: string;
  readonly line: string;
  readonly counters: Readonly<ModbusCounters>;
}

export interface AgentStats {
  readonly readings: number;
  /** Readings the store refused as wrong (each logged once per point) or dropped on a full queue. */
  readonly storeRejected: number;
  readonly storeDropped: number;
  readonly lateReadings: number;
  readonly invalidReadings: number;
  readonly eventsPersisted: number;
  readonly persistFailures: number;
  /**
   * Bad readings (timeout, connection) of a line or OPC UA connection being stopped for a config reload: stored, not
   * judged, since they say only that the agent stopped asking (the engine keeps its state; stale timers cover a gap).
   */
  readonly reloadStopReadings: number;
  /** Reading arrived -> engine decided, decided -> command written, command -> feedback confirmed (ms). */
  readonly latency: { readonly decision: LatencySnapshot; readonly command: LatencySnapshot; readonly confirm: LatencySnapshot };
  readonly shutoff: readonly ShutoffStats[];
  /** Modbus devices and OPC UA connections in comms loss (`<id>/comms_loss` raised). */
  readonly devicesInCommsLoss: readonly string[];
  /** Modbus devices refusing at least one poll request with an exception (`<device>/modbus_exception` raised). */
  readonly devicesRefusingRequests: readonly string[];
  readonly engine: EngineStats;
  readonly store: StoreStats;
  /** Gateway clock when the agent started and when the engine was last ticked (epoch ms). */
  readonly startedAt: number;
  readonly lastTickAt: number;
  /** Every Modbus write the agent made (outputs, heartbeat), command sent -> read back (ms). */
  readonly writeLatency: LatencySnapshot;
  readonly modbus: readonly ModbusDeviceStats[];
  /** OPC UA connections, then Modbus devices, each once. */
  readonly sources: readonly string[];
  readonly eventLoop: EventLoopLagSnapshot;
  readonly heartbeat: HeartbeatStats | null;
  /** Runtime alarm ids now active (raised and not cleared). */
  readonly runtimeAlarmsActive: readonly string[];
}
