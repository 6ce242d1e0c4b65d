import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PositionFile } from './position.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(text?: string): string {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-uplink-'));
  const path = join(dir, 'site.duckdb.uplink.json');
  if (text !== undefined) writeFileSync(path, text);
  return path;
}

describe('PositionFile', () => {
  it('starts at the store start without a file and keeps what is saved across opens', () => {
    const path = file();
    const position = PositionFile.open(path);
    expect(position.position).toEqual({ eventsSeq: 0, aggregatesMinute: -1, auditSeq: 0 });
    position.save({ eventsSeq: 12, aggregatesMinute: 1_796_544_120_000, auditSeq: 7 });
    expect(PositionFile.open(path).position).toEqual({ eventsSeq: 12, aggregatesMinute: 1_796_544_120_000, auditSeq: 7 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ eventsSeq: 12, aggregatesMinute: 1_796_544_120_000, auditSeq: 7 });
    position.save({ ...position.position, auditSeq: 8 });
    expect(PositionFile.open(path).position.auditSeq).toBe(8);
  });

  it('starts the audit log at 0 from a file written before audit rows were sent: the whole log goes once', () => {
    expect(PositionFile.open(file('{"eventsSeq": 12, "aggregatesMinute": -1}')).position).toEqual({ eventsSeq: 12, aggregatesMinute: -1, auditSeq: 0 });
  });

  it('refuses a damaged file, naming the file and the field', () => {
    expect(() => PositionFile.open(file('{"eventsSeq": -3, "aggregatesMinute": 0}'))).toThrow(/site\.duckdb\.uplink\.json: eventsSeq: /);
    expect(() => PositionFile.open(file('{"eventsSeq": 1'))).toThrow(/uplink\.json: not JSON/);
    expect(() => PositionFile.open(file('{"eventsSeq": 1, "aggregatesMinute": -1, "auditSeq": 1.5}'))).toThrow(/uplink\.json: auditSeq: /);
  });
});
