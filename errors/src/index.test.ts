import { describe, expect, it } from 'vitest';
import { HazmonError, isHazmonError, messageOf, quote } from './index.ts';

class PumpError extends HazmonError<'HAZMON_PUMP_STUCK' | 'HAZMON_PUMP_DRY'> {
  override readonly name = 'PumpError';
}

describe('HazmonError', () => {
  it('keeps code, message and cause apart, and joins code and message for a log line', () => {
    const cause = new Error('ECONNRESET');
    const error = new PumpError('HAZMON_PUMP_STUCK', 'pump P-1 does not turn', { cause });
    expect(error.code).toBe('HAZMON_PUMP_STUCK');
    expect(error.message).toBe('pump P-1 does not turn');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('PumpError');
    expect(String(error)).toBe('HAZMON_PUMP_STUCK: pump P-1 does not turn');
    expect(`${error}`).toBe('HAZMON_PUMP_STUCK: pump P-1 does not turn');
  });

  it('has no cause unless given one', () => {
    expect('cause' in new HazmonError('HAZMON_X', 'x')).toBe(false);
  });

  it('is an Error, a HazmonError and its own class, with a stack', () => {
    const error = new PumpError('HAZMON_PUMP_DRY', 'tank T-1 empty');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(HazmonError);
    expect(error).toBeInstanceOf(PumpError);
    expect(error.stack).toContain('tank T-1 empty');
  });
});

describe('isHazmonError', () => {
  const error = new PumpError('HAZMON_PUMP_DRY', 'tank T-1 empty');

  it('tells hazmon errors from others, by code when asked', () => {
    expect(isHazmonError(error)).toBe(true);
    expect(isHazmonError(error, 'HAZMON_PUMP_DRY')).toBe(true);
    expect(isHazmonError(error, 'HAZMON_PUMP_STUCK')).toBe(false);
    expect(isHazmonError(new Error('HAZMON_PUMP_DRY: lookalike'))).toBe(false);
    expect(isHazmonError({ code: 'HAZMON_PUMP_DRY', message: 'plain object' })).toBe(false);
    expect(isHazmonError(undefined)).toBe(false);
  });

  it('narrows an unknown to its code', () => {
    const caught: unknown = error;
    if (!isHazmonError(caught, 'HAZMON_PUMP_DRY')) throw new Error('not narrowed');
    const code: 'HAZMON_PUMP_DRY' = caught.code;
    expect(code).toBe('HAZMON_PUMP_DRY');
  });
});

describe('messageOf', () => {
  it('gives the message of an Error, without the code of a hazmon error', () => {
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf(new PumpError('HAZMON_PUMP_DRY', 'tank T-1 empty'))).toBe('tank T-1 empty');
  });

  it('gives the message of a plain object that has one, as modbus-serial rejects with', () => {
    expect(messageOf({ name: 'TransactionTimedOutError', message: 'Timed out', errno: 'ETIMEDOUT' })).toBe('Timed out');
    expect(messageOf({ message: 42 })).toBe('42');
  });

  it('gives the text of anything else thrown', () => {
    expect(messageOf('socket closed')).toBe('socket closed');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(null)).toBe('null');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf({ errno: -111 })).toBe('[object Object]');
  });
});

describe('quote', () => {
  it('quotes strings whole, however long, so a path or an id can be copied back', () => {
    expect(quote('level')).toBe('"level"');
    expect(quote('say "hi"')).toBe('"say \\"hi\\""');
    const path = `/var/lib/hazmon/${'x'.repeat(100)}.duckdb`;
    expect(quote(path)).toBe(JSON.stringify(path));
  });

  it('writes numbers, booleans, null and bigints as they are, NaN and Infinity included', () => {
    expect(quote(12.5)).toBe('12.5');
    expect(quote(Number.NaN)).toBe('NaN');
    expect(quote(-Infinity)).toBe('-Infinity');
    expect(quote(false)).toBe('false');
    expect(quote(null)).toBe('null');
    expect(quote(10n)).toBe('10');
  });

  it('says nothing for a missing value', () => {
    expect(quote(undefined)).toBe('nothing');
  });

  it('writes objects and arrays as JSON, cut at 80 characters', () => {
    expect(quote({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    const long = quote({ list: Array.from({ length: 50 }, (_, i) => i) });
    expect(long).toHaveLength(80);
    expect(long).toMatch(/^\{"list":\[0,1,2,.*\.\.\.$/);
  });

  it('falls back to String for what JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(quote(cyclic)).toBe('[object Object]');
    expect(quote({ n: 1n })).toBe('[object Object]');
    expect(quote(Symbol('s'))).toBe('Symbol(s)');
  });
});
