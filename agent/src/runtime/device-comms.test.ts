import { describe, expect, it } from 'vitest';
import type { PollOutcome } from '@hazmon/protocols';
import { type DeviceAlarm, DeviceCommsHealth } from './device-comms.ts';

const answered = (address: number): PollOutcome => ({ deviceId: 'GD-1', functionCode: 3, address, quantity: 10, failure: null });
const refused = (address: number): PollOutcome => ({ ...answered(address), failure: { code: 'exception', message: `FC03 @${address}: exception 2`, exceptionCode: 2 } });

describe('DeviceCommsHealth on requests refused with an exception', () => {
  it('raises once for the first refused request and clears only when every refused request answers with data again', () => {
    const alarms: DeviceAlarm[] = [];
    const health = new DeviceCommsHealth({ returnHoldMs: 1000, raise: (alarm) => alarms.push(alarm) });
    health.onRequest(answered(0), 1);
    expect(alarms).toEqual([]);
    health.onRequest(refused(0), 2);
    health.onRequest(refused(20), 3);
    expect(alarms.map((alarm) => [alarm.rule, alarm.active])).toEqual([['modbus_exception', true]]);
    expect(health.refusing()).toEqual(['GD-1']);
    // Another request's answer (same address, another quantity) clears nothing.
    health.onRequest({ ...answered(0), quantity: 11 }, 4);
    health.onRequest(answered(0), 5);
    expect(alarms).toHaveLength(1);
    health.onRequest(answered(20), 6);
    expect(alarms.map((alarm) => [alarm.rule, alarm.active])).toEqual([
      ['modbus_exception', true],
      ['modbus_exception', false],
    ]);
    expect(health.refusing()).toEqual([]);
  });
});
