// Charts of the data_quality metric.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, valueLabel } from '../lib/format.js';
import { COLUMNS, numberAt } from '../lib/metric.js';
import { COLOURS, Plot, base, tick } from './plots.js';

export function quarantineChart(d: TableData<MetricRow<'data_quality'>>, { width }: ChartSize) {
  const reason = COLUMNS.data_quality.reason_code;
  const count = COLUMNS.data_quality.rows_quarantined;
  const bars = d.rows
    .map((r) => ({ reason: reasonLabel(String(r[reason])), n: numberAt(r, count) }))
    .filter((b): b is { reason: string; n: number } => b.n !== null)
    .sort((a, b) => b.n - a.n);
  return Plot.plot({
    ...base(width, Math.max(180, bars.length * 28 + 50), { marginLeft: 150 }),
    x: { label: 'Rows quarantined', grid: true, tickFormat: tick('count') },
    y: { label: null, domain: bars.map((b) => b.reason) },
    marks: [
      Plot.barX(bars, { y: 'reason', x: 'n', fill: COLOURS.orange }),
      Plot.text(bars, { y: 'reason', x: 'n', text: (b: (typeof bars)[number]) => formatCount(b.n), dx: 4, textAnchor: 'start' }),
      Plot.ruleX([0]),
      Plot.tip(bars, Plot.pointerY({ y: 'reason', x: 'n', title: (b: (typeof bars)[number]) => `${b.reason}\n${formatCount(b.n)} rows` })),
    ],
  });
}

/** A quarantine reason code as words: "bad_nhs_number" → "Bad NHS number". */
function reasonLabel(code: string): string {
  return valueLabel(code).replace(/\bnhs\b/gi, 'NHS').replace(/\bods\b/gi, 'ODS').replace(/\bimd\b/gi, 'IMD');
}
