/**
 * Analysts' saved queries: their own, and those shared by a user whose scope covers theirs (the
 * owner's organisation is theirs or above it). Only the owner changes or deletes one.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SavedQuery } from '../api/access-shapes.js';

export type { SavedQuery } from '../api/access-shapes.js';

const TS = (c: string) => `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')`;

function toSaved(r: Record<string, unknown>, me: string): SavedQuery {
  return {
    id: Number(r.saved_id),
    owner: String(r.owner),
    ownerOrg: String(r.owner_org),
    name: String(r.name),
    description: r.description === null ? null : String(r.description),
    sql: String(r.sql_text),
    shared: r.shared === true,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    mine: r.owner === me,
  };
}

const SELECT = `SELECT saved_id, owner, owner_org, name, description, sql_text, shared, ${TS('created_at')} AS created_at, ${TS('updated_at')} AS updated_at FROM sql_saved`;

/** Mine, and shared ones whose owner's organisation is my organisation or one above it. */
export async function listSaved(conn: DuckDBConnection, me: string, myOrg: string): Promise<SavedQuery[]> {
  const rows = (
    await conn.runAndReadAll(
      `${SELECT} WHERE owner = $me OR (shared AND (owner_org = $org OR owner_org IN (SELECT ancestor_code FROM rollup_org_tree WHERE org_code = $org)))
       ORDER BY owner = $me DESC, lower(name), saved_id`,
      { me, org: myOrg },
    )
  ).getRowObjectsJS() as Record<string, unknown>[];
  return rows.map((r) => toSaved(r, me));
}

export async function findSaved(conn: DuckDBConnection, id: number, me: string): Promise<SavedQuery | null> {
  const row = (await conn.runAndReadAll(`${SELECT} WHERE saved_id = $id`, { id })).getRowObjectsJS()[0] as Record<string, unknown> | undefined;
  return row ? toSaved(row, me) : null;
}

export async function addSaved(conn: DuckDBConnection, owner: string, ownerOrg: string, q: { name: string; description?: string | null; sql: string; shared: boolean }): Promise<SavedQuery> {
  const r = await conn.runAndReadAll(
    `INSERT INTO sql_saved (owner, owner_org, name, description, sql_text, shared) VALUES ($o, $org, $n, $d, $s, $sh) RETURNING saved_id`,
    { o: owner, org: ownerOrg, n: q.name, d: q.description ?? null, s: q.sql, sh: q.shared } as never,
  );
  return (await findSaved(conn, Number(r.getRows()[0]![0]), owner))!;
}

export async function updateSaved(conn: DuckDBConnection, id: number, changes: { name?: string; description?: string | null; sql?: string; shared?: boolean }, me: string): Promise<SavedQuery> {
  const q = (await findSaved(conn, id, me))!;
  await conn.run(`UPDATE sql_saved SET name = $n, description = $d, sql_text = $s, shared = $sh, updated_at = now() WHERE saved_id = $id`, {
    n: changes.name ?? q.name,
    d: changes.description === undefined ? q.description : changes.description,
    s: changes.sql ?? q.sql,
    sh: changes.shared ?? q.shared,
    id,
  } as never);
  return (await findSaved(conn, id, me))!;
}

export async function deleteSaved(conn: DuckDBConnection, id: number): Promise<void> {
  await conn.run(`DELETE FROM sql_saved WHERE saved_id = $id`, { id });
}
