/** Entry point of `agent/bin/hazmon.js`: runs the command line against the real process and sets its exit code. */
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
