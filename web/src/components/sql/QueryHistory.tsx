import type { HistoryItem } from '../../api/sql.js';

interface Props {
  history: HistoryItem[] | null;
  error: string | null;
  onOpen: (sql: string) => void;
}

const OUTCOME: Record<string, string> = { ok: 'done', failed: 'failed', error: 'error', denied: 'refused' };

/** "2026-03-14T18:00:05.123Z" → "14 Mar 18:00" (UTC, as stored). */
function when(iso: string): string {
  const m = /^\d{4}-(\d{2})-(\d{2})[T ](\d{2}:\d{2})/.exec(iso);
  if (!m) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${Number(m[2])} ${months[Number(m[1]) - 1]} ${m[3]}`;
}

/** My latest queries and downloads (from the audit log), newest first; pressing one opens its SQL. */
export function QueryHistory({ history, error, onOpen }: Props) {
  if (error) return <p class="form-error">{error}</p>;
  if (!history) return <p class="hint">Loading your history…</p>;
  if (history.length === 0) return <p class="hint">Queries you run appear here.</p>;
  return (
    <ol class="history-list" data-testid="query-history">
      {history.map((h, i) => {
        const firstLine = h.sql.split('\n').find((l) => l.trim() && !l.trim().startsWith('--'))?.trim() ?? h.sql.trim();
        return (
          <li key={`${h.at}-${i}`} class={`history-${h.outcome}`}>
            <button type="button" class="link-button history-open" onClick={() => onOpen(h.sql)} title={h.sql}>
              <span class="history-sql">{firstLine}</span>
            </button>
            <span class="history-meta">
              {when(h.at)} · {h.action === 'sql_export' ? 'download' : 'query'} {h.status === 409 ? 'cancelled' : (OUTCOME[h.outcome] ?? h.outcome)}
              {h.rows !== null && ` · ${h.rows.toLocaleString('en-GB')} ${h.rows === 1 ? 'row' : 'rows'}`}
              {h.elapsedMs !== null && ` · ${h.elapsedMs < 1000 ? `${Math.max(1, Math.round(h.elapsedMs))} ms` : `${(h.elapsedMs / 1000).toFixed(1)} s`}`}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
