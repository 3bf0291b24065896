/**
 * The shapes of the access-control and SQL-workbench answers, shared by the server (which sends
 * them) and the dashboard (which reads them): one declaration, so the two cannot drift apart.
 * Named as shared and free of imports of Node or the store, since it ends up in the browser too.
 */
import type { Permission, Role } from '../auth/roles.js';

export const AUDIT_ACTIONS = ['sign_in', 'sign_out', 'metric_read', 'export', 'sql_query', 'sql_export', 'admin', 'read', 'denied'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** GET /api/me: the signed-in user. */
export interface Me {
  username: string;
  displayName: string | null;
  role: Role;
  /** Their organisation: they see it and everything below it. */
  org: string;
  orgName: string | null;
  permissions: Permission[];
  via: 'session' | 'token';
}

/** A user as the admin's routes show one (never a password hash). */
export interface PublicUser {
  username: string;
  displayName: string | null;
  role: Role;
  org: string;
  source: 'local' | 'oidc';
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

/** An API token in use (never its secret). */
export interface TokenInfo {
  id: number;
  username: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** An open session; `current` marks the one asking. */
export interface SessionInfo {
  id: string;
  username: string;
  method: 'password' | 'oidc';
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current?: boolean;
}

/** One row of the audit log (GET /api/audit). */
export interface AuditRecord {
  id: number;
  at: string;
  username: string | null;
  role: string | null;
  userOrg: string | null;
  action: string;
  method: string | null;
  route: string | null;
  params: string | null;
  org: string | null;
  rowCount: number | null;
  status: number | null;
  outcome: string;
  ip: string | null;
  detail: string | null;
}

/** A saved workbench query (GET /api/sql/saved). */
export interface SavedQuery {
  id: number;
  owner: string;
  ownerOrg: string;
  name: string;
  description: string | null;
  sql: string;
  shared: boolean;
  createdAt: string;
  updatedAt: string;
  mine: boolean;
}
