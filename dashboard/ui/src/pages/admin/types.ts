/** The answers of the admin routes (dashboard/src/routes/users.ts and tokens.ts are the source of truth). */
import type { Role } from '../../api/client.ts';

export interface UserList {
  readonly users: readonly { readonly name: string; readonly role: Role }[];
  readonly permissions: readonly { readonly key: string; readonly duty: string; readonly roles: readonly Role[] }[];
}

export interface RegulatorToken {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

export interface TokenCreated {
  readonly token: RegulatorToken;
  readonly secret: string;
}
