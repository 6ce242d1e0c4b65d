/**
 * A child process's memory and CPU read from outside through /proc, so the measured process runs exactly as deployed
 * (no sampling code or flags inside it): VmRSS split into anonymous and file-backed pages every few ms, CPU time.
 */
import { readFileSync } from 'node:fs';

export interface MemorySample {
  /** ms since sampling started. */
  readonly atMs: number;
  readonly rssBytes: number;
  /** Anonymous pages (heaps, V8, DuckDB's buffers) and file-backed ones (node's and DuckDB's code, mapped files). */
  readonly anonBytes: number;
  readonly fileBytes: number;
}

const KIB = 1024;

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * KIB : Number.NaN;
}

/** One reading of /proc/PID/status; null once the process is gone. */
export function memoryOf(pid: number, atMs = 0): MemorySample | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const rssBytes = field(status, 'VmRSS');
  // A zombie (exited, not yet reaped) has no memory lines.
  if (Number.isNaN(rssBytes)) return null;
  return { atMs, rssBytes, anonBytes: field(status, 'RssAnon'), fileBytes: field(status, 'RssFile') + field(status, 'RssShmem') };
}

/** Samples the process every `intervalMs` until it exits or `stop()` is called; `samples` grows as it goes. */
export function sampleMemory(pid: number, intervalMs: number): { readonly samples: MemorySample[]; stop(): void } {
  const started = performance.now();
  const samples: MemorySample[] = [];
  const take = () => {
    const sample = memoryOf(pid, performance.now() - started);
    if (sample) samples.push(sample);
    else clearInterval(timer);
  };
  const timer = setInterval(take, intervalMs);
  take();
  return { samples, stop: () => clearInterval(timer) };
}

const CLOCK_TICKS_PER_S = 100;

/** User + system CPU time of the process so far (ms), from /proc/PID/stat. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (in parentheses, may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S) * 1000;
}
