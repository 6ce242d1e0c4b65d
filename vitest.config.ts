import { defineConfig } from 'vitest/config';

// One run covers every package; the machine has two cores, so keep the pool small.
export default defineConfig({
  test: {
    include: ['{errors,test-support,protocols,simulators,agent,dashboard,uplink,hub,gateway}/src/**/*.test.ts', 'dashboard/ui/src/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
