/**
 * Roles and what each may do. Every role reads metrics and exports them; analysts and admins also
 * use the SQL workbench; only admins manage users and read the audit log.
 */
export const ROLES = ['commissioner', 'cio', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['metrics', 'sql', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  commissioner: ['metrics'],
  cio: ['metrics'],
  analyst: ['metrics', 'sql'],
  admin: ['metrics', 'sql', 'admin'],
};

/** What each permission is, in words for a refusal message. */
const PERMISSION_WORDS: Record<Permission, string> = {
  metrics: 'read metrics',
  sql: 'use the SQL workbench',
  admin: 'manage users and read the audit log',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => can(r, permission));
}

export function refusalFor(role: Role, permission: Permission): string {
  return `Your role (${role}) may not ${PERMISSION_WORDS[permission]}; roles that may: ${rolesWith(permission).join(', ')}.`;
}
