/** Entry point of the `hazmon-hub` command (bin/hazmon-hub.js). */
import { runHubCli } from './cli.ts';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});
process.exitCode = await runHubCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, stopSignal });
// Nothing else is waited for: `run` closed its connections; the signal handlers must not keep the process.
process.exit();
