// Charts of the roi metric.
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatPeriod } from '../lib/format.js';
import { COLUMNS, dateCol } from '../lib/metric.js';
import { COLOURS, Plot, base, isPartial, lineWithPartial, num, partialNote, paybackLabel, tick, toDate } from './plots.js';

export function roiChart(d: TableData, { width }: ChartSize) {
  const period = dateCol(d) ?? COLUMNS.roi.period_start;
  const rows = d.rows
    .map((r) => ({
      date: toDate(r[period]),
      period: String(r[period]),
      savings: num(r[COLUMNS.roi.cumulative_savings_central_gbp]),
      low: num(r[COLUMNS.roi.cumulative_savings_low_gbp]),
      high: num(r[COLUMNS.roi.cumulative_savings_high_gbp]),
      cost: num(r[COLUMNS.roi.cumulative_cost_gbp]),
      partial: isPartial(r),
    }))
    .filter((r): r is typeof r & { date: Date } => r.date !== null)
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  // The payback month is the roi metric's (programme-to-date, so it may be before the first month
  // drawn): marked only when it is one of the months shown, never guessed from the drawn rows.
  const paybackPeriod = d.rows.map((r) => r[COLUMNS.roi.payback_central]).find((p) => typeof p === 'string');
  const payback = rows.find((r) => r.period === paybackPeriod && r.savings !== null);
  return Plot.plot({
    ...base(width, 280, { marginLeft: 64 }),
    x: { type: 'utc', label: null },
    y: { label: '£ (cumulative)', grid: true, tickFormat: tick('gbp') },
    marks: [
      Plot.areaY(rows.filter((r) => r.low !== null && r.high !== null), { x: 'date', y1: 'low', y2: 'high', fill: '#a3d9b9', fillOpacity: 0.6 }),
      ...lineWithPartial(rows.filter((r) => r.savings !== null), { x: 'date', y: 'savings', stroke: COLOURS.green }),
      ...lineWithPartial(rows.filter((r) => r.cost !== null), { x: 'date', y: 'cost', stroke: COLOURS.red, label: false }),
      payback ? Plot.ruleX([payback.date], { stroke: COLOURS.text, strokeDasharray: '3 3' }) : null,
      payback ? Plot.dot([payback], { x: 'date', y: 'savings', r: 5, fill: COLOURS.text }) : null,
      payback ? paybackLabel(payback.date, `Payback ${formatPeriod(payback.period, 'month')}`, rows.map((r) => r.date)) : null,
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: 'date',
          y: 'savings',
          title: (r: (typeof rows)[number]) =>
            `${formatPeriod(r.period, 'month')}\nSavings ${tick('gbp')(r.savings ?? 0)} (${tick('gbp')(r.low ?? 0)}–${tick('gbp')(r.high ?? 0)})\nCost ${tick('gbp')(r.cost ?? 0)}${partialNote(r)}`,
        }),
      ),
    ],
  });
}
