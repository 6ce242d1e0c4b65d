/**
 * Modbus device health from each poll request's outcome: `<device>/comms_loss` while the link fails (no answer, no
 * connection, back-off, or a frame that is not a valid Modbus answer), and `<device>/modbus_exception` while the device
 * refuses a request with an exception. A flapping link makes one comms alarm with a count, not one per failure.
 *
 * @example
 * const health = new DeviceCommsHealth({ raise, returnHoldMs: 5000 });
 * poller.onReadings = (batch, outcome) => health.onRequest(outcome, now());
 * setInterval(() => health.tick(now()), 250);
 */
import type { PollOutcome } from '@hazmon/protocols';

/** Failures that say the link did not carry a valid answer: the device is not heard. */
const LINK_FAILURES = new Set(['timeout', 'connection', 'backoff', 'frame']);

export interface DeviceAlarm {
  readonly alarmId: string;
  readonly deviceId: string;
  readonly rule: 'comms_loss' | 'modbus_exception';
  readonly active: boolean;
  readonly why: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface DeviceCommsOptions {
  readonly raise: (alarm: DeviceAlarm) => void;
  /**
   * A lost device is back once it has answered validly for this long with no failure in between: a link that answers
   * once between failures keeps its one alarm instead of clearing and raising it again.
   */
  readonly returnHoldMs: number;
}

interface DeviceState {
  /** Comms loss raised and not yet cleared. */
  lost: boolean;
  lostSince: number;
  /** Failed requests since the comms alarm was raised (the first included). */
  failures: number;
  /** Times the link failed again after answering, while the alarm was raised. */
  interruptions: number;
  /** First valid answer since the last failure while lost; NaN while failing. */
  answeringSince: number;
  /** Requests whose last answer was an exception: request key -> the reason message. */
  readonly refused: Map<string, string>;
}

export class DeviceCommsHealth {
  private readonly devices = new Map<string, DeviceState>();

  constructor(private readonly options: DeviceCommsOptions) {}

  /** One poll request's outcome. */
  onRequest(outcome: PollOutcome, now: number): void {
    const state = this.state(outcome.deviceId);
    const failure = outcome.failure;
    if (failure !== null && LINK_FAILURES.has(failure.code)) return this.linkFailed(outcome.deviceId, state, failure, now);
    if (state.lost && Number.isNaN(state.answeringSince)) state.answeringSince = now;
    this.settleReturn(outcome.deviceId, state, now);
    // The request's key is built only where a refusal is noted or may be cleared: not per answer of a device refusing nothing.
    if (failure?.exceptionCode !== undefined) this.refused(outcome.deviceId, state, requestKey(outcome), failure.message, failure.exceptionCode);
    else if (state.refused.size > 0 && state.refused.delete(requestKey(outcome)) && state.refused.size === 0) {
      this.options.raise({
        alarmId: `${outcome.deviceId}/modbus_exception`,
        deviceId: outcome.deviceId,
        rule: 'modbus_exception',
        active: false,
        why: `${outcome.deviceId} answers every request with data again`,
        details: {},
      });
    }
  }

  /** Time passing: a lost device that has answered validly for the hold is back. */
  tick(now: number): void {
    for (const [deviceId, state] of this.devices) this.settleReturn(deviceId, state, now);
  }

  /** Devices in comms loss (raised, not cleared). */
  lost(): string[] {
    return [...this.devices].filter(([, state]) => state.lost).map(([deviceId]) => deviceId);
  }

  /** Devices refusing at least one request with an exception. */
  refusing(): string[] {
    return [...this.devices].filter(([, state]) => state.refused.size > 0).map(([deviceId]) => deviceId);
  }

  /** A device the previous run left in comms loss (its alarm restored, standing): it clears as any loss does. */
  restoreLost(deviceId: string, since: number): void {
    const state = this.state(deviceId);
    state.lost = true;
    state.lostSince = since;
    state.failures = 0;
    state.interruptions = 0;
    state.answeringSince = Number.NaN;
  }

  /** A device no longer polled: its raised alarms are cleared with `why`, since nothing else would clear them. */
  forget(deviceId: string, why: string): void {
    const state = this.devices.get(deviceId);
    if (!state) return;
    this.devices.delete(deviceId);
    if (state.lost) this.options.raise({ alarmId: `${deviceId}/comms_loss`, deviceId, rule: 'comms_loss', active: false, why, details: {} });
    if (state.refused.size > 0) this.options.raise({ alarmId: `${deviceId}/modbus_exception`, deviceId, rule: 'modbus_exception', active: false, why, details: {} });
  }

  private linkFailed(deviceId: string, state: DeviceState, failure: NonNullable<PollOutcome['failure']>, now: number): void {
    if (state.lost) {
      state.failures += 1;
      if (!Number.isNaN(state.answeringSince)) state.interruptions += 1;
      state.answeringSince = Number.NaN;
      return;
    }
    state.lost = true;
    state.lostSince = now;
    state.failures = 1;
    state.interruptions = 0;
    state.answeringSince = Number.NaN;
    this.options.raise({ alarmId: `${deviceId}/comms_loss`, deviceId, rule: 'comms_loss', active: true, why: `${failure.code}: ${failure.message}`, details: { reason: failure.code } });
  }

  private settleReturn(deviceId: string, state: DeviceState, now: number): void {
    if (!state.lost || Number.isNaN(state.answeringSince) || now - state.answeringSince < this.options.returnHoldMs) return;
    state.lost = false;
    const { failures, interruptions, lostSince } = state;
    const why = `${deviceId} answers again (valid answers for ${this.options.returnHoldMs / 1000} s); ${failures} failed request(s) and ${interruptions} interruption(s) after answering while lost`;
    this.options.raise({ alarmId: `${deviceId}/comms_loss`, deviceId, rule: 'comms_loss', active: false, why, details: { failures, interruptions, lostForMs: now - lostSince } });
  }

  private refused(deviceId: string, state: DeviceState, key: string, message: string, exceptionCode: number): void {
    const first = state.refused.size === 0;
    state.refused.set(key, message);
    if (!first) return;
    this.options.raise({ alarmId: `${deviceId}/modbus_exception`, deviceId, rule: 'modbus_exception', active: true, why: message, details: { exceptionCode } });
  }

  private state(deviceId: string): DeviceState {
    let state = this.devices.get(deviceId);
    if (!state) {
      state = { lost: false, lostSince: Number.NaN, failures: 0, interruptions: 0, answeringSince: Number.NaN, refused: new Map() };
      this.devices.set(deviceId, state);
    }
    return state;
  }
}

/** A request's key in `DeviceState.refused`. */
function requestKey(outcome: PollOutcome): string {
  return `FC${outcome.functionCode}@${outcome.address}x${outcome.quantity}`;
}
