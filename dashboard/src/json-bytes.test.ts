import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.ts';

describe('JsonBytes', () => {
  it('keeps every piece in order as it grows past its first size, text, ASCII and bytes alike', () => {
    const answer = new JsonBytes(0);
    const key = Buffer.from(',"id":"气体-1"');
    let expected = '';
    for (let i = 0; i < 500; i++) {
      answer.write(`{"n":${i}`);
      answer.writeBytes(key);
      answer.writeAscii(String(i / 7));
      answer.write('}');
      expected += `{"n":${i},"id":"气体-1"${i / 7}}`;
    }
    expect(answer.bytes().length).toBeGreaterThan(1024 * 4);
    expect(Buffer.from(answer.bytes()).toString('utf8')).toBe(expected);
  });
});
