/** What the aggregates writers' tests share: a streamed body's text and chunk count, and the values a column holds. */
import fc from 'fast-check';

export async function bodyText(body: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length };
}

/** Any double, a reading at a device's resolution, or NaN (the store's null). */
export const columnValue = fc.oneof(
  fc.double({ noDefaultInfinity: true }),
  fc.integer({ min: -100_000, max: 100_000 }).map((scaled) => scaled / 10),
  fc.constant(Number.NaN),
);
