/**
 * A large JSON answer (10k aggregate rows, 10k points' live fields) written piece by piece into one growing buffer
 * outside the JS heap: each piece dies as soon as it is written, where an array of 10k row strings joined at the end
 * outlived the young generation's scavenges (1 MB in the unit) and was promoted, and the joined text was encoded once
 * more for the socket.
 */
export class JsonBytes {
  private buffer: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.buffer.length - this.length < text.length * 3) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + text.length * 3));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
  }

  /** The bytes written, as one view (no copy). */
  bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.buffer.buffer as ArrayBuffer, this.buffer.byteOffset, this.length);
  }
}
