import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { Column, Level, MetricRow, Row } from '../api/types.js';
import { COLOURS, RAG } from '../charts/values.js';
import { ChartCard } from '../components/ChartCard.js';
import { Legend, PageHeader, RagBadge, Tile } from '../components/Page.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatDay, formatPercent } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt } from '../lib/metric.js';
import { LEVEL_LABELS, childLevel, descendantsOf, type OrgIndex } from '../lib/orgs.js';
import { formatTrend, rolloutRagShown, rolloutVerdict, verdictLabel } from '../lib/projection.js';
import { RAG_LABEL, RAG_RULE, ragLabel, type Rag, type RagShown } from '../lib/rag.js';
import { hrefFor, setParams } from '../lib/router.js';
import { sortFromParam, sortParam } from '../components/DataTable.js';
import { MAX_BARS, goLiveChart, isProvider, leagueBars, uptakeCurves, type GoLiveData, type LeagueData } from '../charts/rollout.js';

const LEVEL_TABS: Level[] = ['ccg', 'practice', 'trust', 'community'];

/** A row the league table hands back (the table is generic): one of the rollout rows it was given. */
const leagueRow = (r: Row) => r as MetricRow<'rollout'>;

/** Which organisations the page compares: the children of the selected one, or its peers. */
export function rolloutScope(orgs: OrgIndex, code: string, requested: string | null): { parent: string; level: Level; highlight: string | null } {
  const org = orgs.byCode.get(code);
  if (!org) return { parent: orgs.root, level: 'ccg', highlight: null };
  if (org.type === 'icb') {
    const level = LEVEL_TABS.includes(requested as Level) ? (requested as Level) : 'ccg';
    return { parent: code, level, highlight: null };
  }
  const below = childLevel(org.type);
  if (below && org.children.length > 0) return { parent: code, level: below, highlight: null };
  // A practice, trust or community service: show it among its peers.
  return { parent: org.parent ?? orgs.root, level: org.type, highlight: code };
}

export default function Rollout() {
  const { filters, orgs, route } = useApp();
  const scope = rolloutScope(orgs, filters.org, route.query.get('level'));
  const selected = orgs.byCode.get(filters.org);
  const parent = orgs.byCode.get(scope.parent);
  const levelLabel = LEVEL_LABELS[scope.level];

  const curves = useMetric('uptake', { org: scope.parent, level: scope.level, from: filters.from, to: filters.to, grain: filters.grain });
  // A trust's or community service's headline is its activations (it has no list, so no uptake).
  const providerSelected = !!selected && isProvider(selected.type);
  const own = useMetric('uptake', providerSelected ? { org: filters.org, from: filters.from, to: filters.to, grain: filters.grain } : null);

  // The league table: the rollout metric's snapshot at the end date. Its RAG, status, projected
  // date and trend are the only ones shown anywhere (one rule, on the server).
  const snapshot = useMetric('rollout', { org: scope.parent, level: scope.level, to: filters.to });
  const ownRollout = useMetric('rollout', selected && !providerSelected ? { org: filters.org, to: filters.to } : null);
  const verdict = ownRollout.status === 'ready' ? ownRollout.data.rows[0] : undefined;
  const league = useMemo(
    () =>
      mapLoadable(snapshot, (d): LeagueData<MetricRow<'rollout'>> => {
        const rows = d.rows.map((r): MetricRow<'rollout'> => {
          // A rating hidden with its uptake (small numbers) says so, not "No target" beside a target.
          const rag = rolloutRagShown(r);
          return { ...r, rag_code: rag, rag_label: ragLabel(rag), projected: verdictLabel(rolloutVerdict(r)) };
        });
        if (isProvider(scope.level)) {
          // No registered list, so no uptake, target or projection: the league is of patients activated there.
          const cols = [COLUMNS.rollout.org_name, COLUMNS.rollout.go_live_date, COLUMNS.rollout.activated].map((n) => d.columns.find((c) => c.name === n)).filter((c): c is Column => !!c);
          return { ...d, columns: cols, rows, highlight: scope.highlight, level: scope.level };
        }
        const keep = [COLUMNS.rollout.org_name, COLUMNS.rollout.go_live_date, COLUMNS.rollout.eligible, COLUMNS.rollout.activated, COLUMNS.rollout.uptake_pct, COLUMNS.rollout.target_pct, COLUMNS.rollout.weekly_change_pp];
        const columns: Column[] = [
          ...keep.map((n) => d.columns.find((c) => c.name === n)).filter((c): c is Column => !!c),
          { name: 'rag_label', label: 'Against target', type: 'string' },
          { name: 'projected', label: 'Projected to reach target', type: 'string' },
        ];
        if (!columns.some((c) => c.name === COLUMNS.rollout.target_pct)) columns.splice(columns.length - 2, 0, { name: COLUMNS.rollout.target_pct, label: 'Target', type: 'number', unit: 'percent' });
        return { ...d, columns, rows, highlight: scope.highlight, level: scope.level };
      }),
    [snapshot, scope.highlight, scope.level],
  );

  const curveData = useMemo(
    () => mapLoadable(curves, (d): LeagueData => ({ ...d, grain: filters.grain, highlight: scope.highlight, level: scope.level })),
    [curves, filters.grain, scope.highlight, scope.level],
  );

  const drill = (code: string | null) => {
    if (!code || !orgs.byCode.has(code)) return;
    setParams({ org: code === orgs.root ? null : code, level: null });
  };

  // Anyone else's headline is the rollout metric's row at the end date, the same row as in the
  // league table.
  const headline = useMemo(() => {
    if (own.status !== 'ready') return null;
    const period = dateCol(own.data) ?? COLUMNS.uptake.period_start;
    const lastRow = [...own.data.rows].sort((a, b) => String(a[period]).localeCompare(String(b[period]))).pop();
    return { activated: numberAt(lastRow, COLUMNS.uptake.activated) };
  }, [own]);
  const pct = numberAt(verdict, COLUMNS.rollout.uptake_pct);
  const target = verdict ? numberAt(verdict, COLUMNS.rollout.target_pct) : (selected?.targetUptakePct ?? null);

  const peers = descendantsOf(orgs, scope.parent, scope.level);

  const timeline = useMemo(() => {
    if (snapshot.status === 'ready' && snapshot.data.columns.some((c) => c.name === COLUMNS.rollout.go_live_date)) {
      const byCode = new Map(snapshot.data.rows.map((r) => [stringAt(r, COLUMNS.rollout.org_code) ?? '', stringAt(r, COLUMNS.rollout.go_live_date)]));
      return goLiveData(
        peers.map((o) => ({ ...o, goLiveDate: byCode.get(o.code) ?? o.goLiveDate })),
        scope.highlight,
      );
    }
    return goLiveData(peers, scope.highlight);
  }, [snapshot, peers.map((p) => p.code).join(), scope.highlight]);
  const live = timeline.rows.filter((r) => !filters.to || String(r.go_live_date) <= filters.to).length;
  const rag: RagShown = rolloutRagShown(verdict);
  const q = new URLSearchParams(route.query);

  return (
    <>
      <PageHeader
        title="Rollout"
        caption={
          scope.highlight
            ? `${selected?.name} compared with the other ${levelLabel.many} in ${parent?.name}. Choose another organisation from the table or the chart.`
            : isProvider(scope.level)
              ? `Patients activated at the ${levelLabel.many} in ${parent?.name}. Select a row or bar to look at one of them.`
              : `Uptake against target for the ${levelLabel.many} in ${parent?.name}. Select a row or bar to look inside an organisation.`
        }
      />
      {selected?.type === 'icb' && (
        <nav class="segmented level-tabs" aria-label="Compare">
          {LEVEL_TABS.map((l) => {
            const tq = new URLSearchParams(q);
            if (l === 'ccg') tq.delete('level');
            else tq.set('level', l);
            return (
              <a key={l} href={hrefFor('/rollout', tq)} aria-current={scope.level === l ? 'page' : undefined} class="tab">
                {LEVEL_LABELS[l].many.replace(/^./, (c) => c.toUpperCase())}
              </a>
            );
          })}
        </nav>
      )}
      <div class="tiles">
        {selected && isProvider(selected.type) ? (
          <Tile
            hero
            label={`Patients activated at ${selected.name}`}
            loading={own.status === 'loading'}
            value={headline?.activated !== null && headline?.activated !== undefined ? formatCount(headline.activated) : '–'}
            detail="A trust or community service has no registered list, so it has no uptake percentage or target."
          />
        ) : (
        <Tile
          hero
          label={`Uptake in ${selected?.name ?? ''}`}
          loading={ownRollout.status === 'loading'}
          value={pct !== null ? formatPercent(pct) : '*'}
          detail={
            target !== null ? (
              <>
                Target {formatPercent(target)} <RagBadge rag={rag} />
                {filters.to && <> · on {formatDay(filters.to)}</>}
              </>
            ) : (
              'No target set'
            )
          }
        />
        )}
        {!(selected && isProvider(selected.type)) && (
        <Tile
          label="Projected date to reach the target"
          loading={ownRollout.status === 'loading'}
          value={verdict ? verdictLabel(rolloutVerdict(verdict)) : '–'}
          detail={
            verdict
              ? `Trend ${formatTrend(numberAt(verdict, COLUMNS.rollout.weekly_change_pp))}; a projection goes no further than ten years.`
              : undefined
          }
        />
        )}
        <Tile
          label={`${levelLabel.many.replace(/^./, (c) => c.toUpperCase())} live`}
          value={`${formatCount(live)} of ${formatCount(peers.length)}`}
          detail={`Live on the portal by ${filters.to ? formatDay(filters.to) : 'today'}.`}
        />
      </div>
      <div class="grid">
        <ChartCard
          wide
          title={isProvider(scope.level) ? `League table: patients activated at each ${levelLabel.one}` : `League table: uptake against target by ${levelLabel.one}`}
          subtitle={
            isProvider(scope.level) ? (
              'Patients whose portal activation happened at each organisation. Select a name to look at that organisation.'
            ) : (
              <>{RAG_RULE} Select a name to look at that organisation.</>
            )
          }
          data={league}
          table={{
            // The sort chosen is kept in the URL (?sort=), so a reload or a shared link keeps it.
            initialSort: sortFromParam(route.query.get('sort')) ?? { column: isProvider(scope.level) ? COLUMNS.rollout.activated : COLUMNS.rollout.uptake_pct, direction: 'descending' },
            onSortChange: (s) => setParams({ sort: sortParam(s) }, { replace: true }),
            hide: ['rag_label'],
            extra: isProvider(scope.level) ? undefined : { header: 'Against target', cell: (r) => <RagBadge rag={(typeof r.rag_code === 'string' ? (r.rag_code as RagShown) : null) ?? 'none'} /> },
            onRowSelect: (r) => drill(stringAt(leagueRow(r), COLUMNS.rollout.org_code)),
            rowSelectLabel: (r) => `Show ${stringAt(leagueRow(r), COLUMNS.rollout.org_name) ?? stringAt(leagueRow(r), COLUMNS.rollout.org_code)}`,
            isHighlighted: (r) => !!scope.highlight && stringAt(leagueRow(r), COLUMNS.rollout.org_code) === scope.highlight,
          }}
        />
        <ChartCard
          title={
            isProvider(scope.level)
              ? `Patients activated at each ${levelLabel.one}`
              : peers.length > MAX_BARS
                ? `Uptake against target: the ${MAX_BARS / 2} highest and lowest ${levelLabel.many}`
                : `Uptake by ${levelLabel.one} against target`
          }
          subtitle={
            isProvider(scope.level)
              ? 'Select a bar to look at that organisation.'
              : `Bars are coloured by RAG rating; the black tick is each organisation's target. Select a bar to drill down.${peers.length > MAX_BARS ? ` The league table lists all ${peers.length}.` : ''}`
          }
          data={league}
          chart={(d, size) => leagueBars(d, size, orgs)}
          onSelect={(datum) => drill((datum as { code?: string })?.code ?? null)}
          height={Math.max(240, Math.min(MAX_BARS + 1, peers.length) * 22)}
          footer={() =>
            isProvider(scope.level) ? null : (
            <Legend
              items={[...(['green', 'amber', 'red'] as Rag[]).map((r) => ({ label: RAG_LABEL[r], colour: RAG[r] as string })), { label: 'Target', colour: COLOURS.text, kind: 'line' as const }]}
            />
            )
          }
        />
        <ChartCard
          title={
            isProvider(scope.level)
              ? scope.highlight
                ? `Patients activated at ${selected?.name} against its peers`
                : `Patients activated at each ${levelLabel.one} over time`
              : scope.highlight
                ? `Uptake curve of ${selected?.name} against its peers`
                : `Uptake curves of the ${levelLabel.many}`
          }
          subtitle={scope.highlight ? 'The selected organisation in blue; its peers in grey.' : 'Each line is one organisation. Select a line to drill down.'}
          data={curveData}
          chart={(d, size) => uptakeCurves(d, size, orgs)}
          onSelect={(datum) => drill((datum as { code?: string })?.code ?? null)}
        />
        <ChartCard
          wide
          title={timeline.rows.length > MAX_BARS ? `${levelLabel.many.replace(/^./, (c) => c.toUpperCase())} live on the portal over time` : `Go-live timeline of the ${levelLabel.many}`}
          subtitle={timeline.rows.length > MAX_BARS ? 'How many had gone live by each date; the table view lists each go-live date.' : 'When the portal went live in each organisation.'}
          data={{ status: 'ready', data: timeline }}
          chart={(d, size) => goLiveChart(d, size, filters.to)}
          isEmpty={(d) => d.rows.length === 0}
          emptyMessage={`No go-live dates are recorded for these ${levelLabel.many}.`}
          height={timeline.rows.length > MAX_BARS ? 260 : Math.max(160, timeline.rows.length * 20 + 60)}
        />
      </div>
    </>
  );
}

function goLiveData(orgList: ReturnType<typeof descendantsOf>, highlight: string | null): GoLiveData {
  const rows: Row[] = orgList
    .filter((o) => o.goLiveDate)
    .sort((a, b) => String(a.goLiveDate).localeCompare(String(b.goLiveDate)))
    .map((o) => ({ org_code: o.code, org_name: o.name, go_live_date: o.goLiveDate, target_pct: o.targetUptakePct }));
  return {
    columns: [
      { name: 'org_name', label: 'Organisation', type: 'string' },
      { name: 'org_code', label: 'Code', type: 'string' },
      { name: 'go_live_date', label: 'Go-live date', type: 'date' },
      { name: 'target_pct', label: 'Uptake target', type: 'number', unit: 'percent' },
    ],
    rows,
    highlight,
  };
}
