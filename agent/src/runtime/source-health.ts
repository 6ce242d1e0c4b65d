/**
 * The health of the agent's sources as runtime alarms: Modbus devices (comms loss and exception responses, from each
 * request's outcome: DeviceCommsHealth), OPC UA connections (comms loss with its cause) and poll overruns.
 */
import type { OpcuaConnectionState, OpcuaError, PollOutcome } from '@hazmon/protocols';
import type { ReadyDevice } from '@hazmon/protocols';
import { DeviceCommsHealth } from './device-comms.ts';
import type { RuntimeAlarms, SavedRuntimeAlarm } from './runtime-alarms.ts';

/**
 * Poll overruns are judged per device over windows this long. A line too slow for its intervals skips cycles all
 * along; a single skip (a shut-off's write ahead of the polls, a fan started, the agent's start) is not that, and as
 * an alarm it stood until a restart: 33 of them at the demo's start. The counter (`hazmon_modbus_poll_overruns_total`)
 * keeps every one.
 */
const OVERRUN_WINDOW_MS = 60_000;
/** The share of a window's ticks skipped that raises the alarm; a window with none skipped clears it. */
const OVERRUN_SHARE = 0.1;

/** A device's overrun count at the start of its current window. */
interface OverrunWindow {
  startedAt: number;
  countAtStart: number;
}

export class SourceHealth {
  private readonly devices: DeviceCommsHealth;
  /** OPC UA connections in comms loss (Modbus devices: `devices`). */
  private readonly connectionsLost = new Set<string>();
  private readonly overrunWindows = new Map<string, OverrunWindow>();

  constructor(
    private readonly runtimeAlarms: RuntimeAlarms,
    returnHoldMs: number,
  ) {
    this.devices = new DeviceCommsHealth({ returnHoldMs, raise: (alarm) => runtimeAlarms.set({ ...alarm, source: alarm.deviceId, priority: 'high' }) });
  }

  /** One Modbus request's outcome. */
  onRequest(outcome: PollOutcome, now: number): void {
    this.devices.onRequest(outcome, now);
  }

  /** Raised with the cause (updated when the cause changes while reconnecting), cleared once connected. */
  onConnectionState(connectionId: string, state: OpcuaConnectionState, cause: OpcuaError | undefined): void {
    if (state === 'connected' && this.connectionsLost.delete(connectionId)) {
      this.runtimeAlarms.clear(`${connectionId}/comms_loss`, `OPC UA connection ${connectionId} connected`);
    } else if (state === 'reconnecting') {
      this.connectionsLost.add(connectionId);
      const why = `OPC UA connection ${connectionId} down, reconnecting: ${cause?.message ?? 'cause unknown'}`;
      this.runtimeAlarms.raise(`${connectionId}/comms_loss`, connectionId, 'comms_loss', 'high', why, { code: cause?.code ?? null });
    }
  }

  /**
   * Time passing: devices answering again for the hold come back; each device's poll overruns judged once its window
   * is over (OVERRUN_WINDOW_MS): raised (updated while it stands) when at least OVERRUN_SHARE of the window's ticks
   * were skipped, cleared by a window with none.
   */
  tick(now: number, devices: readonly ReadyDevice[], overruns: (deviceId: string) => number): void {
    this.devices.tick(now);
    for (const device of devices) {
      const count = overruns(device.id);
      const window = this.overrunWindows.get(device.id);
      if (window === undefined) {
        this.overrunWindows.set(device.id, { startedAt: now, countAtStart: count });
        continue;
      }
      const span = now - window.startedAt;
      if (span < OVERRUN_WINDOW_MS) continue;
      const skipped = count - window.countAtStart;
      const ticks = Math.max(1, Math.round(span / device.schedule.tickMs));
      const alarmId = `${device.id}/poll_overrun`;
      const seconds = Math.round(span / 1000);
      if (skipped >= OVERRUN_SHARE * ticks) {
        this.runtimeAlarms.raise(
          alarmId,
          device.id,
          'poll_overrun',
          'low',
          `${device.label}: ${skipped} of ${ticks} poll cycles skipped in the last ${seconds} s because the previous one had not finished (line too slow for the configured intervals)`,
          { overruns: count, skipped, ticks },
        );
      } else if (skipped === 0) {
        this.runtimeAlarms.clear(alarmId, `${device.label}: no poll cycle skipped in the last ${seconds} s`, { overruns: count });
      }
      window.startedAt = now;
      window.countAtStart = count;
    }
  }

  /** A comms loss the previous run left standing (restored from the journal): it clears as any loss does. */
  restoreLoss(alarm: SavedRuntimeAlarm, isConnection: boolean): void {
    if (isConnection) this.connectionsLost.add(alarm.source);
    else this.devices.restoreLost(alarm.source, alarm.time);
  }

  /**
   * A removed device's or connection's comms loss and poll overruns are cleared (nothing is polled there any more, so
   * nothing else would clear them); a restarted device's overrun count starts again with its new poller.
   */
  forget(removed: readonly string[], restarted: readonly string[]): void {
    for (const id of removed) {
      this.overrunWindows.delete(id);
      this.runtimeAlarms.clear(`${id}/poll_overrun`, `${id} removed from the config`);
      this.devices.forget(id, `${id} removed from the config`);
      if (this.connectionsLost.delete(id)) this.runtimeAlarms.clear(`${id}/comms_loss`, `${id} removed from the config`);
    }
    for (const id of restarted) this.overrunWindows.delete(id);
  }

  /** Modbus devices and OPC UA connections in comms loss. */
  lost(): string[] {
    return [...this.connectionsLost, ...this.devices.lost()];
  }

  /** Modbus devices refusing at least one request with an exception. */
  refusing(): string[] {
    return this.devices.refusing();
  }
}
