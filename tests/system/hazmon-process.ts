/** `hazmon run` as a child process with its web server, signed in as the plant's supervisor, and what the system tests read from it. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { type CommandWrap, runHazmon, waitFor } from '../agent/fixture.ts';
import { DocumentCheck, USERS, WebClient } from '../dashboard/web-fixture.ts';

export interface RunningHazmon {
  readonly run: ReturnType<typeof runHazmon>;
  readonly client: WebClient;
  /** Raw readings this process reports committed (its own counter); needs `metrics: { port: 0 }` in the config. */
  committedRaw(): Promise<number>;
  /** Why the process is gone (its exit and stderr), or undefined while it runs. */
  exitReport(): string | undefined;
  /** Kills the process if it still runs (an afterEach/afterAll that must not leave it behind). */
  kill(): Promise<void>;
}

/** Starts `hazmon run CONFIG` (behind `wrap` if given) and signs in once its web server answers. */
export async function startHazmonRun(configFile: string, wrap?: CommandWrap): Promise<RunningHazmon> {
  const run = runHazmon(['run', configFile], undefined, wrap);
  const exitReport = () => (run.child.exitCode !== null || run.child.signalCode !== null ? `hazmon run exited (${run.child.exitCode ?? run.child.signalCode}): ${run.output.stderr}` : undefined);
  const kill = async () => {
    if (exitReport() !== undefined) return;
    run.child.kill('SIGKILL');
    await run.exited;
  };
  try {
    const base = await waitFor('web server started', () => exitReport() ?? /web server at (http:\/\/\S+)/.exec(run.output.stdout)?.[1], { timeoutMs: 60_000, everyMs: 100 });
    expect(exitReport()).toBeUndefined();
    const client = new WebClient(base, await DocumentCheck.load(base));
    expect((await client.login(USERS.supervisor)).status).toBe(200);
    const committedRaw = async () => {
      const metrics = /metrics at (\S+)\/metrics/.exec(run.output.stdout)?.[1];
      if (metrics === undefined) throw new Error('hazmon run serves no metrics: add `metrics: { port: 0 }` to its config');
      return Number(/^hazmon_store_raw_rows_written_total (\S+)$/m.exec(await (await fetch(`${metrics}/metrics`)).text())?.[1]);
    };
    return { run, client, exitReport, kill, committedRaw };
  } catch (error) {
    await kill();
    throw error;
  }
}

export interface RuntimeAlarmView {
  readonly id: string;
  readonly state: string;
  readonly conditionActive: boolean;
  readonly why: string;
}

/** The runtime alarms (comms, store, ...) GET /api/v1/alarms lists, by id. */
export async function runtimeAlarms(client: WebClient): Promise<Map<string, RuntimeAlarmView>> {
  const answer = await client.request<{ runtime: RuntimeAlarmView[] }>('GET', '/api/v1/alarms');
  expect(answer.status).toBe(200);
  return new Map(answer.body.runtime.map((alarm) => [alarm.id, alarm]));
}

/** The process' resident set size in KiB, from /proc (what the kernel counts, heap and native memory alike). */
export function residentKib(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]);
}

export type StoredEvent = { seq: number; kind: string; who: string | null; ruleId: string; pointId: string | null; details: Record<string, unknown> | null };

/** Every stored alarm event, oldest first, through GET /api/v1/alarm-events a page at a time. */
export async function storedEvents(client: WebClient): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const page = await client.request<{ events: StoredEvent[] }>('GET', `/api/v1/alarm-events?after=${after}&limit=1000`);
    expect(page.status).toBe(200);
    out.push(...page.body.events);
    if (page.body.events.length < 1000) return out;
    after = page.body.events.at(-1)!.seq;
  }
}
