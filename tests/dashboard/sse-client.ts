/** A Server-Sent Events client over fetch, as a browser's EventSource reads the stream: events with their id, type and data. */
import { expect } from 'vitest';

export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export class SseStream {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buffer = '';
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  private constructor(readonly response: Response) {
    this.done = this.read();
  }

  /** Opens the stream with the client's cookie and, to resume, a Last-Event-ID. */
  static async open(base: string, cookie: string, lastEventId?: string): Promise<SseStream> {
    const abort = new AbortController();
    const response = await fetch(`${base}/api/v1/stream`, {
      headers: { Cookie: cookie, Accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }) },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = new SseStream(response);
    stream.abort.signal.addEventListener('abort', () => abort.abort());
    return stream;
  }

  /** The alarm events received, their data parsed. */
  alarmEvents(): { id: string; row: { seq: number; kind: string; details: { alarmId: string }; areas: string[] } }[] {
    return this.events.filter((event) => event.event === 'alarm').map((event) => ({ id: event.id!, row: JSON.parse(event.data) }));
  }

  /** Waits until `probe` holds over the events received so far. */
  async until<T>(what: string, probe: (stream: SseStream) => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = probe(this);
      if (result !== undefined && result !== false) return result;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.events.length} events`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Drops the connection, as a browser tab closing or the network going. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async read(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        this.parse();
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
  }

  private parse(): void {
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
    }
  }
}
