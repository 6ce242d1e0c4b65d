/** Writes a point by its reading id: through its Modbus device (with read-back, timed) or its OPC UA connection. */
import { messageOf } from '@hazmon/errors';
import type { OpcuaConnection } from '@hazmon/protocols';
import type { LatencyHistogram } from '../latency-histogram.ts';
import { RuntimeError } from './errors.ts';
import type { RunningConfig } from './reload.ts';
import type { OutputWriter } from './shutoff.ts';
import type { ModbusLines, SourceUnits } from './sources.ts';

export interface PointWriterDeps {
  readonly now: () => number;
  readonly config: () => RunningConfig;
  readonly poller: ModbusLines;
  readonly connections: SourceUnits<OpcuaConnection>;
  /** Every Modbus write, command sent -> read back (ms). */
  readonly writeLatency: LatencyHistogram;
}

export class PointWriters {
  constructor(private readonly deps: PointWriterDeps) {}

  /** A writer for `pointId`; `where` names the config field that chose it, for the error when nothing produces it. */
  writerFor(pointId: string, where: string): OutputWriter {
    const modbus = this.modbusPoint(pointId);
    if (modbus) {
      const { device, point } = modbus;
      return (value) => {
        const started = this.deps.now();
        return this.deps.poller.write(device.id, point.spec.id, value).then(
          () => {
            this.deps.writeLatency.record(this.deps.now() - started);
            return { ok: true } as const;
          },
          (error: unknown) => ({ ok: false, detail: messageOf(error) }) as const,
        );
      };
    }
    const config = this.deps.config();
    const connectionId = config.opcua.find((connection) => connection.points.some((point) => point.id === pointId))?.id;
    if (connectionId === undefined)
      throw new RuntimeError('HAZMON_RUNTIME_OUTPUT_UNRESOLVED', `${config.file}: ${where} ${JSON.stringify(pointId)} is produced by no Modbus device or OPC UA connection`);
    // Looked up at each write: a reload may have replaced the connection.
    return (value) =>
      Promise.resolve(this.deps.connections.get(connectionId))
        .then((connection) => connection?.write(pointId, value) ?? Promise.reject(new Error(`OPC UA connection ${connectionId} is no longer configured`)))
        .then(
          (result) => (result.good ? ({ ok: true } as const) : ({ ok: false, detail: `OPC UA ${result.nodeId}: ${result.statusName}${result.error ? `: ${result.error.message}` : ''}` } as const)),
          (error: unknown) => ({ ok: false, detail: messageOf(error) }) as const,
        );
  }

  /** Whether a reading id is a coil or bit of a Modbus device; null when it is not a Modbus point. */
  isBooleanModbusPoint(pointId: string): boolean | null {
    const type = this.modbusPoint(pointId)?.point.spec.type;
    return type === undefined ? null : type === 'bool' || type === 'bit';
  }

  private modbusPoint(readingId: string) {
    for (const device of this.deps.config().devices) {
      const point = device.points.find((candidate) => candidate.readingId === readingId);
      if (point) return { device, point };
    }
    return undefined;
  }
}
