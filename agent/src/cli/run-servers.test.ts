/** `hazmon run` starts the servers it is given beside the agent, hands them the AgentApi, and closes them before the agent stops. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentApi, AgentServer, RunningServer } from '../runtime/index.ts';
import { HazmonStore } from '../store/index.ts';
import { runAgentCommand, SERVER_UNAVAILABLE_ALARM } from './run-agent.ts';

let dir: string | null = null;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function bufferedIo() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdin: process.stdin, stdout: { write: (text: string) => (out.stdout += text) }, stderr: { write: (text: string) => (out.stderr += text) } } };
}

function siteFile(): { file: string; storePath: string } {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-run-servers-'));
  const file = join(dir, 'site.yaml');
  const storePath = join(dir, 'site.duckdb');
  writeFileSync(file, `site: { id: servers, name: Servers test }\nstore: { path: ${JSON.stringify(storePath)} }\n`);
  return { file, storePath };
}

describe('hazmon run with servers', () => {
  it('hands each server the running AgentApi, prints where it serves, and closes it before the agent stops', async () => {
    const { file } = siteFile();
    const seen: { api?: AgentApi; closedWhileRunning?: boolean } = {};
    const server: AgentServer = {
      name: 'probe server',
      start: async (api) => {
        seen.api = api;
        const running: RunningServer = {
          address: 'http://127.0.0.1:1',
          close: async () => {
            // The agent still answers while its servers close.
            seen.closedWhileRunning = api.health().alive;
          },
        };
        return running;
      },
    };
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const { out, io } = bufferedIo();
    const exited = runAgentCommand([file], io, { servers: [server], until });
    while (!out.stdout.includes('probe server at')) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out.stdout).toContain('hazmon run: probe server at http://127.0.0.1:1\n');
    expect(seen.api?.config.site.id).toBe('servers');
    expect(JSON.stringify(seen.api?.config)).not.toMatch(/passwordHash/);
    stop();
    expect(await exited).toBe(0);
    expect(seen.closedWhileRunning).toBe(true);
  }, 30_000);

  it('a server that cannot start is a runtime alarm, and the agent runs on without it', async () => {
    const { file, storePath } = siteFile();
    const broken: AgentServer = { name: 'web server', start: () => Promise.reject(new Error('listen EADDRINUSE 127.0.0.1:8443')) };
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const { out, io } = bufferedIo();
    const exited = runAgentCommand([file], io, { servers: [broken], until });
    while (!out.stdout.includes(SERVER_UNAVAILABLE_ALARM)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out.stderr).toContain('hazmon: web server could not start: listen EADDRINUSE 127.0.0.1:8443; running without it');
    stop();
    expect(await exited).toBe(0);
    const store = await HazmonStore.open({ path: storePath });
    try {
      const rows = await store.alarmEventsAfter(0);
      expect(rows.find((row) => row.details?.['alarmId'] === SERVER_UNAVAILABLE_ALARM)).toMatchObject({ kind: 'raised', priority: 'high', stateAfter: 'unacknowledged_active' });
    } finally {
      await store.close();
    }
  }, 30_000);
});
