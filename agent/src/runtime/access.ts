/** Who may do what: password checks against the config's users and the roles each command needs. */
import type { UserConfig, UserRole } from '../config/index.ts';
import { RESET_ROLES, verifyPassword } from '../config/index.ts';
import type { AlarmCommandRequest, AuthenticatedUser, Credentials } from './events.ts';

/**
 * Roles that may acknowledge, shelve and unshelve an alarm: the operator's tools for the alarm in front of them (a
 * shelf always expires). Suppressing, taking out of service and resetting a latch need RESET_ROLES (supervisor, admin).
 */
const OPERATOR_ROLES: readonly UserRole[] = ['operator', 'supervisor', 'admin'];
const OPERATOR_COMMANDS: ReadonlySet<AlarmCommandRequest['kind']> = new Set(['ack', 'shelve', 'unshelve']);
export { RESET_ROLES };

/** The roles that may give an alarm command. */
export function rolesFor(kind: AlarmCommandRequest['kind']): readonly UserRole[] {
  return OPERATOR_COMMANDS.has(kind) ? OPERATOR_ROLES : RESET_ROLES;
}

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

  /**
   * Checks the credentials and that the user's role is one of `roles`, for `what` (named in the refusal). A person the
   * caller authenticated earlier (a dashboard session) is looked up again: the config running now gives the role, and
   * a user a reload removed is refused.
   */
  async authorize(credentials: Credentials, roles: readonly UserRole[], what: string): Promise<Authorization> {
    if ('authenticated' in credentials) {
      const user = this.configured(credentials.authenticated.name);
      return user === null ? { refused: `user ${JSON.stringify(credentials.authenticated.name)} is no longer in the config`, user: null } : this.permit(user, roles, what);
    }
    const user = await this.authenticate(credentials.user, credentials.password);
    if (user === null) return { refused: `unknown user or wrong password for ${JSON.stringify(nameOf(credentials))}`, user: null };
    return this.permit(user, roles, what);
  }

  private configured(name: string): AuthenticatedUser | null {
    const user = this.users().find((candidate) => candidate.name === name);
    return user === undefined ? null : { name: user.name, role: user.role };
  }

  private permit(user: AuthenticatedUser, roles: readonly UserRole[], what: string): Authorization {
    if (!roles.includes(user.role)) return { refused: `user ${JSON.stringify(user.name)} has role ${user.role}; ${what} needs ${roles.join(' or ')}`, user };
    return { user };
  }
}

/** The name the caller gave, whether or not it checks out. */
export function nameOf(credentials: Credentials): string {
  return 'authenticated' in credentials ? credentials.authenticated.name : credentials.user;
}
