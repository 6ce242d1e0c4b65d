/** The commands an opened alarm offers (dashboard/ui/src/pages/alarms/Detail.tsx), by role and the alarm's mode, without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubBrowserGlobals } from '../../browser-globals.test-support.ts';

let commandsFor: typeof import('./Detail.tsx')['commandsFor'];

beforeAll(async () => {
  stubBrowserGlobals('zh-CN');
  ({ commandsFor } = await import('./Detail.tsx'));
});

describe('the commands of an opened alarm', () => {
  it('offers a supervisor back in service, not a shelf, on an alarm out of service (the agent refuses that shelf)', () => {
    expect(commandsFor({ source: 'engine', mode: 'out_of_service' }, 'supervisor', false)).toEqual(['returnToService', 'handling']);
  });

  it('offers no shelf on a suppressed alarm', () => {
    expect(commandsFor({ source: 'engine', mode: 'suppressed' }, 'operator', false)).toEqual(['handling']);
  });

  it('offers shelve or unshelve in service, out of service to a supervisor only, and the reset of a latch to a supervisor', () => {
    expect(commandsFor({ source: 'engine', mode: 'in_service' }, 'operator', false)).toEqual(['shelve', 'handling']);
    expect(commandsFor({ source: 'engine', mode: 'shelved' }, 'supervisor', true)).toEqual(['unshelve', 'outOfService', 'handling', 'reset']);
    expect(commandsFor({ source: 'runtime', mode: 'in_service' }, 'viewer', true)).toEqual([]);
  });
});
