import { describe, expect, it } from 'vitest';
import {
  ALL_UPLINK_SUBJECTS,
  auditMessageSchema,
  eventMessageSchema,
  healthMessageSchema,
  MAX_DEVICE_FAULTS,
  gatewayNatsUser,
  gatewayOfNatsUser,
  gatewayPublishSubjects,
  parseUplinkSubject,
  uplinkMessageId,
  uplinkSubject,
} from './contract.ts';

describe('uplink subjects and message ids', () => {
  it('names one subject per gateway and kind, inside the stream and the gateway permission', () => {
    expect(uplinkSubject('GW-1', 'events')).toBe('hazmon.GW-1.events');
    expect(ALL_UPLINK_SUBJECTS).toBe('hazmon.*.*');
    expect(gatewayPublishSubjects('GW-1')).toBe('hazmon.GW-1.>');
    expect(parseUplinkSubject('hazmon.GW-1.aggregates')).toEqual({ gateway: 'GW-1', kind: 'aggregates' });
    expect(parseUplinkSubject('hazmon.GW-1.audit')).toEqual({ gateway: 'GW-1', kind: 'audit' });
  });

  it("names a gateway's NATS user after its code, and tells the gateway back from the user name", () => {
    expect(gatewayNatsUser('GW-1')).toBe('gw-GW-1');
    expect(gatewayOfNatsUser(gatewayNatsUser('GW-1'))).toBe('GW-1');
    for (const user of ['hub', 'gw-', 'gw-GW.1', undefined]) expect(gatewayOfNatsUser(user), String(user)).toBeNull();
  });

  it('refuses subjects outside the contract', () => {
    for (const subject of ['hazmon.GW-1', 'hazmon.GW-1.readings', 'other.GW-1.events', 'hazmon.GW-1.events.extra', 'hazmon.GW 1.events']) expect(parseUplinkSubject(subject), subject).toBeNull();
  });

  it('gives the same data the same message id, apart per gateway and kind', () => {
    expect(uplinkMessageId('GW-1', 'events', 42)).toBe('GW-1.events.42');
    expect(uplinkMessageId('GW-1', 'aggregates', '1796544120000.0')).toBe('GW-1.aggregates.1796544120000.0');
    expect(uplinkMessageId('GW-2', 'events', 42)).not.toBe(uplinkMessageId('GW-1', 'events', 42));
    expect(uplinkMessageId('GW-1', 'audit', 42)).toBe('GW-1.audit.42');
  });

  it('refuses a payload of another version, naming the field', () => {
    const event = { v: 1, gateway: 'GW-1', seq: 1, time: 1, writtenAt: 1, pointId: null, ruleId: 'hi', kind: 'raised', stateAfter: 'unack', priority: 'high', who: 'engine', why: null, details: null };
    expect(eventMessageSchema.safeParse(event).success).toBe(true);
    const parsed = eventMessageSchema.safeParse({ ...event, v: 2 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['v']);
  });

  it('takes an audit row with its hash chain fields and the details as the text that was hashed, naming a bad field', () => {
    const row = { v: 1, gateway: 'GW-1', seq: 1, time: 1, who: 'sup', action: 'alarm_command', target: 'GD-1/hi', details: '{"kind":"ack"}', prevHash: '0'.repeat(64), hash: 'a'.repeat(64) };
    expect(auditMessageSchema.safeParse(row).success).toBe(true);
    expect(auditMessageSchema.safeParse({ ...row, target: null, details: null }).success).toBe(true);
    for (const [field, value] of [
      ['v', 2],
      ['seq', 0],
      ['details', { kind: 'ack' }],
      ['hash', 'A'.repeat(64)],
      ['prevHash', '0'.repeat(63)],
    ] as const) {
      const parsed = auditMessageSchema.safeParse({ ...row, [field]: value });
      expect(parsed.error?.issues[0]?.path, field).toEqual([field]);
    }
    expect(auditMessageSchema.safeParse({ ...row, extra: 1 }).success).toBe(false);
  });

  it('takes a health message with or without devices (v stays 1), a device with at most MAX_DEVICE_FAULTS faults listed', () => {
    const health = { v: 1, gateway: 'GW-1', time: 1, healthy: true, alive: true, reasons: [], activeAlarms: {} };
    const fault = { pointId: 'GD-1.concentration', quality: 'bad', reason: 'comms_loss', message: null };
    const device = (faults: number) => ({
      id: 'GD-1',
      kind: 'modbus',
      comms: 'comms_loss',
      lastGoodReadingAt: null,
      disconnections: 1,
      offlineHours: 0.5,
      counters: null,
      faults: Array.from({ length: faults }, () => fault),
      faultCount: faults + 7,
      sensorLifeHours: null,
      upkeep: null,
    });
    expect(healthMessageSchema.safeParse(health).success).toBe(true);
    expect(healthMessageSchema.safeParse({ ...health, devices: [device(MAX_DEVICE_FAULTS)] }).success).toBe(true);
    const tooMany = healthMessageSchema.safeParse({ ...health, devices: [device(MAX_DEVICE_FAULTS + 1)] });
    expect(tooMany.error?.issues[0]?.path).toEqual(['devices', 0, 'faults']);
    const unknownComms = healthMessageSchema.safeParse({ ...health, devices: [{ ...device(0), comms: 'fine' }] });
    expect(unknownComms.error?.issues[0]?.path).toEqual(['devices', 0, 'comms']);
  });
});
