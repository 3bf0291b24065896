import { paybackPeriod, returnPerPound } from '../../../server/metrics/roi-rule.js';
import { sortDescending, sumBy } from './group.js';
import { checkDraft } from './what-if.js';

// The savings model recomputed in the browser, so the what-if panel can change the value of
// each saving type and every chart follows at once. Savings = activity × value per activity.
// The payback period and the return are the server's rule (server/metrics/roi-rule.ts, shared):
// the panel at the model's values finds the roi metric's (test/what-if-agrees.test.ts).

export interface SavingType {
  type: string;
  label: string;
  low: number;
  central: number;
  high: number;
  description?: string;
  /** What one unit of activity is, e.g. "appointment booked online". */
  activity?: string;
}

export interface ActivityRow {
  period: string;
  type: string;
  /** Units valued: activities that avoided a cost. */
  count: number;
  /** All activities of the type (shown for context); defaults to `count`. */
  activity?: number;
  org?: string;
}

export interface CostRow {
  period: string;
  cost: number;
}

interface PeriodSavings {
  period: string;
  low: number;
  central: number;
  high: number;
  cost: number;
  cumLow: number;
  cumCentral: number;
  cumHigh: number;
  cumCost: number;
}

export interface SavingsResult {
  periods: PeriodSavings[];
  byType: Array<{ type: string; label: string; activity: number; avoided: number; low: number; central: number; high: number }>;
  byOrg: Array<{ org: string; activity: number; avoided: number; low: number; central: number; high: number }>;
  /** The first period in which cumulative central savings reach cumulative cost (cost > 0): roi-rule.ts. */
  payback: string | null;
  /** `ratio`: central savings per £1 of cost (roi-rule.ts; null without a cost). */
  totals: { low: number; central: number; high: number; cost: number; activity: number; ratio: number | null };
}

export type UnitValues = Record<string, { low: number; central: number; high: number }>;

export function modelValues(model: SavingType[]): UnitValues {
  return Object.fromEntries(model.map((m) => [m.type, { low: m.low, central: m.central, high: m.high }]));
}

export function computeSavings(activity: ActivityRow[], model: SavingType[], values: UnitValues, costs: CostRow[]): SavingsResult {
  const v = (type: string) => values[type] ?? { low: 0, central: 0, high: 0 };
  const valued = activity.map((a) => ({
    period: a.period,
    type: a.type,
    org: a.org ?? '',
    count: a.count,
    activity: a.activity ?? a.count,
    low: a.count * v(a.type).low,
    central: a.count * v(a.type).central,
    high: a.count * v(a.type).high,
  }));
  type Valued = (typeof valued)[number];
  const sums = {
    activity: (d: Valued) => d.activity,
    avoided: (d: Valued) => d.count,
    low: (d: Valued) => d.low,
    central: (d: Valued) => d.central,
    high: (d: Valued) => d.high,
  };

  const perPeriod = sumBy(valued, 'period', (d) => d.period, sums);
  const costBy = new Map<string, number>();
  for (const c of costs) costBy.set(c.period, (costBy.get(c.period) ?? 0) + c.cost);
  const allPeriods = [...new Set([...perPeriod.map((p) => p.period), ...costBy.keys()])].sort();
  const byPeriod = new Map(perPeriod.map((p) => [p.period, p]));

  let cumLow = 0;
  let cumCentral = 0;
  let cumHigh = 0;
  let cumCost = 0;
  const periods: PeriodSavings[] = allPeriods.map((period) => {
    const s = byPeriod.get(period);
    const cost = costBy.get(period) ?? 0;
    cumLow += s?.low ?? 0;
    cumCentral += s?.central ?? 0;
    cumHigh += s?.high ?? 0;
    cumCost += cost;
    return { period, low: s?.low ?? 0, central: s?.central ?? 0, high: s?.high ?? 0, cost, cumLow, cumCentral, cumHigh, cumCost };
  });

  const labels = new Map(model.map((m) => [m.type, m.label]));
  const byType: SavingsResult['byType'] = sortDescending(sumBy(valued, 'type', (d) => d.type, sums), 'central').map((t) => ({
    ...t,
    label: labels.get(t.type) ?? t.type.replace(/_/g, ' '),
  }));
  const byOrg: SavingsResult['byOrg'] = sortDescending(
    sumBy(valued.filter((d) => d.org !== ''), 'org', (d) => d.org, sums),
    'central',
  );

  return {
    periods,
    byType,
    byOrg,
    payback: paybackPeriod(periods.map((p) => ({ period: p.period, savings: p.cumCentral, cost: p.cumCost }))),
    totals: {
      low: cumLow,
      central: cumCentral,
      high: cumHigh,
      cost: cumCost,
      activity: activity.reduce((a, b) => a + (b.activity ?? b.count), 0),
      ratio: returnPerPound(cumCentral, cumCost),
    },
  };
}

/** What-if values in the URL: `type:low/central/high` joined by `,`, only for changed types. */
export function encodeValues(values: UnitValues, model: SavingType[]): string | null {
  const changed = model
    .filter((m) => {
      const v = values[m.type];
      return v && (v.low !== m.low || v.central !== m.central || v.high !== m.high);
    })
    .map((m) => {
      const v = values[m.type]!;
      return `${m.type}:${v.low}/${v.central}/${v.high}`;
    });
  return changed.length ? changed.join(',') : null;
}

export function decodeValues(text: string | null, model: SavingType[]): UnitValues {
  const values = modelValues(model);
  if (!text) return values;
  for (const part of text.split(',')) {
    const m = /^([a-z0-9_]+):(-?[\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/i.exec(part.trim());
    if (!m || !values[m[1]!]) continue;
    const [low, central, high] = [Number(m[2]), Number(m[3]), Number(m[4])];
    // A scenario the what-if panel would refuse (out of order, absurd) is not taken from an address either.
    const type = model.find((t) => t.type === m[1])!;
    if (checkDraft({ low: m[2]!, central: m[3]!, high: m[4]! }, type).values) values[m[1]!] = { low, central, high };
  }
  return values;
}
