/**
 * The health of the agent's sources as runtime alarms: Modbus devices (comms loss and exception responses, from each
 * request's outcome: DeviceCommsHealth), OPC UA connections (comms loss with its cause) and poll overruns.
 */
import type { OpcuaConnectionState, OpcuaError, PollOutcome } from '@hazmon/protocols';
import type { ReadyDevice } from '@hazmon/protocols';
import { DeviceCommsHealth } from './device-comms.ts';
import type { RuntimeAlarms, SavedRuntimeAlarm } from './runtime-alarms.ts';

/** At most one poll-overrun alarm per device in this long: overruns come every poll while a line is slow. */
const OVERRUN_REPORT_MS = 60_000;

export class SourceHealth {
  private readonly devices: DeviceCommsHealth;
  /** OPC UA connections in comms loss (Modbus devices: `devices`). */
  private readonly connectionsLost = new Set<string>();
  private readonly overrunsSeen = new Map<string, { count: number; reportedAt: number }>();

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

  /** Time passing: devices answering again for the hold come back; new poll overruns are reported. */
  tick(now: number, devices: readonly ReadyDevice[], overruns: (deviceId: string) => number): void {
    this.devices.tick(now);
    for (const device of devices) {
      const count = overruns(device.id);
      const seen = this.overrunsSeen.get(device.id) ?? { count: 0, reportedAt: -Infinity };
      if (count > seen.count && now - seen.reportedAt >= OVERRUN_REPORT_MS) {
        this.runtimeAlarms.raise(
          `${device.id}/poll_overrun`,
          device.id,
          'poll_overrun',
          'low',
          `${device.label}: ${count - seen.count} poll cycle(s) skipped because the previous one had not finished (line too slow for the configured intervals)`,
          { overruns: count },
        );
        seen.reportedAt = now;
      }
      seen.count = count;
      this.overrunsSeen.set(device.id, seen);
    }
  }

  /** A comms loss the previous run left standing (restored from the journal): it clears as any loss does. */
  restoreLoss(alarm: SavedRuntimeAlarm, isConnection: boolean): void {
    if (isConnection) this.connectionsLost.add(alarm.source);
    else this.devices.restoreLost(alarm.source, alarm.time);
  }

  /**
   * A removed device or connection in comms loss has its alarm cleared (nothing is polled there any more, so nothing
   * else would clear it); a restarted device's overrun count starts again with its new poller.
   */
  forget(removed: readonly string[], restarted: readonly string[]): void {
    for (const id of removed) {
      this.overrunsSeen.delete(id);
      this.devices.forget(id, `${id} removed from the config`);
      if (this.connectionsLost.delete(id)) this.runtimeAlarms.clear(`${id}/comms_loss`, `${id} removed from the config`);
    }
    for (const id of restarted) this.overrunsSeen.delete(id);
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
