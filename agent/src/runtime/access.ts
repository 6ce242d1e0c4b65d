/** Who may do what: password checks against the config's users and the roles each command needs. */
import type { UserConfig, UserRole } from '../config/index.ts';
import { RESET_ROLES, verifyPassword } from '../config/index.ts';
import type { AuthenticatedUser, Credentials } from './events.ts';

/** Roles that may acknowledge an alarm; shelving, suppressing, taking out of service and resetting need RESET_ROLES. */
export const ACK_ROLES: readonly UserRole[] = ['operator', 'supervisor', 'admin'];
export { RESET_ROLES };

/** The user the credentials name, or why they are refused. */
export type Authorization = { readonly user: AuthenticatedUser } | { readonly refused: string; readonly user: AuthenticatedUser | null };

export class Access {
  constructor(private readonly users: () => readonly UserConfig[]) {}

  /** The user with this name and password, or null (unknown name and wrong password alike). */
  async authenticate(name: string, password: string): Promise<AuthenticatedUser | null> {
    const user = this.users().find((candidate) => candidate.name === name);
    if (!user || !(await verifyPassword(password, user.passwordHash))) return null;
    return { name: user.name, role: user.role };
  }

  /** Checks the credentials and that the user's role is one of `roles`, for `what` (named in the refusal). */
  async authorize(credentials: Credentials, roles: readonly UserRole[], what: string): Promise<Authorization> {
    const user = 'authenticated' in credentials ? credentials.authenticated : await this.authenticate(credentials.user, credentials.password);
    if (user === null) return { refused: `unknown user or wrong password for ${JSON.stringify(nameOf(credentials))}`, user: null };
    if (!roles.includes(user.role)) return { refused: `user ${JSON.stringify(user.name)} has role ${user.role}; ${what} needs ${roles.join(' or ')}`, user };
    return { user };
  }
}

/** The name the caller gave, whether or not it checks out. */
export function nameOf(credentials: Credentials): string {
  return 'authenticated' in credentials ? credentials.authenticated.name : credentials.user;
}
