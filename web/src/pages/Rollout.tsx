import { useMemo } from 'preact/hooks';
import { mapLoadable, useMetric } from '../api/hooks.js';
import type { Column, Level, Row } from '../api/types.js';
import { COLOURS, Plot, RAG, base, tick, toDate } from '../charts/plots.js';
import { clip, labelMargin } from '../charts/values.js';
import { ChartCard, type TableData, type ChartSize } from '../components/ChartCard.js';
import { Legend, PageHeader, RagBadge, Tile } from '../components/Page.js';
import { useApp } from '../lib/context.js';
import { formatCount, formatDay, formatPercent } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt } from '../lib/metric.js';
import { LEVEL_LABELS, childLevel, descendantsOf, type OrgIndex } from '../lib/orgs.js';
import { formatTrend, rolloutRag, rolloutVerdict, verdictLabel } from '../lib/projection.js';
import { RAG_LABEL, RAG_RULE, type Rag } from '../lib/rag.js';
import { hrefFor, setParams } from '../lib/router.js';

const LEVEL_TABS: Level[] = ['ccg', 'practice', 'trust', 'community'];
const isProvider = (level: Level) => level === 'trust' || level === 'community';
/** More organisations than this are summarised in the bar and timeline charts (the table lists all). */
const MAX_BARS = 40;

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

interface LeagueData extends TableData {
  highlight: string | null;
  level: Level;
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
      mapLoadable(snapshot, (d): LeagueData => {
        const rows: Row[] = d.rows.map((r) => {
          const rag = rolloutRag(r);
          return { ...r, rag_code: rag, rag_label: RAG_LABEL[rag], projected: verdictLabel(rolloutVerdict(r)) };
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
  const rag: Rag = rolloutRag(verdict);
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
            initialSort: { column: isProvider(scope.level) ? COLUMNS.rollout.activated : COLUMNS.rollout.uptake_pct, direction: 'descending' },
            hide: ['rag_label'],
            extra: isProvider(scope.level) ? undefined : { header: 'Against target', cell: (r) => <RagBadge rag={(stringAt(r, 'rag_code') as Rag | null) ?? 'none'} /> },
            onRowSelect: (r) => drill(stringAt(r, COLUMNS.rollout.org_code)),
            rowSelectLabel: (r) => `Show ${stringAt(r, COLUMNS.rollout.org_name) ?? stringAt(r, COLUMNS.rollout.org_code)}`,
            isHighlighted: (r) => !!scope.highlight && stringAt(r, COLUMNS.rollout.org_code) === scope.highlight,
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

function leagueBars(d: LeagueData, { width }: ChartSize, orgs: OrgIndex) {
  const provider = isProvider(d.level);
  const bars = d.rows
    .map((r) => {
      const code = stringAt(r, COLUMNS.rollout.org_code) ?? '';
      const target = provider ? null : (numberAt(r, COLUMNS.rollout.target_pct) ?? orgs.byCode.get(code)?.targetUptakePct ?? null);
      const pct = numberAt(r, provider ? COLUMNS.rollout.activated : COLUMNS.rollout.uptake_pct);
      return { code, name: stringAt(r, COLUMNS.rollout.org_name) ?? code, pct, target, rag: rolloutRag(r) };
    })
    .filter((b) => b.pct !== null)
    .sort((a, b) => (b.pct ?? 0) - (a.pct ?? 0));
  // Hundreds of practices do not fit as bars: show the highest and lowest (the table has them all),
  // always keeping the selected organisation.
  if (bars.length > MAX_BARS) {
    const keep = new Set([...bars.slice(0, MAX_BARS / 2), ...bars.slice(-MAX_BARS / 2)].map((b) => b.code));
    if (d.highlight) keep.add(d.highlight);
    bars.splice(0, bars.length, ...bars.filter((b) => keep.has(b.code)));
  }
  const lm = labelMargin(bars.map((b) => b.name), width);
  return Plot.plot({
    ...base(width, Math.max(220, bars.length * 22 + 50), { marginLeft: lm.margin }),
    x: provider ? { label: 'Patients activated here', grid: true, tickFormat: tick('count') } : { label: 'Uptake (%)', grid: true, tickFormat: tick('percent') },
    y: { label: null, domain: bars.map((b) => b.name), tickFormat: (n: string) => clip(n, lm.chars) },
    marks: [
      Plot.barX(bars, {
        y: 'name',
        x: 'pct',
        fill: (b: (typeof bars)[number]) => (provider ? COLOURS.blue : RAG[b.rag]),
        stroke: (b: (typeof bars)[number]) => (b.code === d.highlight ? COLOURS.text : 'none'),
        strokeWidth: 2,
      }),
      Plot.tickX(bars.filter((b) => b.target !== null), { y: 'name', x: 'target', stroke: COLOURS.text, strokeWidth: 2 }),
      Plot.ruleX([0]),
      Plot.tip(
        bars,
        Plot.pointerY({
          y: 'name',
          x: 'pct',
          title: (b: (typeof bars)[number]) =>
            provider
              ? `${b.name}\n${formatCount(b.pct ?? 0)} patients activated here`
              : `${b.name}\nUptake ${formatPercent(b.pct ?? 0)}${b.target !== null ? `\nTarget ${formatPercent(b.target)} (${RAG_LABEL[b.rag]})` : ''}`,
        }),
      ),
    ],
  });
}

function uptakeCurves(d: LeagueData, { width }: ChartSize, orgs: OrgIndex) {
  const period = dateCol(d) ?? COLUMNS.uptake.period_start;
  // Trusts and community services have no list to divide by: their curves are patients activated there.
  const provider = isProvider(d.level);
  const valueCol = provider ? COLUMNS.uptake.activated : COLUMNS.uptake.uptake_pct;
  const fmt = provider ? (v: number) => `${formatCount(v)} activated here` : (v: number) => `Uptake ${formatPercent(v)}`;
  const pts = d.rows
    .map((r) => ({ code: stringAt(r, COLUMNS.uptake.org_code) ?? '', date: toDate(r[period]), pct: numberAt(r, valueCol) }))
    .filter((p): p is { code: string; date: Date; pct: number } => p.date !== null && p.pct !== null)
    .map((p) => ({ ...p, name: orgs.byCode.get(p.code)?.name ?? p.code }))
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  const hl = d.highlight;
  const peersPts = hl ? pts.filter((p) => p.code !== hl) : pts;
  const mine = hl ? pts.filter((p) => p.code === hl) : [];
  const target = hl ? orgs.byCode.get(hl)?.targetUptakePct : null;
  const labelled = !hl && new Set(pts.map((p) => p.code)).size <= 10;
  const longest = Math.max(8, ...pts.map((p) => p.name.length));
  return Plot.plot({
    ...base(width, 300, { marginRight: labelled || hl ? Math.min(190, Math.min(26, longest) * 6.6 + 14) : 24 }),
    x: { type: 'utc', label: null },
    y: provider ? { label: 'Patients activated here', grid: true, tickFormat: tick('count') } : { label: 'Uptake (%)', grid: true, tickFormat: tick('percent') },
    marks: [
      Plot.lineY(peersPts, {
        x: 'date',
        y: 'pct',
        z: 'code',
        stroke: hl ? COLOURS.midGrey : 'code',
        strokeWidth: 1.5,
        strokeOpacity: hl ? 0.9 : 0.85,
      }),
      Plot.lineY(mine, { x: 'date', y: 'pct', stroke: COLOURS.blue, strokeWidth: 3.5 }),
      // Name each line at its end (few lines) so no colour key is needed.
      !hl && new Set(pts.map((p) => p.code)).size <= 10
        ? Plot.text(
            pts,
            Plot.selectLast({
              x: 'date',
              y: 'pct',
              z: 'code',
              text: (p: { name: string }) => clip(p.name, 26),
              fill: 'code',
              dx: 6,
              textAnchor: 'start',
              fontSize: 11,
              stroke: 'white',
              strokeWidth: 3,
              paintOrder: 'stroke',
            }),
          )
        : null,
      mine.length
        ? Plot.text(mine, Plot.selectLast({ x: 'date', y: 'pct', text: (p: { name: string }) => clip(p.name, 26), fill: COLOURS.blue, dx: 6, textAnchor: 'start', fontWeight: 700, fontSize: 11 }))
        : null,
      target !== null && target !== undefined ? Plot.ruleY([target], { stroke: COLOURS.orange, strokeDasharray: '6 4', strokeWidth: 2 }) : null,
      Plot.ruleY([0]),
      Plot.tip(
        pts,
        Plot.pointer({
          x: 'date',
          y: 'pct',
          title: (p: (typeof pts)[number]) => `${p.name}\n${formatDay(p.date.toISOString().slice(0, 10))}\n${fmt(p.pct)}`,
        }),
      ),
    ],
    color: { range: [COLOURS.blue, COLOURS.aqua, COLOURS.purple, COLOURS.orange, COLOURS.pink, COLOURS.lightBlue, COLOURS.green, COLOURS.darkPink] },
  });
}

/** Many organisations: how many were live on each date, as a running count. */
function goLiveCount(pts: Array<{ date: Date }>, width: number, to: string | undefined) {
  const sorted = [...pts].sort((a, b) => a.date.getTime() - b.date.getTime());
  const steps = sorted.map((p, i) => ({ date: p.date, live: i + 1 }));
  const end = toDate(to);
  if (end && steps.length) steps.push({ date: end > steps[steps.length - 1]!.date ? end : steps[steps.length - 1]!.date, live: steps.length });
  return Plot.plot({
    ...base(width, 260),
    x: { type: 'utc', label: null },
    // The count never exceeds the organisations; the marks are clipped to the frame all the same.
    y: { label: 'Organisations live', grid: true, domain: [0, Math.max(1, pts.length)] },
    marks: [
      Plot.areaY(steps, { x: 'date', y1: 0, y2: 'live', curve: 'step-after', fill: COLOURS.blue, fillOpacity: 0.12, clip: true }),
      Plot.lineY(steps, { x: 'date', y: 'live', curve: 'step-after', stroke: COLOURS.blue, strokeWidth: 2.5, clip: true }),
      Plot.ruleY([0]),
      Plot.tip(steps, Plot.pointerX({ x: 'date', y: 'live', title: (s: (typeof steps)[number]) => `${formatDay(s.date.toISOString().slice(0, 10))}\n${formatCount(s.live)} of ${formatCount(pts.length)} live` })),
    ],
  });
}

interface GoLiveData extends TableData {
  highlight: string | null;
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

function goLiveChart(d: GoLiveData, { width }: ChartSize, to: string | undefined) {
  const pts = d.rows.map((r) => ({ code: String(r.org_code), name: String(r.org_name), date: toDate(r.go_live_date)! }));
  if (pts.length > MAX_BARS) return goLiveCount(pts, width, to);
  const lm = labelMargin(pts.map((p) => p.name), width);
  // From a month before the first go-live to the end date, so the spacing reads as months.
  const first = pts[0]?.date ?? new Date();
  const start = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - 1, 1));
  const end = toDate(to) ?? new Date();
  const last = pts.reduce((m, p) => (p.date > m ? p.date : m), end);
  return Plot.plot({
    ...base(width, Math.max(140, pts.length * 20 + 60), { marginLeft: lm.margin }),
    x: { type: 'utc', label: 'Go-live date', grid: true, domain: [start, last] },
    y: { label: null, domain: pts.map((p) => p.name), tickFormat: (n: string) => clip(n, lm.chars) },
    marks: [
      Plot.ruleY(pts, { y: 'name', x1: start, x2: 'date', stroke: COLOURS.paleGrey, strokeWidth: 2 }),
      to ? Plot.ruleX([end], { stroke: COLOURS.secondary, strokeDasharray: '4 3' }) : null,
      Plot.dot(pts, { y: 'name', x: 'date', r: 6, fill: (p: (typeof pts)[number]) => (p.code === d.highlight ? COLOURS.orange : COLOURS.blue) }),
      Plot.tip(pts, Plot.pointerY({ y: 'name', x: 'date', title: (p: (typeof pts)[number]) => `${p.name}\nLive from ${formatDay(p.date.toISOString().slice(0, 10))}` })),
    ],
  });
}

