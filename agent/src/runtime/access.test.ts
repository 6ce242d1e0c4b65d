/** A person a dashboard session authenticated earlier is checked against the config running now, not the sign-in. */
import { describe, expect, it } from 'vitest';
import type { UserConfig } from '../config/index.ts';
import { Access, rolesFor } from './access.ts';

describe('Access.authorize with an earlier authentication', () => {
  const lin = { authenticated: { name: 'lin', role: 'supervisor' } } as const;
  function configWithLin() {
    const users: UserConfig[] = [{ name: 'lin', role: 'supervisor', passwordHash: 'unused: never checked here' }];
    return { users, access: new Access(() => users) };
  }

  it('takes the role the config gives now', async () => {
    const { users, access } = configWithLin();
    expect(await access.authorize(lin, rolesFor('remove_from_service'), 'out of service')).toEqual({ user: { name: 'lin', role: 'supervisor' } });
    users[0] = { ...users[0], role: 'operator' } as UserConfig;
    expect(await access.authorize(lin, rolesFor('remove_from_service'), 'out of service')).toEqual({
      refused: 'user "lin" has role operator; out of service needs supervisor or admin',
      user: { name: 'lin', role: 'operator' },
    });
  });

  it('refuses a user the config no longer has', async () => {
    const { users, access } = configWithLin();
    users.length = 0;
    expect(await access.authorize(lin, rolesFor('ack'), 'acknowledge')).toEqual({ refused: 'user "lin" is no longer in the config', user: null });
  });
});
