import { useMemo } from 'preact/hooks';
import { ApiError, NotAvailable, api } from '../api/client.js';
import { mapLoadable, useLoad, useMetric, type Loadable } from '../api/hooks.js';
import type { MetricResult, Row } from '../api/types.js';
import { SERIES } from '../charts/plots.js';
import { ChartCard, type TableData } from '../components/ChartCard.js';
import { Legend, PageHeader, ScopeNotice, Tile } from '../components/Page.js';
import { practiceScope, seesRegion } from '../lib/scope.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { COLUMNS, dateCol, latestWith, numberAt, stringAt } from '../lib/metric.js';
import { setParams } from '../lib/router.js';
import type { Health } from '../api/types.js';
import { toIsoDate } from '../lib/filters.js';
import { IMPORT_RUN_COLUMNS, importRunRows, readImportRuns } from '../lib/import-runs.js';
import { latestObjections, objectionsChart } from './shared.js';
import { SOURCES, feedsChart, sourcesChart } from '../charts/data_accumulation.js';
import { quarantineChart } from '../charts/data_quality.js';

/** Import runs listed on the page (newest first). */
const RUNS_SHOWN = 50;

export default function DataConsent() {
  const { filters, route, orgs, health } = useApp();
  const scoped = practiceScope(orgs, filters.org);
  const p = { org: scoped.org, from: filters.from, to: filters.to, grain: filters.grain };
  const feeds = useMetric('data_accumulation', { ...p, by: 'source_org' });
  const reach = useMetric('data_accumulation', p);
  const consent = useMetric('consent', p);
  // Quarantine is dated by when the importer ran, which is after the data's own dates: a preset
  // range runs to today here.
  const today = toIsoDate(new Date());
  const quality = useMetric('data_quality', { from: filters.from, to: filters.range === 'custom' ? filters.to : today > (filters.to ?? '') ? today : filters.to });
  const nRaw = Number(route.query.get('sources') ?? '2');
  const n = [1, 2, 3].includes(nRaw) ? nRaw : 2;
  const src = SOURCES.find((s) => s.n === n)!;

  const reachLatest = useMemo(() => {
    if (reach.status !== 'ready') return null;
    const period = dateCol(reach.data) ?? COLUMNS.data_accumulation.period_start;
    const last = latestWith(totalOnly(reach.data.rows), period, src.name);
    return { count: numberAt(last, src.name), pct: numberAt(last, src.pct), enrolled: numberAt(last, COLUMNS.data_accumulation.enrolled) };
  }, [reach, src]);
  // The server's total of every scope (hidden: '*'), as on the Overview and the Report.
  const objections = useMemo(() => (consent.status === 'ready' ? latestObjections(consent.data) : null), [consent]);

  const orgName = (code: string) => orgs.byCode.get(code)?.name ?? code;
  // The import-run log covers the whole region's deliveries: only users who see the region may read it.
  const regionWide = seesRegion(orgs);
  const runsLoaded = useLoad(regionWide ? `import-runs-${RUNS_SHOWN}` : null, (signal) => api.importRuns(RUNS_SHOWN, signal));
  const runsAnswer = useMemo<Loadable<unknown>>(
    () =>
      regionWide
        ? runsLoaded
        : { status: 'error', error: new NotAvailable("The import-run log covers the whole region's data deliveries, so it is shown only to users whose organisation is the region.") },
    [regionWide, runsLoaded],
  );
  const { quarantine, runs } = useMemo(() => splitQuality(quality, runsAnswer, health), [quality, runsAnswer, health]);
  const runsFromApi = runsAnswer.status === 'ready' && readImportRuns(runsAnswer.data) !== null;

  return (
    <>
      <PageHeader title="Data & consent" caption="Which organisations send records to the portal, how complete patients' records are, objections, and the health of the data feeds." />
      <ScopeNotice chosen={filters.org} shown={scoped.org} />
      <div class="tiles">
        <Tile
          hero
          label={`Patients with data from ${n} or more sources`}
          loading={reach.status === 'loading'} source={reach}
          value={reachLatest?.count !== null && reachLatest?.count !== undefined ? formatCount(reachLatest.count) : '*'}
          detail={reachLatest?.pct !== null && reachLatest?.pct !== undefined ? `${formatPercent(reachLatest.pct)} of patients with an activated account` : undefined}
        />
        <Tile label="Objections in force" loading={consent.status === 'loading'} source={consent} value={objections ? (objections.n !== null ? formatCount(objections.n) : '*') : '–'} detail="Patients who have asked for their data not to be shared." />
      </div>
      <div class="grid">
        <ChartCard
          wide
          title={`Record items received each ${filters.grain}, by source organisation`}
          subtitle="Letters, results, appointments and other items sent to patients' portal records."
          data={useMemo(() => mapLoadable(feeds, (d) => ({ ...d, grain: filters.grain, orgName })), [feeds, filters.grain])}
          chart={feedsChart}
        />
        <ChartCard
          title={`Patients with data from ${n} or more sources`}
          subtitle="Share of patients with an activated account whose record holds data from at least this many organisations."
          controls={
            <label>
              Sources
              <select value={String(n)} onChange={(e) => setParams({ sources: (e.target as HTMLSelectElement).value === '2' ? null : (e.target as HTMLSelectElement).value }, { replace: true })}>
                {[1, 2, 3].map((k) => (
                  <option key={k} value={k}>
                    {k} or more
                  </option>
                ))}
              </select>
            </label>
          }
          data={useMemo(() => mapLoadable(reach, (d) => ({ ...d, grain: filters.grain, n })), [reach, filters.grain, n])}
          chart={sourcesChart}
          footer={() => <Legend items={SOURCES.map((s, i) => ({ label: `${s.n} or more sources`, colour: SERIES[i]!, kind: s.n === n ? 'line' : 'dash' }))} />}
        />
        <ChartCard
          title="Objections to data sharing in force"
          subtitle="Patients with an objection registered and not withdrawn, at the end of each period."
          data={useMemo(() => mapLoadable(consent, (d) => ({ ...d, grain: filters.grain })), [consent, filters.grain])}
          chart={objectionsChart}
        />
        <ChartCard
          title="Data quality: rows held back (quarantined), by reason"
          subtitle="Rows in the data feeds that broke a rule and were kept aside instead of loaded."
          data={quarantine}
          chart={quarantineChart}
          emptyMessage="No rows were quarantined in these dates."
        />
        <ChartCard
          wide
          title={runsFromApi ? `Import runs: the latest ${RUNS_SHOWN} batches imported` : 'Import runs'}
          subtitle={
            runsFromApi
              ? 'Each delivered batch: when it was imported, whether it succeeded, and what happened to its rows (loaded, skipped as already held, quarantined for breaking a rule, or withheld because the patient objects). Row counts of files are shown exactly.'
              : 'Delivered batches: the latest successful import, any failure, and each batch that had rows quarantined.'
          }
          data={runs}
          table={{ initialSort: { column: 'started_at', direction: 'descending' }, pageSize: 25 }}
          emptyMessage={runsFromApi ? 'No imports have run yet.' : 'No imports ran in these dates.'}
        />
      </div>
    </>
  );
}

/**
 * Quarantine by reason, and the import runs: from GET /api/import-runs when the server has it,
 * else one row per delivered batch that had rows quarantined plus the latest success / failure.
 */
function splitQuality(
  q: Loadable<MetricResult<'data_quality'>>,
  runsAnswer: Loadable<unknown>,
  health: Health | null,
): { quarantine: ReturnType<typeof mapLoadable<MetricResult, TableData>>; runs: ReturnType<typeof mapLoadable<MetricResult, TableData>> } {
  const quarantine = mapLoadable(q, (d): TableData => {
    const reason = COLUMNS.data_quality.reason_code;
    const byReason = new Map<string, { n: number; example: string; kinds: Set<string> }>();
    for (const r of d.rows) {
      const key = stringAt(r, reason);
      if (!key) continue;
      const e = byReason.get(key) ?? { n: 0, example: stringAt(r, COLUMNS.data_quality.example_reason) ?? '', kinds: new Set<string>() };
      e.n += numberAt(r, COLUMNS.data_quality.rows_quarantined) ?? 0;
      const kind = stringAt(r, COLUMNS.data_quality.file_kind);
      if (kind) e.kinds.add(kind.replace(/_/g, ' '));
      byReason.set(key, e);
    }
    const rows: Row[] = [...byReason.entries()]
      .sort((a, b) => b[1].n - a[1].n)
      .map(([k, e]) => ({ reason_code: k, rows_quarantined: e.n, file_kinds: [...e.kinds].sort().join(', '), example_reason: e.example }));
    return {
      columns: [
        { name: 'reason_code', label: 'Reason', type: 'string' },
        { name: 'rows_quarantined', label: 'Rows quarantined', type: 'number', unit: 'count' },
        { name: 'file_kinds', label: 'Files', type: 'string' },
        { name: 'example_reason', label: 'Example', type: 'string' },
      ],
      rows,
    };
  });
  const fromApi = runsAnswer.status === 'ready' ? readImportRuns(runsAnswer.data) : null;
  // A server without /api/import-runs (404) falls back to the batches the quarantine names.
  const noRoute = runsAnswer.status === 'error' && runsAnswer.error instanceof ApiError && runsAnswer.error.status === 404;
  if (runsAnswer.status === 'loading') return { quarantine, runs: { status: 'loading' } };
  if (runsAnswer.status === 'error' && !noRoute) return { quarantine, runs: runsAnswer };
  if (fromApi) return { quarantine, runs: { status: 'ready', data: { columns: IMPORT_RUN_COLUMNS, rows: importRunRows(fromApi) } } };
  const runs = mapLoadable(q, (d): TableData => {
    const byBatch = new Map<string, { batch: string; at: string; rows: number; files: Set<string> }>();
    for (const r of d.rows) {
      const batch = stringAt(r, COLUMNS.data_quality.batch_id);
      if (!batch) continue;
      const e = byBatch.get(batch) ?? { batch, at: stringAt(r, COLUMNS.data_quality.first_quarantined_at) ?? '', rows: 0, files: new Set<string>() };
      e.rows += numberAt(r, COLUMNS.data_quality.rows_quarantined) ?? 0;
      const kind = stringAt(r, COLUMNS.data_quality.file_kind);
      if (kind) e.files.add(kind.replace(/_/g, ' '));
      byBatch.set(batch, e);
    }
    const rows: Row[] = [...byBatch.values()]
      .sort((a, b) => b.batch.localeCompare(a.batch))
      .map((e) => ({ batch_id: e.batch, started_at: e.at.slice(0, 16).replace('T', ' '), status: 'loaded; some rows quarantined', rows_quarantined: e.rows, files: [...e.files].join(', ') }));
    const success = health?.lastSuccess as { batchId?: string; finishedAt?: string } | string | null | undefined;
    const failure = health?.lastFailure as { batchId?: string; finishedAt?: string; error?: string } | string | null | undefined;
    if (failure && typeof failure === 'object') rows.unshift({ batch_id: failure.batchId ?? '', started_at: (failure.finishedAt ?? '').slice(0, 16).replace('T', ' '), status: `failed${failure.error ? `: ${failure.error}` : ''}`, rows_quarantined: null, files: '' });
    if (success && typeof success === 'object' && !byBatch.has(success.batchId ?? '')) rows.unshift({ batch_id: success.batchId ?? '', started_at: (success.finishedAt ?? '').slice(0, 16).replace('T', ' '), status: 'latest successful import', rows_quarantined: 0, files: '' });
    return {
      columns: [
        { name: 'batch_id', label: 'Batch', type: 'string' },
        { name: 'started_at', label: 'When (UTC)', type: 'string' },
        { name: 'status', label: 'Outcome', type: 'string' },
        { name: 'rows_quarantined', label: 'Rows quarantined', type: 'number', unit: 'count' },
        { name: 'files', label: 'Files with problems', type: 'string' },
      ],
      rows,
    };
  });
  return { quarantine, runs };
}

function totalOnly<R extends Row>(rows: R[]): R[] {
  return rows.filter((r) => r.breakdown === undefined || r.breakdown === 'All');
}
