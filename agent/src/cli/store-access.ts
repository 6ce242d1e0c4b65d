/** Opens the DuckDB store file a site config names, for commands run beside the agent (audit verify, export). */
import { existsSync } from 'node:fs';
import { loadConfigOrReport } from './load-config.ts';
import type { AgentConfig } from '../config/index.ts';
import { HazmonStore, StoreError } from '../store/index.ts';
import type { CliIo } from './command.ts';
import { EXIT } from './command.ts';

/** The longest interval Node timers accept; the rollup job then never runs in a short-lived command. */
const NEVER_MS = 0x7fff_ffff;
/** DuckDB's text when another process holds the file's write lock. */
const LOCK_HELD = /Could not set lock on file/i;
const LOCK_HOLDER = /Conflicting lock is held in (.+?)(?: by user|\. See also|$)/i;

/**
 * Loads the config (printing every problem and returning exit 2 when it is invalid), opens its store file and hands it
 * to `use`, closing it afterwards. The agent's background jobs (rollups, retention) are not started: the command only
 * reads. A missing file or one held by a running agent is an exit 1 with one line naming the file.
 */
export async function withConfiguredStore(commandName: string, configFile: string, io: CliIo, use: (store: HazmonStore, config: AgentConfig) => Promise<number>): Promise<number> {
  const config = loadConfigOrReport(configFile, io, (problems) => `hazmon ${commandName}: ${problems} problem(s) in ${configFile}: cannot find the store`);
  if (config === null) return EXIT.configInvalid;
  const path = config.store.path;
  // Opening creates a missing file; a command that only reads must not leave an empty store behind a typo.
  if (!existsSync(path)) {
    io.stderr.write(`hazmon ${commandName}: no store file at ${path} (store.path in ${config.file}); has the agent run on this gateway?\n`);
    return EXIT.failed;
  }
  let store: HazmonStore;
  try {
    store = await HazmonStore.open({ ...config.store, retentionIntervalMs: 0, rollupIntervalMs: NEVER_MS });
  } catch (error) {
    if (!(error instanceof StoreError) || !LOCK_HELD.test(error.message)) throw error;
    const holder = LOCK_HOLDER.exec(error.message)?.[1];
    io.stderr.write(
      `hazmon ${commandName}: the store file ${path} is in use by another process${holder ? ` (${holder})` : ''}, most likely the running agent; ` +
        'DuckDB lets one process open a file: stop the agent (systemctl stop hazmon) and run this again\n',
    );
    return EXIT.failed;
  }
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}
