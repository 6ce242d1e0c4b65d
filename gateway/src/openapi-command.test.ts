/** `hazmon openapi` prints the dashboard's document; the gateway composes it because the agent's CLI cannot import the dashboard. */
import { openApiDocument } from '@hazmon/dashboard';
import { runCli } from '@hazmon/agent/cli';
import { describe, expect, it } from 'vitest';
import { gatewayCommands } from './servers.ts';

function bufferIo() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdin: process.stdin, stdout: { write: (text: string) => (out.stdout += text) }, stderr: { write: (text: string) => (out.stderr += text) } } };
}

describe('hazmon openapi', () => {
  it('prints the OpenAPI 3.1 document the web server serves', async () => {
    const { out, io } = bufferIo();
    expect(await runCli(['openapi'], io, gatewayCommands())).toBe(0);
    const printed = JSON.parse(out.stdout) as { openapi: string; paths: Record<string, unknown> };
    expect(printed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(printed.openapi).toBe('3.1.0');
    expect(Object.keys(printed.paths)).toContain('/api/v1/alarms/{alarmId}/shelve');
  });

  it('is listed in the usage and refuses arguments with exit 64', async () => {
    const help = bufferIo();
    await runCli(['--help'], help.io, gatewayCommands());
    expect(help.out.stdout).toMatch(/hazmon openapi\s+print the web server's OpenAPI 3\.1 document/);
    const extra = bufferIo();
    expect(await runCli(['openapi', 'x'], extra.io, gatewayCommands())).toBe(64);
    expect(extra.out.stderr).toContain('takes no arguments');
  });
});
