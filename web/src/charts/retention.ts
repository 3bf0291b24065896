// Charts of the retention metric.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatPercent, formatPeriod } from '../lib/format.js';
import { COLUMNS, numberAt } from '../lib/metric.js';
import { COLOURS, Plot, base } from './plots.js';

export function retentionChart(d: TableData<MetricRow<'retention'>>, { width }: ChartSize) {
  const cohortCol = COLUMNS.retention.cohort_month;
  const cells = d.rows
    .map((r) => ({ cohort: String(r[cohortCol] ?? ''), m: numberAt(r, COLUMNS.retention.months_since), pct: numberAt(r, COLUMNS.retention.retained_pct), hidden: !!r._suppressed?.includes(COLUMNS.retention.retained_pct) }))
    .filter((c) => c.cohort && c.m !== null && c.m >= 0);
  const cohorts = [...new Set(cells.map((c) => c.cohort))].sort();
  const maxM = Math.max(0, ...cells.map((c) => c.m ?? 0));
  return Plot.plot({
    ...base(width, Math.max(200, cohorts.length * 22 + 60), { marginLeft: 80 }),
    padding: 0.05,
    x: { type: 'band', label: 'Months since activation', domain: Array.from({ length: maxM + 1 }, (_, i) => i) },
    y: { label: null, domain: cohorts, tickFormat: (c: string) => formatPeriod(c, 'month') },
    color: { scheme: 'blues', domain: [0, 100], legend: true, label: 'Still active (%)' },
    marks: [
      Plot.cell(
        cells.filter((c) => c.pct !== null),
        { x: 'm', y: 'cohort', fill: 'pct', tip: true, title: (c: (typeof cells)[number]) => `Activated ${formatPeriod(c.cohort, 'month')}\nMonth ${c.m}: ${formatPercent(c.pct ?? 0)} still active` },
      ),
      Plot.text(
        cells.filter((c) => c.pct !== null),
        { x: 'm', y: 'cohort', text: (c: (typeof cells)[number]) => Math.round(c.pct ?? 0), fill: (c: (typeof cells)[number]) => ((c.pct ?? 0) > 55 ? 'white' : COLOURS.text), fontSize: 11 },
      ),
      Plot.text(cells.filter((c) => c.hidden), { x: 'm', y: 'cohort', text: () => '*', fill: COLOURS.text }),
    ],
  });
}
