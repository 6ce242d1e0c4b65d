/**
 * The api bench's clients over real sockets: a signed-in browser (session cookie, Origin, CSRF token) or a regulator
 * (Bearer token), timing each request to its last byte; and a Server-Sent Events reader that notes when each alarm
 * event arrived and only counts the bytes of the rest (parsing 10k readings four times a second in 20 readers would
 * load the machine the agent runs on).
 */

/** Epoch ms with sub-ms resolution, comparable with the agent's Date.now() on the same machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

export interface Timed<T> {
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
  readonly body: T;
  readonly etag: string | null;
}

export class ApiClient {
  private constructor(
    readonly base: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Signs in as a person; fails unless the server says 200. */
  static async signIn(base: string, name: string, password: string): Promise<ApiClient> {
    const response = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { Origin: base, 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
    const body = (await response.json()) as { csrfToken?: string };
    const cookie = response.headers.get('set-cookie')?.split(';')[0];
    if (response.status !== 200 || !cookie || !body.csrfToken) throw new Error(`sign-in as ${name}: ${response.status} ${JSON.stringify(body)}`);
    return new ApiClient(base, { Origin: base, Cookie: cookie, 'X-CSRF-Token': body.csrfToken });
  }

  /** A regulator's client: the token's secret as Bearer. */
  static regulator(base: string, secret: string): ApiClient {
    return new ApiClient(base, { Authorization: `Bearer ${secret}` });
  }

  /** The regulator's Authorization header (for a request read as a stream). */
  get authorization(): Record<string, string> {
    return this.headers['Authorization'] === undefined ? {} : { Authorization: this.headers['Authorization'] };
  }

  get cookie(): string {
    return this.headers['Cookie'] ?? '';
  }

  /** GET, timed from the request to the last byte of the answer; the body parsed as JSON when it is JSON. */
  async get<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<Timed<T>> {
    const started = performance.now();
    const response = await fetch(`${this.base}${path}`, { headers: { ...this.headers, ...headers } });
    const text = await response.text();
    const ms = performance.now() - started;
    const body = (response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T;
    return { status: response.status, ms, bytes: text.length, body, etag: response.headers.get('etag') };
  }

  /** GET that must answer 200. */
  async ok<T = unknown>(path: string): Promise<Timed<T>> {
    const answer = await this.get<T>(path);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer;
  }

  async post<T = unknown>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.base}${path}`, { method: 'POST', headers: { ...this.headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as T };
  }
}

export interface ReceivedAlarm {
  readonly seq: number;
  readonly pointId: string | null;
  readonly kind: string;
  readonly stateAfter: string;
  readonly who: string | null;
  /** The event's time (the reading's receive time at the agent) and when the store committed it, epoch ms. */
  readonly time: number;
  readonly writtenAt: number;
  readonly receivedAt: number;
}

/** Events of a stream other than `alarm`, by name (`hello`, `readings`), as they arrive. */
export type StreamListener = (event: string) => void;

/** One open `GET /api/v1/stream`: alarm events with their arrival time; other events counted (and told to `listener`). */
export class SseReader {
  readonly alarms: ReceivedAlarm[] = [];
  bytes = 0;
  otherEvents = 0;
  private buffer = '';
  /** Where to look for the next event's end: a big event arrives in many chunks, and each is searched once. */
  private scanFrom = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  private constructor(private readonly listener: StreamListener | null) {}

  static async open(base: string, cookie: string, listener: StreamListener | null = null): Promise<SseReader> {
    const reader = new SseReader(listener);
    const response = await fetch(`${base}/api/v1/stream`, { headers: { Cookie: cookie, Accept: 'text/event-stream' }, signal: reader.abort.signal });
    if (response.status !== 200) throw new Error(`stream: ${response.status} ${await response.text()}`);
    reader.done = reader.read(response.body!);
    return reader;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        const receivedAt = nowMs();
        this.bytes += chunk.byteLength;
        this.buffer += decoder.decode(chunk, { stream: true });
        this.parse(receivedAt);
      }
    } catch {
      // Aborted by close().
    }
  }

  private parse(receivedAt: number): void {
    let start = 0;
    for (let end = this.buffer.indexOf('\n\n', this.scanFrom); end >= 0; end = this.buffer.indexOf('\n\n', start)) {
      const block = this.buffer.slice(start, end);
      start = end + 2;
      const dataAt = block.indexOf('\ndata: ');
      if (block.startsWith('id: ') && block.includes('\nevent: alarm\n') && dataAt >= 0) {
        const row = JSON.parse(block.slice(dataAt + 7)) as Omit<ReceivedAlarm, 'receivedAt'>;
        this.alarms.push({ seq: row.seq, pointId: row.pointId, kind: row.kind, stateAfter: row.stateAfter, who: row.who, time: row.time, writtenAt: row.writtenAt, receivedAt });
        this.listener?.('alarm');
      } else {
        this.otherEvents += 1;
        const name = /(?:^|\n)event: (\w+)/.exec(block.slice(0, 200))?.[1];
        if (name !== undefined) this.listener?.(name);
      }
    }
    this.buffer = this.buffer.slice(start);
    this.scanFrom = Math.max(0, this.buffer.length - 1);
  }
}

/** The value at quantile `q` (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
