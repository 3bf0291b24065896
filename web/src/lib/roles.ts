import type { Role } from '../api/types.js';

/** Roles in words, as people say them. */
export const ROLE_LABELS: Record<Role, string> = {
  commissioner: 'Commissioner',
  cio: 'CIO',
  analyst: 'Analyst',
  admin: 'Administrator',
};

/** What a role may do, for the Admin page's role choice and the Account page. */
export const ROLE_HINTS: Record<Role, string> = {
  commissioner: 'reads metrics and exports them',
  cio: 'reads metrics and exports them',
  analyst: 'reads metrics and exports them, and uses the SQL console',
  admin: 'everything, and manages users and reads the audit log',
};

export const roleLabel = (role: string): string => ROLE_LABELS[role as Role] ?? role;
