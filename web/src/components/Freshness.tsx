import type { Health, OrgsResult } from '../api/types.js';
import { formatDateTime, formatDay, formatDuration } from '../lib/format.js';

/**
 * The header's line on how fresh the data is: the latest data day and import, whether imports are
 * behind, and how long the latest batch took from landing in the landing directory to being served
 * (GET /api/health). Everything is said in words, so nothing depends on the warning colour alone.
 */
export function Freshness({ health, fallback }: { health: Health | null; fallback: OrgsResult['asOf'] }) {
  const asOf = health?.asOf ?? fallback;
  if (!asOf?.latestEventAt) return <p class="freshness">No data has been imported yet.</p>;
  const stale = health?.status && !['ok', 'healthy'].includes(health.status);
  return (
    <p class={`freshness${stale ? ' freshness-warn' : ''}`} data-testid="freshness">
      Data as of <strong>{formatDay(asOf.latestEventAt)}</strong>
      {asOf.lastImportAt && <> · last import {formatDateTime(asOf.lastImportAt)}</>}
      {stale && <> · imports are behind ({health.status})</>}
      {health && <ServingLag health={health} />}
    </p>
  );
}

/** "Latest batch served 4 seconds after landing", and the batches imported but not served yet. */
function ServingLag({ health }: { health: Health }) {
  // Tolerant of a server older than these fields (the dashboard may be newer than its API for a moment).
  const served = health.latestServedBatch ?? null;
  const waiting = health.unservedBatches;
  const parts: string[] = [];
  if (served) parts.push(`Latest batch served ${formatDuration(served.landingToServedSeconds)} after landing`);
  if (waiting && waiting.count > 0 && waiting.oldestLandedAt) {
    const batches = waiting.count === 1 ? '1 batch' : `${waiting.count} batches`;
    const oldest = waiting.count === 1 ? 'landed' : 'the oldest landed';
    parts.push(`${batches} not served yet (${oldest} ${formatDateTime(waiting.oldestLandedAt)})`);
  }
  if (parts.length === 0) return null;
  return (
    <span class="freshness-lag" data-testid="serving-lag">
      {parts.join(' · ')}
    </span>
  );
}
