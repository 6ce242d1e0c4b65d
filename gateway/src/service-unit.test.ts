/** The systemd unit in gateway/deploy/ cannot drift from the CLI: its ExecStart must name a real command with its arguments. */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hazmonCommands } from '@hazmon/agent/cli';
import { GATEWAY_BUNDLE, GATEWAY_ENTRY } from '../scripts/build.ts';

const GATEWAY = fileURLToPath(new URL('../', import.meta.url));
const AGENT = fileURLToPath(new URL('../../agent/', import.meta.url));
const UNIT = join(GATEWAY, 'deploy/hazmon.service');

/** Section -> key -> values (systemd keys may repeat). Comments and blank lines are skipped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`${UNIT}:${index + 1}: not a key=value line inside a section: ${JSON.stringify(raw)}`);
    current.set(pair[1]!, [...(current.get(pair[1]!) ?? []), pair[2]!]);
  }
  return sections;
}

/** Whether the agent's own sources (not tests) mention a word: a feature the unit must then use. */
function sourcesMention(pattern: RegExp): boolean {
  const folders = ['src/runtime', 'src/cli'].map((folder) => join(AGENT, folder));
  return folders.some((folder) =>
    readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .some((name) => pattern.test(readFileSync(join(folder, name), 'utf8'))),
  );
}

describe('gateway/deploy/hazmon.service', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const one = (key: string) => {
    const values = service.get(key) ?? [];
    expect(values, `[Service] ${key}`).toHaveLength(1);
    return values[0]!;
  };

  /** ExecStart as node, the options before the script, the script and its arguments. */
  const execStart = () => {
    const [node, ...rest] = one('ExecStart').split(/\s+/);
    const firstArgument = rest.findIndex((word) => !word.startsWith('-'));
    return { node, nodeOptions: rest.slice(0, firstArgument), script: rest[firstArgument], args: rest.slice(firstArgument + 1) };
  };

  it("starts the build's bundle of the package bin's entry with a command from the CLI table and exactly the arguments its usage names", () => {
    const { node, script, args } = execStart();
    expect(node).toMatch(/\/node$/);
    expect(script).toBe(`/opt/hazmon/gateway/${relative(GATEWAY, GATEWAY_BUNDLE)}`);
    // The bundle is built from the module the development bin runs through tsx: both are the same CLI.
    const bin = (JSON.parse(readFileSync(join(GATEWAY, 'package.json'), 'utf8')) as { bin: { hazmon: string } }).bin.hazmon;
    const binEntry = /await import\('([^']+)'\)/.exec(readFileSync(join(GATEWAY, bin), 'utf8'))?.[1];
    expect(binEntry && join(GATEWAY, 'bin', binEntry)).toBe(GATEWAY_ENTRY);
    const command = hazmonCommands().find((candidate) => candidate.name.split(' ').every((word, i) => args[i] === word));
    expect(command, `ExecStart command ${JSON.stringify(args.join(' '))}`).toBeDefined();
    const given = args.slice(command!.name.split(' ').length);
    expect(given).toHaveLength(command!.usage.split(' ').filter((word) => word !== '').length);
    expect(given.every((arg) => arg.startsWith('/'))).toBe(true);
  });

  it('uses sd_notify and a reload command only if the agent implements them', () => {
    expect(one('Type')).toBe(sourcesMention(/NOTIFY_SOCKET|sd_notify/) ? 'notify' : 'simple');
    if (one('Type') === 'notify') {
      // The agent's notifications are sent by a child process (socat), which only NotifyAccess=all lets through.
      expect(one('NotifyAccess')).toBe('all');
      expect(Number(one('WatchdogSec'))).toBeGreaterThan(0);
      expect(sourcesMention(/WATCHDOG_USEC/)).toBe(true);
    }
    expect(service.has('ExecReload')).toBe(sourcesMention(/SIGHUP/));
    if (service.has('ExecReload')) expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('gives Node only options this Node accepts, in NODE_OPTIONS (which refuses most V8 flags) and on the command line', () => {
    const environment = (service.get('Environment') ?? []).filter((value) => value.startsWith('NODE_OPTIONS='));
    expect(environment).toHaveLength(1);
    const env = { ...process.env, NODE_OPTIONS: environment[0]!.slice('NODE_OPTIONS='.length) };
    const run = spawnSync(process.execPath, [...execStart().nodeOptions, '-e', '0'], { env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('restarts forever, runs as its own user with serial access, and is hardened', () => {
    expect(one('Restart')).toBe('always');
    expect(one('RestartSec')).toBe('2');
    expect(unit.get('Unit')?.get('StartLimitIntervalSec')).toEqual(['0']);
    expect(one('User')).not.toBe('root');
    expect(one('SupplementaryGroups')).toBe('dialout');
    for (const [key, value] of [
      ['NoNewPrivileges', 'true'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'true'],
      ['PrivateTmp', 'true'],
    ] as const) {
      expect(one(key), key).toBe(value);
    }
    // The store's folder must be writable under ProtectSystem=strict; serial ports must stay visible.
    expect(one('ReadWritePaths')).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(service.has('PrivateDevices')).toBe(false);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });
});
