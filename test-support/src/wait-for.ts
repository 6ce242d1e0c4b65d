export interface WaitOptions {
  /** How long to keep probing before failing; 25 s unless told, the longest of the helpers this one replaced. */
  timeoutMs?: number;
  /** The pause between two probes; 20 ms unless told. */
  everyMs?: number;
  /** What the test can see when it gives up (last readings, a child's output), put in the failure message. */
  state?: () => string;
}

/** A probe's answer for "not yet". 0 and '' are answers: a count or an exit code can be what the test waits for. */
type NotYet = undefined | null | false;

/**
 * Polls `probe` until it answers something other than undefined, null or false, and returns that answer; fails after
 * `timeoutMs` naming what it waited for and, given `state`, what it saw then. Tests use it instead of a fixed sleep.
 */
export async function waitFor<T>(what: string, probe: () => T | NotYet | Promise<T | NotYet>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 25_000, everyMs = 20, state } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined && answer !== null && answer !== false) return answer;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `: ${state()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
