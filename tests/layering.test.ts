/** The layering check of the test command (.dependency-cruiser.mjs) fails on an upward import or a new file cycle, naming the file. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(repoRoot, 'node_modules/.bin/depcruise');
const config = join(repoRoot, '.dependency-cruiser.mjs');

// A miniature workspace resolved the way the real one is: package names through tsconfig paths.
const cleanTree: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      allowImportingTsExtensions: true,
      baseUrl: '.',
      paths: { '@hazmon/errors': ['errors/src/index.ts'], '@hazmon/protocols': ['protocols/src/index.ts'], '@hazmon/agent': ['agent/src/index.ts'] },
    },
  }),
  'errors/src/index.ts': `export class HazmonError extends Error {}\n`,
  'protocols/src/index.ts': `import { HazmonError } from '@hazmon/errors';\nexport class ModbusError extends HazmonError {}\n`,
  'simulators/src/index.ts': `export const simulator = 'tank';\n`,
  'agent/src/index.ts': `import { ModbusError } from '@hazmon/protocols';\nexport { Engine } from './engine/engine.ts';\nexport const agentError = ModbusError;\n`,
  'agent/src/engine/engine.ts': `import { kernel } from './kernel.ts';\nimport type { ReadingBatch } from './layout.ts';\nexport class Engine { run = (batch: ReadingBatch) => kernel(batch); }\n`,
  'agent/src/engine/kernel.ts': `import type { ReadingBatch } from './layout.ts';\nexport const kernel = (batch: ReadingBatch) => batch.length;\n`,
  'agent/src/engine/layout.ts': `export type ReadingBatch = number[];\n`,
  'agent/src/store/store.ts': `export const store = 1;\n`,
};

let workspace: string | undefined;
afterEach(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
  workspace = undefined;
});

async function checkLayers(changes: Record<string, string>): Promise<{ passed: boolean; output: string }> {
  workspace = await mkdtemp(join(tmpdir(), 'hazmon-layering-'));
  for (const [file, text] of Object.entries({ ...cleanTree, ...changes })) {
    await mkdir(dirname(join(workspace, file)), { recursive: true });
    await writeFile(join(workspace, file), text);
  }
  const cwd = workspace;
  return new Promise((resolve) => {
    execFile(depcruise, ['--config', config, '--output-type', 'err', '.'], { cwd }, (error, stdout, stderr) => {
      resolve({ passed: error === null, output: stdout + stderr });
    });
  });
}

describe('layering check', () => {
  it('passes on a tree that keeps the layers and has no cycle', async () => {
    const { passed, output } = await checkLayers({});
    expect(output).toContain('no dependency violations');
    expect(passed).toBe(true);
  });

  it('fails when protocols imports the agent, naming the importing file', async () => {
    const { passed, output } = await checkLayers({
      'protocols/src/index.ts': `import { HazmonError } from '@hazmon/errors';\nimport type { Engine } from '@hazmon/agent';\nexport class ModbusError extends HazmonError {}\nexport type Owner = Engine;\n`,
    });
    expect(passed).toBe(false);
    expect(output).toMatch(/layer-protocols: protocols\/src\/index\.ts → agent\/src\/index\.ts/);
  });

  it('fails when simulators reach into the agent by a relative path', async () => {
    const { passed, output } = await checkLayers({ 'simulators/src/index.ts': `export { store as simulator } from '../../agent/src/store/store.ts';\n` });
    expect(passed).toBe(false);
    expect(output).toMatch(/layer-simulators: simulators\/src\/index\.ts → agent\/src\/store\/store\.ts/);
  });

  it('fails on a new cycle between files, naming them', async () => {
    const { passed, output } = await checkLayers({
      'agent/src/store/store.ts': `import { reader } from './reader.ts';\nexport const store = reader;\n`,
      'agent/src/store/reader.ts': `import type { store } from './store.ts';\nexport const reader = 1;\nexport type Store = typeof store;\n`,
    });
    expect(passed).toBe(false);
    expect(output).toMatch(/no-new-file-cycle: agent\/src\/store\/reader\.ts → \s*agent\/src\/store\/store\.ts/);
  });
});
