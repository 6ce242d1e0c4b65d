/** `hazmon audit verify CONFIG`: walks the store's audit hash chain and prints its head, or one line per broken row. */
import { parseArgs } from 'node:util';
import { GENESIS_HASH } from '../store/index.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { withConfiguredStore } from './store-access.ts';

export async function auditVerifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError(`give exactly one config file (got ${positionals.length})`);
  return withConfiguredStore('audit verify', positionals[0]!, io, async (store, config) => {
    const verification = await store.verifyAuditChain();
    if (!verification.ok) {
      for (const problem of verification.problems) io.stdout.write(`seq ${problem.seq}: ${problem.problem}: ${problem.message}\n`);
      io.stderr.write(`hazmon audit verify: ${config.store.path}: ${verification.problems.length} problem(s) in ${verification.rowsChecked} rows: the audit log was altered\n`);
      return EXIT.failed;
    }
    // A verified chain has rows seq 1..N with no gap, so the head is row N.
    const rows = verification.rowsChecked;
    const head = rows === 0 ? GENESIS_HASH : (await store.auditRows({ afterSeq: rows - 1, limit: 1 }))[0]?.hash;
    io.stdout.write(`audit chain ok: ${rows} rows, head ${head}\n`);
    return EXIT.ok;
  });
}
