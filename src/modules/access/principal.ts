import type { Permission, Role } from './roles.ts';
import { PERMISSIONS, permissionsOf } from './roles.ts';

/** Who is calling: a user (browser session), an API token (device, lab, feed), or the operator at the CLI. */
export interface Principal {
  kind: 'user' | 'token' | 'cli' | 'system';
  id: number | null;
  name: string;
  role: Role | 'operator';
  /** Area code whose subtree this principal may see; '' only for the CLI operator and system jobs. */
  jurisdiction: string;
  permissions: ReadonlySet<Permission>;
  mustChangePassword?: boolean;
}

export function principalFor(
  kind: 'user' | 'token',
  id: number,
  name: string,
  role: Role,
  jurisdiction: string,
): Principal {
  return { kind, id, name, role, jurisdiction, permissions: new Set(permissionsOf(role)) };
}

/** The operator at the machine's command line: already has the database; acts on everything, recorded as such. */
export function cliPrincipal(name = process.env.USER ?? 'operator'): Principal {
  return {
    kind: 'cli',
    id: null,
    name,
    role: 'operator',
    jurisdiction: '',
    permissions: new Set(PERMISSIONS),
  };
}

export function can(p: Principal, permission: Permission): boolean {
  return p.permissions.has(permission);
}
