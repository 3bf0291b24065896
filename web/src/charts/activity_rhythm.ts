// Charts of the activity_rhythm metric.
import type { MetricRow } from '../api/types.js';
import type { ChartSize, TableData } from '../components/ChartCard.js';
import { formatCount } from '../lib/format.js';
import { COLUMNS, numberAt } from '../lib/metric.js';
import { Plot, base, tick } from './plots.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function rhythmChart(d: TableData<MetricRow<'activity_rhythm'>>, { width }: ChartSize) {
  const cells = d.rows
    .map((r) => ({ dow: numberAt(r, COLUMNS.activity_rhythm.weekday), hour: numberAt(r, COLUMNS.activity_rhythm.hour), events: numberAt(r, COLUMNS.activity_rhythm.events) }))
    .filter((c): c is { dow: number; hour: number; events: number } => c.dow !== null && c.hour !== null && c.events !== null)
    .map((c) => ({ ...c, day: WEEKDAYS[(c.dow - 1 + 7) % 7]! }));
  return Plot.plot({
    ...base(width, 260, { marginLeft: 48 }),
    padding: 0.05,
    x: { type: 'band', label: 'Hour of day', domain: Array.from({ length: 24 }, (_, i) => i), tickFormat: (h: number) => (h % 3 === 0 ? String(h).padStart(2, '0') : '') },
    y: { label: null, domain: WEEKDAYS },
    color: { scheme: 'blues', legend: true, label: 'Events', tickFormat: tick('count') },
    marks: [
      Plot.cell(cells, {
        x: 'hour',
        y: 'day',
        fill: 'events',
        tip: true,
        title: (c: (typeof cells)[number]) => `${c.day} ${String(c.hour).padStart(2, '0')}:00–${String(c.hour).padStart(2, '0')}:59\n${formatCount(c.events)} events`,
      }),
    ],
  });
}
