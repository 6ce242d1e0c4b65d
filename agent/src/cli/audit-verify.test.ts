/** `hazmon audit verify` against a real store file, run as a child process. */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HazmonStore } from '../store/index.ts';
import { EXIT } from './command.ts';
import { AUDIT_ROWS, bufferedIo, createSite, hazmon } from '../../test/fixtures/cli/store-site.ts';
import type { Site } from '../../test/fixtures/cli/store-site.ts';
import { runCli } from './run.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function site(): Promise<Site> {
  const created = await createSite();
  cleanups.push(created.remove);
  return created;
}

async function rawSql(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('hazmon audit verify', () => {
  it('prints the row count and the head hash of an intact chain, exit 0', async () => {
    const { config, storePath, dir } = await site();
    const store = await HazmonStore.open({ path: storePath, retentionIntervalMs: 0 });
    const rows = await store.auditRows();
    await store.close();
    expect(rows).toHaveLength(AUDIT_ROWS);

    const result = await hazmon(['audit', 'verify', config], dir);
    expect(result.stderr).not.toContain('audit log was altered');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`audit chain ok: ${AUDIT_ROWS} rows, head ${rows.at(-1)!.hash}\n`);
  }, 120_000);

  it('names the seq of a row edited with raw SQL, exit 1', async () => {
    const { config, storePath, dir } = await site();
    await rawSql(storePath, "UPDATE audit_log SET who = 'mallory' WHERE seq = 2");

    const result = await hazmon(['audit', 'verify', config], dir);
    expect(result.code).toBe(EXIT.failed);
    const problems = result.stdout.split('\n').filter((line) => line.startsWith('seq '));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^seq 2: content_changed: .*edited/);
    expect(result.stdout).not.toContain('audit chain ok');
    expect(result.stderr).toContain('1 problem(s)');
  }, 120_000);

  it('says the file is held by another process (the agent) instead of a stack trace, exit 1', async () => {
    const { config, storePath, dir } = await site();
    const holder = await HazmonStore.open({ path: storePath, retentionIntervalMs: 0 });
    cleanups.push(() => holder.close());

    const result = await hazmon(['audit', 'verify', config], dir);
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toContain(`the store file ${storePath} is in use by another process`);
    expect(result.stderr).toContain('stop the agent');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('refuses a config whose store file does not exist, creating nothing', async () => {
    const { config, storePath } = await site();
    rmSync(storePath);
    const io = bufferedIo();
    expect(await runCli(['audit', 'verify', config], io)).toBe(EXIT.failed);
    expect(io.err()).toContain(`no store file at ${storePath}`);
    expect(existsSync(storePath)).toBe(false);
  }, 120_000);

  it('prints the problems of an invalid config and exits 2', async () => {
    const { config, file } = await site();
    const broken = file('broken.yaml');
    writeFileSync(broken, `${readFileSync(config, 'utf8')}\nstorage: {}\n`);
    const io = bufferedIo();
    expect(await runCli(['audit', 'verify', broken], io)).toBe(EXIT.configInvalid);
    expect(io.err()).toContain(broken);
    expect(io.err()).toContain('storage');
    expect(io.out()).toBe('');
  }, 120_000);

  it('refuses a missing config argument with exit 64', async () => {
    const io = bufferedIo();
    expect(await runCli(['audit', 'verify'], io)).toBe(EXIT.usage);
    expect(io.err()).toContain('usage: hazmon audit verify CONFIG');
  });
});
