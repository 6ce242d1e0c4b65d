/** The hazmon-sim command: runs a site file and prints where each device listens; Ctrl-C (SIGINT/SIGTERM) stops it. */

import { parseArgs } from 'node:util';
import { messageOf } from '@hazmon/errors';
import { SimulatorError } from './errors.ts';
import { startSite } from './site/start-site.ts';

const USAGE = `usage: hazmon-sim <site.yaml> [--speed <factor>] [--json]
  --speed  simulated ms per real ms (overrides the site file; 0 holds the clock)
  --json   print one JSON line {"site", "endpoints"} once every device listens, instead of the table`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { speed: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (error) {
    process.stderr.write(`hazmon-sim: ${messageOf(error)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [sitePath, ...extra] = positionals;
  if (sitePath === undefined || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  if (speed !== undefined && !(speed >= 0)) {
    process.stderr.write(`hazmon-sim: --speed needs a number >= 0, got "${values.speed}"\n`);
    return 2;
  }

  // Signals are caught from the start: dying mid-start-up by a default handler would orphan the socat pty pairs.
  let stopSite: ((signal: string) => void) | null = null;
  let earlySignal: string | null = null;
  const onSignal = (signal: string): void => {
    if (stopSite === null) earlySignal = signal;
    else stopSite(signal);
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  let site;
  try {
    site = await startSite(sitePath, speed === undefined ? {} : { speed });
  } catch (error) {
    const code = error instanceof SimulatorError ? ` [${error.code}]` : '';
    process.stderr.write(`hazmon-sim: cannot start ${sitePath}${code}:\n${messageOf(error)}\n`);
    return 1;
  }
  const running = site;
  const stopped = new Promise<number>((resolve) => {
    stopSite = (signal: string): void => {
      process.stderr.write(`hazmon-sim: ${signal}, stopping\n`);
      void running.stop().then(() => resolve(0));
    };
  });
  if (earlySignal !== null) {
    stopSite!(earlySignal);
    return stopped;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ site: site.name, endpoints: site.endpoints })}\n`);
  } else {
    process.stdout.write(`hazmon-sim: site "${site.name}" at ${site.clock.speed}x real time\n`);
    for (const line of site.describe()) process.stdout.write(`  ${line}\n`);
    process.stdout.write('hazmon-sim: ready (Ctrl-C stops)\n');
  }
  return stopped;
}

process.exitCode = await main();
