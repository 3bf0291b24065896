// Charts of the savings metric (and the what-if figures computed from it and roi's costs).
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount, formatGbp, formatPeriod } from '../lib/format.js';
import type { SavingsResult } from '../lib/savings.js';
import { COLOURS, Plot, base, isPartial, partialNote, paybackLabel, tick, toDate } from './plots.js';
import { clip, labelMargin } from './values.js';

export function cumulativeChart(d: TableData & { payback: string | null }, { width }: ChartSize) {
  const rows = d.rows.map((r) => ({ ...(r as unknown as SavingsResult['periods'][number]), date: toDate(r.period)!, partial: isPartial(r) }));
  const pay = d.payback ? rows.find((r) => r.period === d.payback) : undefined;
  return Plot.plot({
    ...base(width, 320, { marginLeft: 64 }),
    x: { type: 'utc', label: null },
    y: { label: '£ (cumulative)', grid: true, tickFormat: tick('gbp') },
    marks: [
      Plot.areaY(rows, { x: 'date', y1: 'cumLow', y2: 'cumHigh', fill: '#a3d9b9', fillOpacity: 0.6, curve: 'monotone-x' }),
      Plot.lineY(rows, { x: 'date', y: 'cumCentral', stroke: COLOURS.green, strokeWidth: 3, curve: 'monotone-x' }),
      Plot.lineY(rows, { x: 'date', y: 'cumCost', stroke: COLOURS.red, strokeWidth: 2.5 }),
      // The partial month at the end: a hollow dot, and the tip says so.
      Plot.dot(rows.filter((r) => r.partial), { x: 'date', y: 'cumCentral', stroke: COLOURS.green, fill: 'white', strokeWidth: 2, r: 4 }),
      pay ? Plot.ruleX([pay.date], { stroke: COLOURS.text, strokeDasharray: '3 3' }) : null,
      pay ? Plot.dot([pay], { x: 'date', y: 'cumCentral', r: 6, fill: COLOURS.text }) : null,
      pay ? paybackLabel(pay.date, `Payback ${formatPeriod(pay.period, 'month')}`, rows.map((r) => r.date)) : null,
      Plot.ruleY([0]),
      Plot.tip(
        rows,
        Plot.pointerX({
          x: 'date',
          y: 'cumCentral',
          title: (r: (typeof rows)[number]) =>
            `${formatPeriod(r.period, 'month')}\nSavings ${formatGbp(r.cumCentral, true)} (${formatGbp(r.cumLow, true)}–${formatGbp(r.cumHigh, true)})\nCost ${formatGbp(r.cumCost, true)}${partialNote(r)}`,
        }),
      ),
    ],
  });
}

export function typeChart(d: TableData, { width }: ChartSize) {
  const bars = d.rows.map((r) => ({ label: String(r.label), low: Number(r.low), central: Number(r.central), high: Number(r.high), activity: Number(r.activity) }));
  // Saving types have long names: each is written above its bar rather than beside it.
  const step = 58;
  const padding = 0.5;
  return Plot.plot({
    ...base(width, bars.length * step + 56, { marginLeft: 16, marginTop: 24 }),
    x: { label: 'Savings (£)', grid: true, tickFormat: tick('gbp') },
    y: { label: null, domain: bars.map((b) => b.label), axis: null, padding },
    marks: [
      Plot.text(bars, { x: 0, y: 'label', text: 'label', textAnchor: 'start', dy: -(step * (1 - padding)) / 2 - 8, fontSize: 12.5, fill: COLOURS.text }),
      Plot.barX(bars, { y: 'label', x: 'central', fill: COLOURS.green }),
      Plot.ruleY(bars, { y: 'label', x1: 'low', x2: 'high', stroke: COLOURS.text, strokeWidth: 1.5 }),
      Plot.ruleX([0]),
      Plot.tip(
        bars,
        Plot.pointerY({
          y: 'label',
          x: 'central',
          title: (b: (typeof bars)[number]) => `${b.label}\n${formatCount(b.activity)} activities\n${formatGbp(b.central)} (${formatGbp(b.low)}–${formatGbp(b.high)})`,
        }),
      ),
    ],
  });
}

export function orgChart(d: TableData, { width }: ChartSize) {
  // The last bar may be the remainder (savings in no organisation of the level): grey, so the bars add up to the total.
  const bars = d.rows.map((r) => ({ name: String(r.name), central: Number(r.central), low: Number(r.low), high: Number(r.high), remainder: r.remainder === true }));
  const lm = labelMargin(bars.map((b) => b.name), width);
  return Plot.plot({
    ...base(width, Math.max(180, bars.length * 24 + 50), { marginLeft: lm.margin, marginRight: 56 }),
    x: { label: 'Savings (£, central)', grid: true, tickFormat: tick('gbp') },
    y: { label: null, domain: bars.map((b) => b.name), tickFormat: (n: string) => clip(n, lm.chars) },
    marks: [
      Plot.barX(bars, { y: 'name', x: 'central', fill: (b: (typeof bars)[number]) => (b.remainder ? COLOURS.grey : COLOURS.aqua) }),
      Plot.text(bars.filter((b) => b.remainder), { y: 'name', x: 'central', text: (b: (typeof bars)[number]) => formatGbp(b.central, true), dx: 4, textAnchor: 'start', fill: COLOURS.text }),
      Plot.ruleX([0]),
      Plot.tip(bars, Plot.pointerY({ y: 'name', x: 'central', title: (b: (typeof bars)[number]) => `${b.name}\n${formatGbp(b.central)} (${formatGbp(b.low)}–${formatGbp(b.high)})` })),
    ],
  });
}
