/**
 * A weekly batch as the bench imports it (the freshness measurement and the load test): 200 k usage
 * events over the last week, by the region's real patients (NHS numbers from a delivered patients
 * file) at its practices, trusts and community services.
 */
import { join } from 'node:path';
import type { Store } from '../../server/store/store.js';
import { writeSyntheticBatch } from '../generate/synthetic-batch.js';

export async function writeWeeklyBatch(store: Store, landing: string, options: { events?: number; nhsNumbersFrom?: string } = {}): Promise<string> {
  const orgCodes = await store.withConnection(async (conn) =>
    (await conn.runAndReadAll(`SELECT org_code FROM organisations WHERE org_type IN ('practice', 'trust', 'community') ORDER BY org_code`)).getRows().map((r) => String(r[0])),
  );
  const batchDir = join(landing, '2999-06-01T02-00Z');
  await store.withConnection((conn) =>
    writeSyntheticBatch(conn, {
      dir: batchDir,
      events: options.events ?? 200_000,
      patients: 0,
      ...(options.nhsNumbersFrom ? { nhsNumbersFrom: options.nhsNumbersFrom } : {}),
      orgCodes,
      firstEventNo: 900_000_000,
      start: new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 19).replace('T', ' '),
      days: 7,
    }),
  );
  return batchDir;
}
