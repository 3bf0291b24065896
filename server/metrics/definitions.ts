/**
 * The text of server/metrics/DEFINITIONS.md, generated from the metric catalogue and the savings
 * model (`npm run docs:metrics` writes it; definitions.test.ts checks the checked-in file is this
 * text). Each metric's section comes from its entry in catalogue-data.ts; the common rules and the
 * notes on rollups are written here.
 */
import { CATALOGUE, METRIC_NAMES, type MetricDefinition } from './catalogue.js';
import { SUPPRESSION_RULE } from './disclosure.js';
import type { SavingsModel } from './savings-model.js';

export const DEFINITIONS_COMMAND = 'npm run docs:metrics';

const INTRO = `# Metric definitions

What each number of the metrics API (\`GET /api/metrics/:name\`) means. The same text is served by
\`GET /api/metrics\` (the catalogue, from \`server/metrics/catalogue-data.ts\`); each metric's SQL is
\`queries/metrics/<name>.sql\`. This file is generated from the catalogue by \`${DEFINITIONS_COMMAND}\`
(scripts/metric-definitions.ts); a test checks that it is up to date.

`;

const COMMON_RULES = `## Common rules

- **Organisations.** \`org\` limits a metric to an organisation's subtree (default: the ICB at the
  root); \`level\` groups rows by the organisations of that type inside it (default: \`org\` itself).
  Hierarchy: practice → CCG → ICB; trusts and community services sit under the ICB.
- **Patients are counted at their registered GP practice** (from the patient snapshot, else the
  practice on their latest enrolment event), so counts add up practice → CCG → ICB without double
  counting. Trust / community levels are offered only where the metric has a meaning for them
  (uptake, rollout: activations that happened there; savings, roi: the services used there).
- **Days** are UK calendar days (Europe/London, so British Summer Time is honoured). Weeks start on
  Monday; months and quarters are calendar ones. Periods are whole calendar periods from the one
  containing \`from\` to the one containing \`to\`; the last ends at \`to\`. "At the end of the period"
  means at the end of its last day (or \`to\`). Default \`to\`: the latest day with data.
- **The partial period.** Every period metric has a \`complete\` column: false for a period whose
  last day is after \`to\` or after the latest day with data (on 4 December, December holds four
  days). Its figures are true for the days it holds but are not comparable with whole periods:
  the dashboard draws it apart and its headlines use the last complete period.
- **Latest enrolment state**: a patient's enrolment events in time order (steps at the same instant
  in funnel order: invited, registered, activated, deactivated); the state at a time is the type of
  the latest event up to then.
- **Active** means any usage event (login, record/letter/result viewed, message, appointment,
  questionnaire, prescription, document) in the period.
- **Disclosure control** applies to every response and export: ${SUPPRESSION_RULE}
  Details: a suppressed cell is \`null\` in JSON with its column listed in the row's \`_suppressed\`,
  \`*\` in CSV, null plus a \`_suppressed\` list column in Parquet. Rates, shares, per-1,000 figures,
  savings and projections are recomputed from the rounded counts (or suppressed with them). Medians
  over fewer than 8 people are suppressed. Event counts (logins, items received) are not people, but
  1–7 events can only come from 1–7 people, so they are suppressed too; larger ones are exact.
  Complementary suppression covers the totals each response carries: a breakdown's \`All\` row and its
  parts, columns that add up (lifecycle: active = new + returning + resurrecting), and equity's
  quintiles (= two deciles each). Known limits: figures in *different* responses (e.g. two levels,
  or consecutive cumulative periods) are not cross-protected; quarantine row counts
  (\`data_quality\`) are about files, not people, and are shown exactly.

`;

const SAVINGS_NOTE = `Saving = activity × fraction × unit value, per scenario. To change a figure, edit the JSON (bump
\`version\`: cached answers are keyed on it) or recompute in the dashboard from
\`GET /api/savings-model\` and the \`activity\` column of \`savings\`.

`;

const ROLLUPS = `## How the figures are precomputed (rollups)

\`refreshRollups(conn)\` (\`server/metrics/rollups.ts\`) rebuilds every \`rollup_*\` table from the base
tables; the importer calls it inside its transaction after each import run, so readers never see
half-built rollups, and the API's caches key on the \`data_version\` it publishes with them. The SQL
is \`queries/rollups/01_base.sql\` … \`06_levels.sql\`, the tables are defined in
\`queries/schema/002_rollups.sql\`, \`003_rollup_levels.sql\` and \`004_rollup_feeds_monthly.sql\`.

- **Grain.** Practice (or organisation) × day for changes and flows; practice × month for
  breakdowns; precomputed *levels* (running totals) at each day and month end for uptake, data
  sources and enrolment, so a metric reads one row per organisation and period instead of summing
  all history. Metric queries only aggregate practices up to the requested level.
- **Distinct patients per period** (active users, lifecycle, retention) come from one grouping of
  usage by patient into the sorted list of the patient's active days; each grain's periods are
  unnested from it, with the previous/next active period for lifecycle states. No patient × day
  table is ever built.
- **Local time** (Europe/London) is computed arithmetically (UTC + 1 hour between the last Sundays
  of March and October at 01:00 UTC), not through ICU, which is ~5× slower on tens of millions of rows.
- **Sorted storage.** Large rollups are written sorted by breakdown and period, so DuckDB's zone
  maps skip row groups outside the requested dates.
- Breakdowns of counts of distinct people are kept by month and quarter only (finer grains would
  be nearly as many rows as events).
`;

const list = (values: readonly string[]) => values.join(', ');

function metricSection(m: MetricDefinition): string {
  const grains = m.grains.length > 0 ? `${list(m.grains)} (default ${m.defaultGrain})` : '— (not a series)';
  const levels = m.levels.length > 0 ? list(m.levels) : '— (not per organisation)';
  let by = m.dimensions.length > 0 ? list(m.dimensions) : 'none';
  if (m.dimensionGrains) by += ` (at ${m.dimensionGrains.join(' / ')} only)`;
  if (m.defaultBy) by += ` (default ${m.defaultBy})`;
  const columns = m.columns.map((c) => `\`${c.name}\` (${c.label}${c.unit ? `, ${c.unit}` : ''})`).join('; ');
  return (
    `## \`${m.name}\` — ${m.label}\n\n${m.description}\n\n` +
    `- Unit: ${m.unit}. Grains: ${grains}.\n  Levels: ${levels}. Breakdowns (\`by\`): ${by}.\n` +
    `- Columns: ${columns}.\n\n`
  );
}

const gbp = (v: number) => `£${v.toFixed(2)}`;

function savingsSection(model: SavingsModel): string {
  const rows = model.items.map((item) => {
    const v = item.unit_value_gbp;
    const source = item.notes ? `${item.source} ${item.notes}` : item.source;
    return `| ${item.label} (\`${item.id}\`) | ${item.event_types.map((e) => `\`${e}\``).join(', ')} | ${item.fraction} | ${gbp(v.low)} | ${gbp(v.central)} | ${gbp(v.high)} | ${source} |`;
  });
  return (
    `## The savings model (\`data/savings-model.json\`, version ${model.version})\n\n${model.description}\n\n` +
    '| Saving type | Activity counted | Fraction | Low | Central | High | Source |\n|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n\n${SAVINGS_NOTE}`
  );
}

/** The whole of DEFINITIONS.md. */
export function renderDefinitions(model: SavingsModel): string {
  return INTRO + COMMON_RULES + METRIC_NAMES.map((n) => metricSection(CATALOGUE[n])).join('') + savingsSection(model) + ROLLUPS;
}
