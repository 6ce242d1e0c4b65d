/**
 * The agent's reading sources as units started and stopped on their own (one Modbus poller per line, one OPC UA
 * connection each), so a config reload restarts only the units whose definition changed and the rest keep running.
 */
import type { LineConfig, ModbusCounters, PollOutcome, ReadingRows, ReadyDevice } from '@hazmon/protocols';
import { ModbusPoller } from '@hazmon/protocols';
import type { ChangeSet } from './reload.ts';
import { changesBetween, fingerprintOf } from './reload.ts';

/** Whether the unit that produced a batch is being stopped for a reload (its last, failed requests come then). */
export type Retiring = () => boolean;

export interface UnitLifecycle<T> {
  /** May resolve once the source's start-up is over (an OPC UA connection's first attempt). */
  start(source: T): Promise<unknown> | void;
  stop(source: T): Promise<void>;
}

class Unit<T> {
  retiring = false;
  /** An OPC UA connection refuses a second start(): each unit is started once. */
  started = false;
  readonly source: T;

  constructor(
    readonly fingerprint: string,
    build: (retiring: Retiring) => T,
  ) {
    this.source = build(() => this.retiring);
  }
}

/** Sources keyed by id; `replace` swaps in the new set, stopping each replaced unit before its successor starts. */
export class SourceUnits<T> {
  private readonly units = new Map<string, Unit<T>>();
  private readonly settling = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly lifecycle: UnitLifecycle<T>) {}

  /**
   * Makes the set match `next` (id -> fingerprint): units with a new or changed fingerprint are built by `build`
   * (all of them before anything is stopped, so a build that throws changes nothing), replaced and removed units are
   * marked retiring and stopped, and then, if the set is running, the new ones start. A serial port or an OPC UA
   * session is thus never held twice. `settled` resolves once that is done.
   */
  replace(next: ReadonlyMap<string, string>, build: (id: string, retiring: Retiring) => T): { changes: ChangeSet; settled: Promise<void> } {
    const changes = changesBetween(new Map([...this.units].map(([id, unit]) => [id, unit.fingerprint])), next);
    const fresh = new Map<string, Unit<T>>();
    for (const id of [...changes.restarted, ...changes.added]) fresh.set(id, new Unit(next.get(id)!, (retiring) => build(id, retiring)));
    const retired = [...changes.restarted, ...changes.removed].map((id) => this.units.get(id)!);
    for (const unit of retired) unit.retiring = true;
    for (const id of changes.removed) this.units.delete(id);
    for (const [id, unit] of fresh) this.units.set(id, unit);
    const settled = Promise.all(retired.map((unit) => this.lifecycle.stop(unit.source))).then(() => {
      if (this.running) for (const unit of fresh.values()) if (!unit.retiring) this.startUnit(unit);
    });
    this.settling.add(settled);
    void settled.finally(() => this.settling.delete(settled));
    return { changes, settled };
  }

  get(id: string): T | undefined {
    return this.units.get(id)?.source;
  }

  /** Resolves once every unit's start-up is over, failed or not. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await Promise.allSettled([...this.units.values()].map((unit) => this.startUnit(unit)));
  }

  private startUnit(unit: Unit<T>): Promise<unknown> | void {
    if (unit.started) return;
    unit.started = true;
    return this.lifecycle.start(unit.source);
  }

  /** Waits for replacements under way, then stops every unit. */
  async stop(): Promise<void> {
    this.running = false;
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
    for (const unit of this.units.values()) unit.retiring = true;
    await Promise.all([...this.units.values()].map((unit) => this.lifecycle.stop(unit.source)));
  }
}

/** Modbus polling as one ModbusPoller per line: a line restarts when it or any device on it changed. */
export class ModbusLines {
  private readonly pollers = new SourceUnits<ModbusPoller>({ start: (poller) => poller.start(), stop: (poller) => poller.stop() });
  private readonly lineOfDevice = new Map<string, string>();

  constructor(
    private readonly onRows: (rows: ReadingRows, retiring: Retiring, outcome: PollOutcome) => void,
    /** A point's index in the rows (`ReadingRows.point`), asked once per point when its line's poller is built. */
    private readonly pointIndex: (readingId: string) => number,
    private readonly now: () => number,
  ) {}

  /** Takes over a config's lines and devices; devices are kept exactly when their line is. */
  replace(lines: readonly LineConfig[], devices: readonly ReadyDevice[]): { lines: ChangeSet; devices: ChangeSet; settled: Promise<void> } {
    const devicesOn = (lineId: string) => devices.filter((device) => device.line === lineId);
    const next = new Map(lines.map((line) => [line.id, fingerprintOf({ line, devices: devicesOn(line.id) })]));
    const before = new Set(this.lineOfDevice.keys());
    const { changes, settled } = this.pollers.replace(next, (lineId, retiring) => {
      const line = lines.find((candidate) => candidate.id === lineId)!;
      return new ModbusPoller({ lines: [line], devices: devicesOn(lineId), onRows: (rows, outcome) => this.onRows(rows, retiring, outcome), pointIndex: this.pointIndex, now: this.now });
    });
    const keptLines = new Set(changes.kept);
    this.lineOfDevice.clear();
    for (const device of devices) this.lineOfDevice.set(device.id, device.line);
    const deviceChanges: ChangeSet = {
      kept: devices.filter((device) => keptLines.has(device.line)).map((device) => device.id),
      restarted: devices.filter((device) => !keptLines.has(device.line) && before.has(device.id)).map((device) => device.id),
      added: devices.filter((device) => !before.has(device.id)).map((device) => device.id),
      removed: [...before].filter((id) => !this.lineOfDevice.has(id)),
    };
    return { lines: changes, devices: deviceChanges, settled };
  }

  start(): void {
    void this.pollers.start();
  }

  stop(): Promise<void> {
    return this.pollers.stop();
  }

  /** Request statistics of a device (live object, reset when its line restarts). */
  counters(deviceId: string): Readonly<ModbusCounters> {
    return this.pollerOf(deviceId).counters(deviceId);
  }

  /** Writes through the device's current line, ahead of queued polls, with read-back (see ModbusPoller.write). */
  async write(deviceId: string, pointId: string, value: number | boolean): Promise<void> {
    await this.pollerOf(deviceId).write(deviceId, pointId, value);
  }

  private pollerOf(deviceId: string): ModbusPoller {
    const poller = this.pollers.get(this.lineOfDevice.get(deviceId) ?? '');
    if (!poller) throw new RangeError(`no Modbus device ${JSON.stringify(deviceId)}`);
    return poller;
  }
}
