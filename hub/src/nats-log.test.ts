/** Publish violations read from nats-server 2.9's log lines, and the log read by position across a rotation. */
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishViolationOf, readLogLines } from './nats-log.ts';

const LINE = '[4242] 2026/12/06 11:02:03.123456 [ERR] 127.0.0.1:51234 - cid:9 - "v3.4.0:nats.js" - Publish Violation - User "gw-GW-B", Subject "hazmon.GW-A.events"';

describe('publishViolationOf', () => {
  it('reads the client, user and subject of a publish violation, and nothing else', () => {
    expect(publishViolationOf(LINE)).toEqual({ sourceTime: '2026/12/06 11:02:03.123456', clientAddress: '127.0.0.1:51234', clientId: 9, user: 'gw-GW-B', subject: 'hazmon.GW-A.events' });
    expect(publishViolationOf(LINE.replace('User "gw-GW-B"', 'Nkey "UABC"'))?.user).toBe('UABC');
    expect(publishViolationOf('[4242] 2026/12/06 11:02:03.123456 [ERR] 127.0.0.1:51234 - cid:9 - Subscription Violation - User "gw-GW-B", Subject "x", SID 1')).toBeNull();
    expect(publishViolationOf('[4242] 2026/12/06 11:02:03.123456 [INF] Server is ready')).toBeNull();
  });
});

describe('readLogLines', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads whole lines after the position, holds back a partial one, and starts over in a rotated file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hazmon-nats-log-'));
    const path = join(dir, 'nats.log');
    expect(await readLogLines(path, null)).toBeNull();
    writeFileSync(path, 'one\ntwo\nthr');
    const first = (await readLogLines(path, null))!;
    expect(first.lines).toEqual([
      { at: 0, text: 'one' },
      { at: 4, text: 'two' },
    ]);
    appendFileSync(path, 'ee\n');
    const second = (await readLogLines(path, first.next))!;
    expect(second.lines).toEqual([{ at: 8, text: 'three' }]);
    expect((await readLogLines(path, second.next))!.lines).toEqual([]);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'four\n');
    expect((await readLogLines(path, second.next))!.lines).toEqual([{ at: 0, text: 'four' }]);
  });
});
