/** Entry point of the `hazmon` command (bin/hazmon.js, and the bundle the systemd unit runs). */
import { runCli } from '@hazmon/agent/cli';
import { gatewayCommands } from './servers.ts';

// Commands write their output through io.stdout; node-opcua logs its warnings and errors with console.log (one about
// the Node version whenever it loads, some after a command's work is done), which would mix into output meant to be
// piped or pasted (`hazmon browse` prints YAML). They go to stderr, with the other diagnostics.
console.log = console.error;

process.exitCode = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, gatewayCommands());
