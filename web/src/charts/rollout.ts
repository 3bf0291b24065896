// Charts of the rollout metric (and of the organisations' go-live dates).
import type { Level, MetricRow, Row } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatDay, formatPercent } from '../lib/format.js';
import { COLUMNS, dateCol, numberAt, stringAt } from '../lib/metric.js';
import type { OrgIndex } from '../lib/orgs.js';
import { rolloutRag } from '../lib/projection.js';
import { RAG_LABEL } from '../lib/rag.js';
import { COLOURS, Plot, RAG, base, tick, toDate } from './plots.js';
import { clip, labelMargin } from './values.js';

export const isProvider = (level: Level) => level === 'trust' || level === 'community';
/** More organisations than this are summarised in the bar and timeline charts (the table lists all). */
export const MAX_BARS = 40;

/** Rows of one metric per organisation: rollout (the league) or uptake (the curves). */
export interface LeagueData<R extends Row = Row> extends TableData<R> {
  highlight: string | null;
  level: Level;
}

export function leagueBars(d: LeagueData<MetricRow<'rollout'>>, { width }: ChartSize, orgs: OrgIndex) {
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

/** Many organisations: how many were live on each date, as a running count. */
export function goLiveCount(pts: Array<{ date: Date }>, width: number, to: string | undefined) {
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

export interface GoLiveData extends TableData {
  highlight: string | null;
}

export function goLiveChart(d: GoLiveData, { width }: ChartSize, to: string | undefined) {
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

/**
 * End labels that do not overlap: each label's y (in data units) moved apart so neighbours are at
 * least `gap` apart, keeping their order and staying as near their line's end as they can, and
 * not below `floor`. Returns the label y for each key.
 */
export function spreadLabels(ends: ReadonlyArray<{ key: string; y: number }>, gap: number, floor = Number.NEGATIVE_INFINITY): Map<string, number> {
  const sorted = [...ends].sort((a, b) => b.y - a.y);
  const ys = sorted.map((e) => e.y);
  // Top down: each at least `gap` under the one above.
  for (let i = 1; i < ys.length; i++) ys[i] = Math.min(ys[i]!, ys[i - 1]! - gap);
  // Bottom up: none under the floor (pushing the ones above up).
  if (ys.length && ys[ys.length - 1]! < floor) {
    ys[ys.length - 1] = floor;
    for (let i = ys.length - 2; i >= 0; i--) ys[i] = Math.max(ys[i]!, ys[i + 1]! + gap);
  }
  return new Map(sorted.map((e, i) => [e.key, ys[i]!]));
}

export function uptakeCurves(d: LeagueData<MetricRow<'uptake'>>, { width }: ChartSize, orgs: OrgIndex) {
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
  // The end of each line, its label moved apart from its neighbours' (13 px at least).
  const height = 300;
  const yMax = Math.max(1, ...pts.map((p) => p.pct), target ?? 0);
  const unitsPerPx = yMax / (height - 20 - 36);
  const lastOf = new Map<string, (typeof pts)[number]>();
  for (const p of pts) lastOf.set(p.code, p);
  const labelY = spreadLabels([...lastOf.values()].map((p) => ({ key: p.code, y: p.pct })), 13 * unitsPerPx, 0);
  const ends = [...lastOf.values()].map((p) => ({ ...p, labelY: labelY.get(p.code) ?? p.pct }));
  return Plot.plot({
    ...base(width, height, { marginRight: labelled || hl ? Math.min(190, Math.min(26, longest) * 6.6 + 14) : 24 }),
    x: { type: 'utc', label: null },
    y: provider
      ? { label: 'Patients activated here', grid: true, tickFormat: tick('count'), domain: [0, yMax] }
      : { label: 'Uptake (%)', grid: true, tickFormat: tick('percent'), domain: [0, yMax] },
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
        ? Plot.text(ends, {
            x: 'date',
            y: 'labelY',
            text: (p: { name: string }) => clip(p.name, 26),
            fill: 'code',
            dx: 6,
            textAnchor: 'start',
            fontSize: 11,
            stroke: 'white',
            strokeWidth: 3,
            paintOrder: 'stroke',
          })
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
