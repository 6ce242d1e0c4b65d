/**
 * A large JSON answer (10k points' live fields; the aggregates page has its own chunked writer) written piece by piece into one growing buffer
 * outside the JS heap: each piece dies as soon as it is written, where an array of 10k row strings joined at the end
 * outlived the young generation's scavenges (1 MB in the unit) and was promoted, and the joined text was encoded once
 * more for the socket.
 */
/** The headers of an answer whose JSON text a route writes itself (c.json's own Content-Type). */
export const JSON_TYPE = { 'Content-Type': 'application/json' } as const;

/** Whether a UTF-16 code unit is its own JSON text inside a string: printable ASCII but the quote and the backslash. */
export const standsForItself = (code: number): boolean => code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c;

/** JSON.stringify of a string, without its call for text that needs no escape (point ids mostly: 10k a message or a page). */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) if (!standsForItself(text.charCodeAt(i))) return JSON.stringify(text);
  return `"${text}"`;
}

export class JsonBytes {
  private buffer: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length);
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Empty again, keeping its buffer: for a writer used over and over (the live feed's columns). */
  clear(): void {
    this.length = 0;
  }

  private reserve(bytes: number): void {
    if (this.buffer.length - this.length >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** The bytes written, as one view (no copy). */
  bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.buffer.buffer as ArrayBuffer, this.buffer.byteOffset, this.length);
  }
}

/**
 * Bytes as a response body that is not copied: undici's Response (the agent's process keeps Node's own) copies a
 * Uint8Array body whole, so each points answer was held twice until the socket took it (20 at once at the dashboards'
 * first loads); a stream's chunk is handed to the socket as it is. A default stream, not a byte stream: enqueueing in
 * a byte stream detaches the buffer, which may be shared (the fixed fields' answer) or Node's pool.
 */
export function uncopiedBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
