import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.ts';

describe('JsonBytes', () => {
  it('keeps every piece in order as it grows past its first size, ASCII and other UTF-8 alike, text and bytes mixed', () => {
    const answer = new JsonBytes(0);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      answer.write(`{"n":${i}`);
      answer.write(',"id":"气体-1"');
      answer.write(String(i / 7));
      if (i % 3 === 0) answer.writeBytes(new TextEncoder().encode(`,"b":"字节${i}"`));
      answer.write('}');
      expected += `{"n":${i},"id":"气体-1"${i / 7}${i % 3 === 0 ? `,"b":"字节${i}"` : ''}}`;
    }
    expect(answer.bytes().length).toBeGreaterThan(1024 * 4);
    expect(Buffer.from(answer.bytes()).toString('utf8')).toBe(expected);
    answer.clear();
    answer.write('[1]');
    expect(Buffer.from(answer.bytes()).toString('utf8')).toBe('[1]');
  });
});
