/**
 * A full garbage collection at the end of a start-up phase. Building the agent (the config's parse and checks, the
 * engine, pollers and routes) leaves tens of MiB of garbage that V8 otherwise keeps until its first full GC, after
 * polling has started: the highest RSS of the bench's runs at 1 s polls (bench/RESULTS.md, Start-up peak).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

export function collectStartupGarbage(): void {
  if (collect === undefined) {
    // `gc` is exposed to contexts made after the flag is set; the unit's command line stays as it is.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  // Twice: V8 gives back the pages a full GC emptied only at the next one (after the engine's build, 45 -> 37 MB of
  // heap committed for 33.5 MB in use at 10k points); without it they stayed until V8's own next full GC, after the
  // first polls, and were the run's highest RSS (bench/RESULTS.md, Agent memory, session 13).
  collect();
}
