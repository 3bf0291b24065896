import type { Column, Row } from '../api/types.js';

// GET /api/import-runs (server/api/import-runs.ts): one entry per batch an import run processed,
// newest first. Read defensively: row counts may come flat or under `counts`, and an older server
// has no such route (the page then falls back to what the data-quality metric and health tell).

export interface ImportRun {
  runId: string;
  batchId: string;
  trigger: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  status: string;
  error: string | null;
  rowsIn: number | null;
  loaded: number | null;
  duplicates: number | null;
  quarantined: number | null;
  withheld: number | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** The runs in an /api/import-runs answer, or null when the answer is not of that shape. */
export function readImportRuns(body: unknown): ImportRun[] | null {
  const list = body && typeof body === 'object' ? (body as { runs?: unknown }).runs : undefined;
  if (!Array.isArray(list)) return null;
  return list
    .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object')
    .map((r) => {
      const c = r.counts && typeof r.counts === 'object' ? (r.counts as Record<string, unknown>) : r;
      return {
        runId: text(r.runId) ?? '',
        batchId: text(r.batchId) ?? '',
        trigger: text(r.trigger),
        startedAt: text(r.startedAt),
        finishedAt: text(r.finishedAt),
        durationMs: count(r.durationMs),
        status: text(r.status) ?? 'unknown',
        error: text(r.error),
        rowsIn: count(c.rowsIn),
        loaded: count(c.loaded),
        duplicates: count(c.duplicates),
        quarantined: count(c.quarantined),
        withheld: count(c.withheld),
      };
    });
}

/** "2026-11-25T13:17:13Z" → "2026-11-25 13:17" (UTC, as the column says; sorts as text). */
export function utcMinute(iso: string | null): string | null {
  const m = iso ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso) : null;
  return m ? `${m[1]} ${m[2]}` : iso;
}

const TRIGGERS: Record<string, string> = { cli: 'by hand', schedule: 'scheduled', start: 'at start-up', test: 'test' };

export const IMPORT_RUN_COLUMNS: Column[] = [
  { name: 'started_at', label: 'Started (UTC)', type: 'string' },
  { name: 'batch_id', label: 'Batch', type: 'string' },
  { name: 'outcome', label: 'Outcome', type: 'string' },
  { name: 'duration_s', label: 'Took (seconds)', type: 'number', unit: 'ratio' },
  { name: 'rows_in', label: 'Rows delivered', type: 'number', unit: 'count' },
  { name: 'loaded', label: 'Loaded', type: 'number', unit: 'count' },
  { name: 'duplicates', label: 'Duplicates skipped', type: 'number', unit: 'count' },
  { name: 'quarantined', label: 'Quarantined', type: 'number', unit: 'count' },
  { name: 'withheld', label: 'Withheld (objection)', type: 'number', unit: 'count' },
  { name: 'trigger', label: 'Started', type: 'string' },
];

/** The runs as table rows (a failed run's outcome carries its error). */
export function importRunRows(runs: ImportRun[]): Row[] {
  return runs.map((r) => ({
    started_at: utcMinute(r.startedAt),
    batch_id: r.batchId,
    outcome: r.status === 'failed' ? `Failed${r.error ? `: ${r.error}` : ''}` : r.status === 'succeeded' ? 'Succeeded' : r.status,
    duration_s: r.durationMs === null ? null : Math.round(r.durationMs / 100) / 10,
    rows_in: r.rowsIn,
    loaded: r.loaded,
    duplicates: r.duplicates,
    quarantined: r.quarantined,
    withheld: r.withheld,
    trigger: r.trigger ? (TRIGGERS[r.trigger] ?? r.trigger) : null,
  }));
}
