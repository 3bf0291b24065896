/**
 * The return-on-investment rule: when savings to date first cover the cost to date (the payback
 * period), and the return (savings for each £1 of cost). One implementation for every figure a
 * reader sees: the server's `roi` metric works its payback and return columns out with it
 * (server/metrics/catalogue.ts), and the dashboard's what-if panel (web/src/lib/savings.ts) with
 * the reader's own unit values, so the panel left at the model's values gives the server's answer.
 *
 * A module shared by the server and the dashboard: plain functions, nothing Node-only.
 */

/** Whole pence: the money columns are published to the penny, and compared as published. */
const pence = (gbp: number): number => Math.round(gbp * 100);

/** One period's programme-to-date figures (savings of one scenario, cost), oldest first. */
export interface ToDate {
  readonly period: string;
  readonly savings: number;
  readonly cost: number;
}

/**
 * The first period whose savings to date cover its cost to date, to the penny, once there is a
 * cost (with nothing spent there is nothing to pay back); null while not reached. `points` are
 * programme-to-date figures from the programme's first period, oldest first: the payback of a
 * programme that began before the dates shown lies before them.
 */
export function paybackPeriod(points: Iterable<ToDate>): string | null {
  for (const p of points) if (p.cost > 0 && pence(p.savings) >= pence(p.cost)) return p.period;
  return null;
}

/** Decimals of the published return: "£3.20 back for every £1". */
const RETURN_DECIMALS = 2;

/**
 * The return to date: savings for each £1 of cost (savings ÷ cost), to 2 decimals; null without a
 * cost. The form a programme board reads ("3.20 × the cost"), so the only one published.
 */
export function returnPerPound(savings: number, cost: number): number | null {
  if (!(cost > 0) || !Number.isFinite(savings)) return null;
  const f = 10 ** RETURN_DECIMALS;
  return Math.round((savings / cost) * f) / f + 0; // + 0: no "-0"
}
