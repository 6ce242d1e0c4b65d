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
}
