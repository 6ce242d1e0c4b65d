import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes, jsonString } from './json-bytes.ts';

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

describe('jsonString', () => {
  it('writes what JSON.stringify writes for any string: quotes, backslashes, controls, DEL, non-ASCII and lone surrogates', () => {
    const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.constantFrom('', 'B1-1.p1', 'tank "3" level', 'a\\b', '\u007f', '\u001f', '气体', '\ud800'));
    fc.assert(
      fc.property(anyText, (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });
});
